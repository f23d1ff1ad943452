package HashpayFlow;

# Helpers of the purchase-flow tests (t/07*.t, t/090-oversell.t): tweets
# and deliveries (in the shape $HashpayFlow::SHAPE says), offers, links
# and purchases written straight into Redis per src/lua/README.md (the
# admin API is tested on its own), the events those tests expect, and a
# synchronous signed POST for the steps that need what an earlier request
# minted (a confirmation code).
#
# Everything is exported into main::, so blocks call tw(...) or ::tw(...).

use strict;
use warnings;

use JSON::PP ();
use Test::More ();
use IO::Socket::INET ();
use HashpayTest ();
use HashpayV2 ();
use Exporter 'import';

our @EXPORT = qw(tw dl dl_for dl_each by_shape shape_ok results
                 results_each offer linked purchase post purchase_of
                 code_of intent_created intent_rejected confirmed
                 confirm_rejected cancelled raw_events post_many $ALICE $BOB $CAROL
                 $OPERATOR $CODE_RE $TAG_RE $NOW_MS $TWEET_MS $DAY_MS
                 v1_time iso_time);

our $ALICE = '1297234567890123457';
our $BOB = '1297234567890123458';
our $CAROL = '1297234567890123459';
our $OPERATOR = '15234567';

# Post times (SPEC section 10: a post older than hashpay_dedupe_ttl less
# a margin, or more than 5 minutes ahead, is stale and does nothing): a
# tweet that must act is dated near now, whatever day the test runs.
# $NOW_MS is when the test file started (HashpayTest's), $TWEET_MS tw()'s
# default timestamp_ms (a minute before); v1_time($ms) and iso_time($ms)
# write a created_at (HashpayTest).
our $NOW_MS;
*NOW_MS = \$HashpayTest::NOW_MS;
our $TWEET_MS = $NOW_MS - 60000;
our $DAY_MS = 86400000;

sub v1_time { return HashpayTest::v1_time(@_) }
sub iso_time { return HashpayTest::iso_time(@_) }

our $CODE_RE = qr/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/;
our $TAG_RE = qr/^#Confirm[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/;

# The delivery shape dl() and dl_for() build (SPEC section 11): "aaa"
# (Account Activity, v1.1 tweets: the default), "xaa" (X Activity API
# events of v2 posts) or "stream" (a Filtered Stream body: one post).
# $ENV{HASHPAY_SHAPE} chooses it when this module is loaded, so a wrapper
# .t sets it and runs a purchase-flow file again in another shape.
our $SHAPE = $ENV{HASHPAY_SHAPE} // 'aaa';
die "HASHPAY_SHAPE \"$SHAPE\": not one of aaa, xaa, stream\n"
    unless $SHAPE =~ /^(aaa|xaa|stream)\z/;

my %names = ($ALICE => 'alice', $BOB => 'bob', $CAROL => 'carol');

# A tweet_create_events[] entry: id, user (id_str, default alice), name
# (screen_name), tags (hashtag texts), created_at (user.created_at,
# default 2007; undef removes it), ts (timestamp_ms, default $TWEET_MS as
# a string; undef removes it), set (top-level fields to set, undef:
# delete).
sub tw {
    my (%o) = @_;
    my $user = $o{user} // $ALICE;
    my $t = {
        id_str => "$o{id}",
        text => join(' ', map { "#$_" } @{ $o{tags} || [] }),
        truncated => JSON::PP::false,
        user => {
            id_str => $user,
            screen_name => $o{name} // $names{$user} // "u$user",
        },
        entities => {
            hashtags => [ map { { text => $_, indices => [0, 1] } }
                          @{ $o{tags} || [] } ],
            user_mentions => [],
            urls => [],
        },
    };

    my $created = exists $o{created_at} ? $o{created_at}
                                        : 'Wed May 23 06:01:13 +0000 2007';
    $t->{user}{created_at} = $created if defined $created;

    my $ts = exists $o{ts} ? $o{ts} : "$TWEET_MS";
    $t->{timestamp_ms} = $ts if defined $ts;

    for my $k (keys %{ $o{set} || {} }) {
        if (defined $o{set}{$k}) {
            $t->{$k} = $o{set}{$k};
        } else {
            delete $t->{$k};
        }
    }

    return $t;
}

# a delivery body of tweets (hashes, or raw JSON text) in the shape of
# $SHAPE, delivered for alice
sub dl {
    return dl_for($ALICE, @_);
}

# the same delivered "for" $user: AAA's for_user_id; in XAA the event
# post.mention.create of a subscription (filter) of $user, unless $user is
# the author; in a stream body another matching rule.  A stream body holds
# one post: several tweets die.
sub dl_for {
    my ($user, @tweets) = @_;

    if ($SHAPE eq 'aaa') {
        return '{"for_user_id":"' . $user . '","tweet_create_events":['
               . join(',', map { ref $_ ? HashpayV2::encode($_) : $_ }
                               @tweets)
               . ']}';
    }

    my @posts = map { HashpayV2::v2_post($_) } @tweets;

    if ($SHAPE eq 'xaa') {
        return HashpayV2::xaa_body(map {
            my $author = $_->{data}{author_id} // '';
            $user eq $ALICE || $user eq $author
                ? HashpayV2::xaa_event($_)
                : HashpayV2::xaa_event($_, 'post.mention.create', $user)
        } @posts);
    }

    die "dl() in stream shape: a Filtered Stream body holds one post, got "
        . scalar(@posts) . " (deliver them one request each)\n"
        unless @posts == 1;

    return HashpayV2::stream_body($posts[0], $user eq $ALICE ? undef
        : [ { id => '2', tag => "for $user" } ]);
}

# one delivery per tweet: an array ref of bodies for --- delivery eval
sub dl_each {
    return [ map { dl($_) } @_ ];
}

# the value for the current shape: by_shape(aaa => A, xaa => X,
# stream => S)
sub by_shape {
    my (%v) = @_;
    die "by_shape: nothing for $SHAPE\n" unless exists $v{$SHAPE};
    return $v{$SHAPE};
}

# the exact 200 body: [tweet_id, outcome, reason], ...
sub results {
    return '{"results":[' . join(',', map {
        my ($id, $outcome, $reason) = @$_;
        '{"tweet_id":"' . $id . '","outcome":"' . $outcome . '"'
        . (defined $reason ? ',"reason":"' . $reason . '"' : '') . '}'
    } @_) . ']}';
}

# the 200 bodies of one tweet each: an array ref for --- response_body
sub results_each {
    return [ map { results($_) } @_ ];
}

# One assertion: the deliveries dl() builds are of the shape the test
# file's name says (t/NNN-name-xaa.t, t/NNN-name-stream.t; otherwise
# HASHPAY_SHAPE or aaa), so that a wrapper runs what it claims to.
sub shape_ok {
    my $want = $0 =~ /-(xaa|stream)\.t\z/ ? $1
             : $ENV{HASHPAY_SHAPE} // 'aaa';
    my $b = JSON::PP->new->decode(dl(tw(id => '1', tags => ['T'])));
    my $got = exists $b->{matching_rules} ? 'stream'
            : ref $b->{data} eq 'HASH'
              && ($b->{data}{event_type} // '') eq 'post.create' ? 'xaa'
            : ref $b->{tweet_create_events} eq 'ARRAY' ? 'aaa'
            : 'unknown';
    Test::More::is($got, $want, "$0 - deliveries in the $want shape");
}

# redis_init lines for an offer: tag, then fields over the defaults
# (an active purchase offer, 2500 USD cents, stock 10, one per user)
sub offer {
    my ($tag, %f) = @_;
    my %o = (tag => $tag, kind => 'purchase', title => 'Gift',
             price_cents => 2500, currency => 'USD', stock => 10,
             per_user_limit => 1, min_account_age_days => 0, active => 1,
             sold => 0, redeemed => 0, created_at => 1700000000000,
             updated_at => 1700000000000, %f);
    return 'HSET hashpay:offer:' . lc($tag) . ' '
           . join(' ', map { "$_ $o{$_}" } grep { defined $o{$_} }
                                                sort keys %o)
           . "\nZADD hashpay:offers 0 " . lc($tag) . "\n";
}

# redis_init lines for a card link
sub linked {
    my ($user, $token, $name) = @_;
    $token //= 'tok_' . substr($user, -4);
    $name //= $names{$user} // "u$user";
    return "HSET hashpay:link:$user user_id $user card_token $token "
           . "screen_name $name linked_at 1700000000000\n"
           . "SET hashpay:card:$token $user\n";
}

# redis_init lines for a purchase (per src/lua/README.md): id, user, code,
# tag (offer), state, expires_at, tweet_id; a pending one gets its hold,
# pending key and user_pending member (scored by expires_at)
sub purchase {
    my (%p) = @_;
    my $id = $p{id} // 'pur_1';
    my $user = $p{user} // $ALICE;
    my $tag = $p{tag} // 'BuyGiftCard25';
    my $lc = lc $tag;
    my $state = $p{state} // 'pending';
    my $exp = $p{expires_at} // '9999999999999';
    my $code = $p{code} // '7KQ2XD';
    my $out = "HSET hashpay:purchase:$id id $id offer $tag offer_key $lc "
        . "user_id $user screen_name " . ($names{$user} // "u$user")
        . " state $state tweet_id " . ($p{tweet_id} // '9001')
        . " confirm_tag #Confirm$code code $code expires_at $exp"
        . " price_cents " . ($p{price_cents} // 2500)
        . " currency " . ($p{currency} // 'USD')
        . " created_at 1700000000000\n"
        . "SET hashpay:code:$code $id\n";

    if ($state eq 'pending') {
        $out .= "ZADD hashpay:holds:$lc $exp $id\n"
              . "SET hashpay:pending:$lc:$user $id\n"
              . "ZADD hashpay:user_pending:$user $exp $id\n";
    }

    return $out;
}

# A signed delivery POSTed now, waiting for the answer: (status, body).
sub post {
    my ($body) = @_;
    my $port = Test::Nginx::Util::server_port_for_client();
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp',
                                     Timeout => 5)
        or die "cannot connect to nginx on $port: $!";

    print $sock "POST /webhooks/x HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nContent-Type: application/json\r\n"
        . "x-twitter-webhooks-signature: "
        . HashpayTest::sign('test-consumer-secret', $body)
        . "\r\nContent-Length: " . length($body) . "\r\n\r\n$body";

    local $/;
    my $resp = <$sock> // '';
    close $sock;

    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    my ($rbody) = $resp =~ m{\r\n\r\n(.*)\z}s;
    return ($status // 'none', $rbody // '');
}

# Many signed deliveries at once: one child process each, all sending at
# the same instant.  While they run, $o{sample} (if given) is called again
# and again.  $o{send} (default post) sends one item and returns (status,
# body).  Returns [status, body] per delivery, in order.
sub post_many {
    my ($bodies, %o) = @_;
    require File::Temp;
    require Time::HiRes;
    require POSIX;
    my $dir = File::Temp::tempdir('hashpay-post-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my $start = Time::HiRes::time() + 0.3;
    my %pids;

    for my $i (0 .. $#$bodies) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;

        if ($pid == 0) {
            my $wait = $start - Time::HiRes::time();
            Time::HiRes::sleep($wait) if $wait > 0;
            my ($status, $body) = eval { ($o{send} || \&post)
                                             ->($bodies->[$i]) };
            $status //= 'none';
            $body //= $@;
            if (open(my $fh, '>', "$dir/$i")) {
                print $fh "$status\n$body";
                close $fh;
            }
            POSIX::_exit(0);
        }

        $pids{$pid} = 1;
    }

    while (%pids) {
        $o{sample}->() if $o{sample};
        while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
            delete $pids{$pid};
        }
        Time::HiRes::sleep(0.002) unless $o{sample};
    }

    my @out;
    for my $i (0 .. $#$bodies) {
        my ($status, $body) = ('missing', '');
        if (open(my $fh, '<', "$dir/$i")) {
            local $/;
            ($status, $body) = split /\n/, <$fh>, 2;
            close $fh;
        }
        push @out, [ $status, $body ];
    }

    return @out;
}

# the purchase hash as a Perl hash
sub purchase_of {
    my ($id) = @_;
    my $flat = HashpayTest::redis_reply('HGETALL', "hashpay:purchase:$id")
               || [];
    return { @$flat };
}

# the code of a purchase (pur_1 by default)
sub code_of {
    my ($id) = @_;
    return purchase_of($id // 'pur_1')->{code};
}

# the events' raw data JSON texts, in order (to see numbers as numbers)
sub raw_events {
    my $entries = HashpayTest::redis_reply('XRANGE', 'hashpay:events',
                                           '-', '+') || [];
    return map { my %f = @{ $_->[1] }; $f{data} } @$entries;
}

# events as --- events expects them

sub intent_created {
    my ($tweet, %o) = @_;
    my $user = $o{user} // $ALICE;
    return ['intent.created', {
        purchase_id => $o{purchase_id} // qr/^pur_\d+$/,
        offer => $o{offer} // 'BuyGiftCard25', user_id => $user,
        screen_name => $names{$user} // "u$user", tweet_id => $tweet,
        confirm_tag => $o{confirm_tag} // $TAG_RE,
        expires_at => qr/^\d{13}$/,
        price_cents => $o{price_cents} // 2500,
        currency => $o{currency} // 'USD' }];
}

sub intent_rejected {
    my ($tweet, $reason, %o) = @_;
    my $user = $o{user} // $ALICE;
    my $ev = { offer => $o{offer} // 'BuyGiftCard25', user_id => $user,
               screen_name => $names{$user} // "u$user",
               tweet_id => $tweet, reason => $reason };
    $ev->{confirm_tag} = $o{confirm_tag} if exists $o{confirm_tag};
    return ['intent.rejected', $ev];
}

sub confirmed {
    my ($tweet, $confirm_tweet, %o) = @_;
    return ['purchase.confirmed', {
        purchase_id => $o{purchase_id} // 'pur_1',
        offer => $o{offer} // 'BuyGiftCard25',
        user_id => $o{user} // $ALICE,
        card_token => $o{card_token} // 'tok_3457',
        price_cents => $o{price_cents} // 2500,
        currency => $o{currency} // 'USD',
        tweet_id => $tweet, confirm_tweet_id => $confirm_tweet }];
}

sub confirm_rejected {
    my ($tweet, $tag, $reason, %o) = @_;
    return ['confirm.rejected', { user_id => $o{user} // $ALICE,
             tweet_id => $tweet, confirm_tag => $tag, reason => $reason }];
}

sub cancelled {
    my ($id, %o) = @_;
    return ['intent.cancelled', { purchase_id => $id,
             offer => $o{offer} // 'BuyGiftCard25',
             user_id => $o{user} // $ALICE, reason => 'unlinked' }];
}

1;
