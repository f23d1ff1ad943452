package HashpayV2;

# v1.1 tweets (as HashpayFlow::tw() builds them) turned into what the X
# Activity API and the Filtered Stream webhook deliver (SPEC section 11):
# v2 posts with their includes, XAA events and bodies, stream bodies.
# The conversion keeps the meaning of the tweet for hashpay:
#
#   id_str                      -> id
#   user.id_str                 -> author_id
#   user (screen_name,          -> includes.users[{id, username,
#     created_at)                    created_at}] (ISO 8601; a created_at
#                                    that is not v1.1's format is copied
#                                    as it is, so an unparseable one stays
#                                    unparseable; absent stays absent)
#   timestamp_ms                -> created_at, ISO 8601 with milliseconds
#                                  and Z (not digits: copied as it is;
#                                  absent stays absent)
#   entities.hashtags[].text    -> entities.hashtags[].tag
#   entities.user_mentions[]    -> entities.mentions[{id, username}]
#   truncated + extended_tweet  -> note_tweet {text, entities}
#   retweeted_status            -> referenced_tweets retweeted +
#                                  includes.tweets (its author in
#                                  includes.users)
#   quoted_status               -> referenced_tweets quoted +
#                                  includes.tweets
#   in_reply_to_status_id_str   -> referenced_tweets replied_to
#   in_reply_to_user_id_str     -> in_reply_to_user_id
#   edit_history.edit_tweet_ids -> edit_history_tweet_ids (else [id])
#
# v2_post($tweet) returns { data => post, includes => {...} }: what
# xaa_event() and stream_body() take.

use strict;
use warnings;

use JSON::PP ();
use POSIX ();
use Time::Local ();
use Exporter 'import';

our @EXPORT_OK = qw(v2_post xaa_event xaa_body stream_body encode
                    stream_from_xaa iso_of_ms iso_of_v1);

my %month = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
             Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);

my %type_no = ('post.create' => 1, 'post.mention.create' => 2,
               'post.reply.create' => 3, 'post.quote.create' => 4,
               'post.repost.create' => 5);

sub encode {
    return JSON::PP->new->canonical->ascii->encode($_[0]);
}

# unix ms (digits) -> "2023-11-14T22:13:20.000Z"; anything else as it is
sub iso_of_ms {
    my ($ms) = @_;
    return $ms unless defined $ms && !ref $ms && $ms =~ /^\d+$/;
    return POSIX::strftime('%Y-%m-%dT%H:%M:%S', gmtime(int($ms / 1000)))
           . sprintf('.%03dZ', $ms % 1000);
}

# "Wed May 23 06:01:13 +0000 2007" -> "2007-05-23T06:01:13.000Z";
# anything else as it is
sub iso_of_v1 {
    my ($t) = @_;
    return $t unless defined $t && !ref $t
        && $t =~ /^[A-Z][a-z]{2}\ ([A-Z][a-z]{2})\ (\d\d)
                  \ (\d\d):(\d\d):(\d\d)\ ([+-])(\d\d)(\d\d)\ (\d{4})\z/x
        && exists $month{$1};
    my $s = Time::Local::timegm($5, $4, $3, $2, $month{$1}, $9);
    $s -= ($6 eq '-' ? -1 : 1) * ($7 * 3600 + $8 * 60);
    return POSIX::strftime('%Y-%m-%dT%H:%M:%S.000Z', gmtime($s));
}

# v1.1 entities -> v2 entities (undef when there is nothing to say)
sub entities {
    my ($e) = @_;
    return $e unless ref $e eq 'HASH';
    my %v2;

    if (exists $e->{hashtags}) {
        my $h = $e->{hashtags};
        if (ref $h eq 'ARRAY') {
            $v2{hashtags} = [ map { hashtag($_) } @$h ] if @$h;
        } else {
            $v2{hashtags} = $h;
        }
    }

    if (ref $e->{user_mentions} eq 'ARRAY' && @{ $e->{user_mentions} }) {
        $v2{mentions} = [ map {
            my $m = $_;
            ref $m eq 'HASH'
                ? { id => $m->{id_str}, username => $m->{screen_name},
                    span($m->{indices}) }
                : $m
        } @{ $e->{user_mentions} } ];
    }

    return %v2 ? \%v2 : undef;
}

sub hashtag {
    my ($h) = @_;
    return $h unless ref $h eq 'HASH';
    my %t = (span($h->{indices}));
    $t{tag} = $h->{text} if exists $h->{text};
    return \%t;
}

sub span {
    my ($i) = @_;
    return () unless ref $i eq 'ARRAY' && @$i == 2;
    return (start => $i->[0], end => $i->[1]);
}

# add a user entry unless one with its id is there already
sub add_user {
    my ($inc, $u) = @_;
    return unless ref $u eq 'HASH' && defined $u->{id_str};
    return if grep { ref $_ eq 'HASH' && defined $_->{id}
                     && $_->{id} eq $u->{id_str} } @{ $inc->{users} || [] };
    my $e = { id => $u->{id_str} };
    $e->{username} = $u->{screen_name} if exists $u->{screen_name};
    $e->{name} = $u->{name} if exists $u->{name};
    $e->{created_at} = iso_of_v1($u->{created_at})
        if exists $u->{created_at};
    push @{ $inc->{users} }, $e;
}

# a converted post into includes.tweets, its own includes merged
sub add_tweet {
    my ($inc, $sub) = @_;
    push @{ $inc->{tweets} }, $sub->{data};
    for my $u (@{ $sub->{includes}{users} || [] }) {
        push @{ $inc->{users} }, { %$u }
            unless grep { $_->{id} eq $u->{id} } @{ $inc->{users} || [] };
    }
    push @{ $inc->{tweets} }, @{ $sub->{includes}{tweets} || [] };
}

# a v1.1 tweet (hash, or JSON text of one) -> { data => post, includes }
sub v2_post {
    my ($t) = @_;
    $t = JSON::PP->new->decode($t) unless ref $t;
    die "v2_post: not a tweet object\n" unless ref $t eq 'HASH';

    my (%p, %inc, @refs);

    $p{id} = $t->{id_str} if exists $t->{id_str};
    $p{text} = $t->{text} if exists $t->{text};
    $p{author_id} = ref $t->{user} eq 'HASH' ? $t->{user}{id_str}
                                             : undef
        if exists $t->{user};
    $p{created_at} = iso_of_ms($t->{timestamp_ms})
        if exists $t->{timestamp_ms};
    $p{lang} = $t->{lang} if exists $t->{lang};

    if (ref $t->{edit_history} eq 'HASH'
        && ref $t->{edit_history}{edit_tweet_ids} eq 'ARRAY')
    {
        $p{edit_history_tweet_ids}
            = [ @{ $t->{edit_history}{edit_tweet_ids} } ];
    } elsif (defined $p{id}) {
        $p{edit_history_tweet_ids} = [ $p{id} ];
    }

    my $ent = entities($t->{entities});
    $p{entities} = $ent if defined $ent;

    if ($t->{truncated} && ref $t->{extended_tweet} eq 'HASH') {
        my $x = $t->{extended_tweet};
        my %note;
        $note{text} = $x->{full_text} if exists $x->{full_text};
        if (exists $x->{entities}) {
            $note{entities} = entities($x->{entities}) // {};
        }
        $p{note_tweet} = \%note;
    }

    add_user(\%inc, $t->{user});

    if (ref $t->{retweeted_status} eq 'HASH') {
        my $rt = v2_post($t->{retweeted_status});
        push @refs, { type => 'retweeted', id => $rt->{data}{id} };
        add_tweet(\%inc, $rt);
    }

    if (ref $t->{quoted_status} eq 'HASH') {
        my $q = v2_post($t->{quoted_status});
        push @refs, { type => 'quoted', id => $q->{data}{id} };
        add_tweet(\%inc, $q);
    } elsif (defined $t->{quoted_status_id_str}) {
        push @refs, { type => 'quoted', id => $t->{quoted_status_id_str} };
    }

    if (defined $t->{in_reply_to_status_id_str}) {
        push @refs, { type => 'replied_to',
                      id => $t->{in_reply_to_status_id_str} };
    }
    $p{in_reply_to_user_id} = $t->{in_reply_to_user_id_str}
        if defined $t->{in_reply_to_user_id_str};

    $p{referenced_tweets} = \@refs if @refs;

    return { data => \%p, includes => \%inc };
}

# the XAA event type X would send for a post
sub event_type_of {
    my ($p) = @_;
    my %types = map { $_->{type} => 1 }
                grep { ref $_ eq 'HASH' && defined $_->{type} }
                @{ ref $p->{referenced_tweets} eq 'ARRAY'
                   ? $p->{referenced_tweets} : [] };
    return 'post.repost.create' if $types{retweeted};
    return 'post.quote.create' if $types{quoted};
    return 'post.reply.create' if $types{replied_to};
    return 'post.create';
}

# an XAA event of a post: { event_uuid, event_type, filter, payload,
# includes }; $type defaults by the post's references, $filter_user to
# its author
sub xaa_event {
    my ($pi, $type, $filter_user) = @_;
    my $p = $pi->{data};
    $type //= event_type_of($p);
    $filter_user //= ref $p eq 'HASH' ? $p->{author_id} : undef;
    my $pid = ref $p eq 'HASH' && defined $p->{id} && !ref $p->{id}
              ? $p->{id} : '0';
    return {
        # not an identity hashpay uses (SPEC section 11): made of the type
        # and the post id, so that a redelivery is the same body
        event_uuid => ($type_no{$type} // 9) . $pid,
        event_type => $type,
        filter => { defined $filter_user ? (user_id => $filter_user) : () },
        payload => $p,
        includes => $pi->{includes} || {},
    };
}

# an XAA body: {"data": event} for one, {"data": [events]} for several
sub xaa_body {
    my (@events) = @_;
    return encode({ data => @events == 1 ? $events[0] : \@events });
}

# a Filtered Stream body of one post; $rules (default one rule)
sub stream_body {
    my ($pi, $rules) = @_;
    return encode({ data => $pi->{data}, includes => $pi->{includes} || {},
                    matching_rules => $rules
                                      || [ { id => '1', tag => 't' } ] });
}

# the stream body of the post of an XAA body of one event (JSON text)
sub stream_from_xaa {
    my ($text, $rules) = @_;
    my $ev = JSON::PP->new->decode($text)->{data};
    die "stream_from_xaa: not one event\n" unless ref $ev eq 'HASH';
    return stream_body({ data => $ev->{payload}, includes => $ev->{includes} },
                       $rules);
}

1;
