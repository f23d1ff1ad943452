package HashpayPost;

# Helpers of the tests of v2 posts (SPEC section 11): X Activity API
# (XAA) and Filtered Stream deliveries, built as Perl data and encoded
# here (t/031-xaa-delivery.t, t/032-stream-delivery.t, t/061-revoke-xaa.t).
#
#   p2(%o)          a v2 post (the XAA payload, the stream's data)
#   u2($id, %o)     an entry of includes.users
#   xe($type, $payload, %o)
#                   an XAA event of any type
#   xp(%o)          a post event: xe(type, p2(%o)) with the author's
#                   includes
#   xrevoke($user, $date_time)
#                   an oauth.revoke event
#   xaa(@events)    the body {"data":[...]}; xaa1($event): {"data":{...}}
#   stream($post, %o)
#                   a Filtered Stream body
#   res([id, outcome, reason], ...)
#                   the exact 200 body (id undef: null)
#   with($event, field => value, ...)
#                   an event as --- events expects it, fields replaced
#   iso($ms)        unix ms as ISO 8601 (2026-12-01T10:00:00.000Z)
#   js($data)       JSON text (canonical, ASCII); the string $NULL
#                   anywhere in it is written as a JSON null
#   seed($lines)    Redis commands now, one a line (as --- redis_init)
#
# Events, offers, links and purchases come from HashpayFlow.  Everything
# is exported into main::, so blocks call ::xp(...).

use strict;
use warnings;

use JSON::PP ();
use POSIX ();
use HashpayTest ();
use HashpayFlow ();
use Exporter 'import';

our @EXPORT = qw(p2 u2 xe xp xrevoke xaa xaa1 stream res with iso js seed
                 $NOW_MS $POST_AT $ACCOUNT_AT $NULL);

my $ALICE = $HashpayFlow::ALICE;
my %names = ($HashpayFlow::ALICE => 'alice', $HashpayFlow::BOB => 'bob',
             $HashpayFlow::CAROL => 'carol',
             $HashpayFlow::OPERATOR => 'HashpaySync');

# when the file started, unix ms (HashpayTest's); posts are dated a
# minute before unless told otherwise (a post much older is stale: SPEC
# section 10)
our $NOW_MS;
*NOW_MS = \$HashpayTest::NOW_MS;
our $POST_AT = iso($NOW_MS - 60000);

# the accounts' default created_at (alice's in the examples)
our $ACCOUNT_AT = '2007-05-23T06:01:13.000Z';

# a JSON null where Perl's undef means "absent" (p2's set, ...)
our $NULL = '__json_null__';

my $json = JSON::PP->new->canonical->ascii->allow_nonref;
my $uuid = 0;

sub iso {
    my ($ms) = @_;
    my $s = POSIX::floor($ms / 1000);
    return POSIX::strftime('%Y-%m-%dT%H:%M:%S', gmtime($s))
           . sprintf('.%03dZ', $ms - $s * 1000);
}

# JSON text of Perl data (raw JSON text is passed through)
sub js {
    my ($v) = @_;
    return $v unless ref $v;
    my $text = $json->encode($v);
    $text =~ s/"\Q$NULL\E"/null/g;
    return $text;
}

sub seed {
    my ($lines) = @_;
    for my $line (split /\n/, $lines) {
        next unless $line =~ /\S/;
        my $r = HashpayTest::redis(split ' ', $line);
        die "seed \"$line\" failed: $r" if $r =~ /^(ERR|WRONGTYPE)/;
    }
}

# A v2 post: id, author (author_id, default alice), tags (hashtag texts,
# entities.hashtags[].tag), mentions (user ids, entities.mentions), at
# (created_at; undef: absent), history (edit_history_tweet_ids, default
# [id]; undef: absent), refs ([type, id], ...: referenced_tweets), set
# (top-level fields to set; undef deletes them).
sub p2 {
    my (%o) = @_;
    my $author = exists $o{author} ? $o{author} : $ALICE;
    my @tags = @{ $o{tags} || [] };
    my $pos = 0;
    my $id = defined $o{id} ? "$o{id}" : undef;
    my $p = {
        id => $id,
        text => join(' ', map { "#$_" } @tags) || 'a post',
        author_id => defined $author ? "$author" : undef,
        lang => 'en',
        conversation_id => $id,
        edit_controls => { edits_remaining => 5, is_edit_eligible =>
                           JSON::PP::true },
        possibly_sensitive => JSON::PP::false,
        entities => {
            hashtags => [ map { my $s = $pos; $pos += length($_) + 2;
                                { start => $s, end => $s + length($_) + 1,
                                  tag => $_ } } @tags ],
        },
        public_metrics => { retweet_count => 0, like_count => 0 },
    };

    my $at = exists $o{at} ? $o{at} : $POST_AT;
    $p->{created_at} = $at if defined $at;

    my $hist = exists $o{history} ? $o{history} : [ $id ];
    $p->{edit_history_tweet_ids} = $hist if defined $hist;

    if ($o{mentions}) {
        $p->{entities}{mentions} = [ map {
            { start => 0, end => 5, id => $_,
              username => $names{$_} // "u$_" } } @{ $o{mentions} } ];
    }

    if ($o{refs}) {
        $p->{referenced_tweets} = [ map { { type => $_->[0], id => $_->[1] } }
                                    @{ $o{refs} } ];
    }

    for my $k (keys %{ $o{set} || {} }) {
        if (defined $o{set}{$k}) {
            $p->{$k} = $o{set}{$k};
        } else {
            delete $p->{$k};
        }
    }

    return $p;
}

# An entry of includes.users: id, then username (default by id; undef:
# absent) and created (created_at, default $ACCOUNT_AT; undef: absent)
sub u2 {
    my ($id, %o) = @_;
    my $u = { id => $id, name => 'Someone', protected => JSON::PP::false,
              verified => JSON::PP::false };
    my $name = exists $o{username} ? $o{username} : ($names{$id} // "u$id");
    $u->{username} = $name if defined $name;
    my $c = exists $o{created} ? $o{created} : $ACCOUNT_AT;
    $u->{created_at} = $c if defined $c;
    return $u;
}

# An XAA event: type, payload, then includes (default: the payload's
# author as includes.users; undef: no includes key) and set (event fields
# to set; undef deletes them)
sub xe {
    my ($type, $payload, %o) = @_;
    my $ev = { event_uuid => '70000000000000' . sprintf('%05d', ++$uuid),
               filter => { user_id => $ALICE } };
    $ev->{event_type} = $type;
    $ev->{payload} = $payload;

    if (exists $o{includes}) {
        $ev->{includes} = $o{includes} if defined $o{includes};
    } elsif (ref $payload eq 'HASH' && defined $payload->{author_id}
             && !ref $payload->{author_id}) {
        $ev->{includes} = { users => [ u2($payload->{author_id}) ] };
    }

    for my $k (keys %{ $o{set} || {} }) {
        if (defined $o{set}{$k}) {
            $ev->{$k} = $o{set}{$k};
        } else {
            delete $ev->{$k};
        }
    }

    return $ev;
}

# A post event: type (default post.create), includes and ev (the event's
# set) as for xe, every other option as for p2
sub xp {
    my (%o) = @_;
    my $type = exists $o{type} ? delete $o{type} : 'post.create';
    my %e;
    $e{includes} = delete $o{includes} if exists $o{includes};
    $e{set} = delete $o{ev} if exists $o{ev};
    return xe($type, p2(%o), %e);
}

# oauth.revoke of a user (date_time undef: absent)
sub xrevoke {
    my ($user, $date_time) = @_;
    my $p = { user_id => $user, app_id => '13090192' };
    $p->{date_time} = $date_time if defined $date_time;
    return xe('oauth.revoke', $p, includes => undef,
              set => { filter => {} });
}

sub xaa {
    return '{"data":[' . join(',', map { js($_) } @_) . ']}';
}

sub xaa1 {
    my ($ev) = @_;
    return '{"data":' . js($ev) . '}';
}

# A Filtered Stream body: the post, then includes (default the author's
# user; undef: absent) and rules (matching_rules, default one rule)
sub stream {
    my ($post, %o) = @_;
    my $b = { data => $post,
              matching_rules => [ { id => '1800000000000000001',
                                    tag => 'gift card offer' } ] };
    if (exists $o{includes}) {
        $b->{includes} = $o{includes} if defined $o{includes};
    } elsif (ref $post eq 'HASH') {
        $b->{includes} = { users => [ u2($post->{author_id}) ] };
    }
    $b->{matching_rules} = $o{rules} if exists $o{rules};
    return js($b);
}

# the exact 200 body: [tweet_id (undef: null), outcome, reason], ...
sub res {
    return '{"results":[' . join(',', map {
        my ($id, $outcome, $reason) = @$_;
        '{"tweet_id":' . (defined $id ? "\"$id\"" : 'null')
        . ',"outcome":"' . $outcome . '"'
        . (defined $reason ? ',"reason":"' . $reason . '"' : '') . '}'
    } @_) . ']}';
}

# an expected event with some fields replaced
sub with {
    my ($ev, %f) = @_;
    my ($type, $data) = @$ev;
    return [ $type, { %$data, %f } ];
}

1;
