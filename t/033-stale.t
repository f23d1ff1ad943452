# Stale deliveries (SPEC section 10, "Tweets that do nothing"): an X
# signature carries no time, so a signed body captured today could be
# replayed once its record (hashpay_dedupe_ttl) expired and act again.  A
# post whose own time (timestamp_ms; a v2 post's created_at) is older than
# hashpay_dedupe_ttl less a margin (10 minutes or half the ttl, whichever
# is smaller), or more than 5 minutes ahead, on Redis's clock, is ignored
# with reason "stale": not recorded, no event, no attempt counted.  A post
# without a time is never stale.  A recorded post answers "duplicate"
# whatever its time (src/lua/tweet.lua: the duplicate check comes first).
#
# Times near a bound are taken from Redis's TIME right before the post is
# sent (after_each, ::post) and are 5 s inside or outside it; times far
# from every bound (days) are built with the blocks.  Offers, links and
# purchases are written straight into Redis (HashpayFlow); v2 posts are
# built with HashpayPost.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use HashpayTest;
use HashpayFlow;
use HashpayPost;

our $SEC = 1000;
our $MIN = 60 * $SEC;
our $HOUR = 60 * $MIN;
our $DAY = 24 * $HOUR;

# three days before and a day after the file started: stale under every
# ttl these blocks configure (48h at most)
our $OLD = $::NOW_MS - 3 * $DAY;
our $AHEAD = $::NOW_MS + $DAY;

our @SHAPES = qw(aaa aaa_num xaa stream);

# the webhook location with hashpay_dedupe_ttl $ttl (undef: the default)
# and more directives
sub conf {
    my ($ttl, $more) = @_;
    return "location = /webhooks/x {\n    hashpay_webhook;\n"
           . "    hashpay_consumer_secret test-consumer-secret;\n"
           . "    hashpay_operator_accounts 15234567;\n"
           . (defined $ttl ? "    hashpay_dedupe_ttl $ttl;\n" : '')
           . ($more // '') . "}\n\n"
           . "location = /metrics {\n    hashpay_metrics;\n}\n";
}

# Redis's clock, unix ms: what tweet.lua judges by
sub rnow {
    my $t = HashpayTest::redis_reply('TIME');
    return $t->[0] * 1000 + int($t->[1] / 1000);
}

# A delivery of one post with these hashtags, timed $ms (undef: no time;
# a string: written as it is), by alice or $o{user}, in a shape:
#   aaa      Account Activity, timestamp_ms a digit string
#   aaa_num  the same, timestamp_ms a JSON number
#   xaa      X Activity API {"data": event} of post.create, created_at
#   stream   Filtered Stream, created_at
sub body_at {
    my ($shape, $id, $ms, $tags, %o) = @_;
    my $user = $o{user} // $::ALICE;

    if ($shape =~ /^aaa/) {
        my $ts = !defined $ms ? undef
               : $shape eq 'aaa' || $ms !~ /^\d+$/ ? "$ms" : 0 + $ms;
        return '{"for_user_id":"' . $user . '","tweet_create_events":['
               . HashpayV2::encode(::tw(id => $id, user => $user,
                                        tags => $tags, ts => $ts))
               . ']}';
    }

    my $at = !defined $ms ? undef : $ms =~ /^\d+$/ ? ::iso($ms) : $ms;
    my $p = ::p2(id => $id, author => $user, tags => $tags, at => $at);
    return $shape eq 'xaa' ? ::xaa1(::xe('post.create', $p))
                           : ::stream($p);
}

# Posts sent one by one, each timed $offset ms from Redis's clock read
# right before it is sent (undef: no time), and their answers checked:
# [shape, id, offset, [tags], outcome, reason], ...
sub posts_at {
    my ($what, @posts) = @_;
    for my $p (@posts) {
        my ($shape, $id, $offset, $tags, $outcome, $reason) = @$p;
        my $ms = defined $offset ? ::rnow() + $offset : undef;
        my ($status, $body) = ::post(::body_at($shape, $id, $ms, $tags));
        my $off = defined $offset ? sprintf('%+.3f s', $offset / 1000)
                                  : 'no time';
        Test::More::is("$status $body",
                       '200 ' . ::results([$id, $outcome, $reason]),
                       "$what: $shape post $id at $off: $outcome"
                       . (defined $reason ? " $reason" : ''));
    }
}

# GET $uri now: (status, body)
sub get {
    my ($uri) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', Proto => 'tcp', Timeout => 5,
        PeerPort => Test::Nginx::Util::server_port_for_client())
        or die "cannot connect to nginx: $!";
    print $sock "GET $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n";
    local $/;
    my $resp = <$sock> // '';
    close $sock;
    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    my ($body) = $resp =~ m{\r\n\r\n(.*)\z}s;
    return ($status // 'none', $body // '');
}

# the tweet records, sorted (a Redis command), and as expected
our @RECORDS = ('EVAL', "local k = redis.call('KEYS', ARGV[1]) "
                        . "table.sort(k) return k", '0', 'hashpay:tweet:*');

sub records {
    return join("\n", map { "hashpay:tweet:$_" } sort @_);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: hashpay_dedupe_ttl 30m: the margin is 10 minutes, posts older than 20 minutes are stale
In every shape (timestamp_ms as a string and as a number, created_at of
an X Activity API post and of a Filtered Stream post): 20 minutes less
5 s acts (rejected not_linked, recorded, one event), 20 minutes and 5 s
is stale (not recorded, no event).  A post three days old is stale.
--- config eval: ::conf('30m')
--- delivery eval: ::body_at('aaa', '1000', $::OLD, ['BuyGiftCard25'])
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval: ::results(['1000', 'ignored', 'stale'])
--- after_each eval
[sub {
    my $n = 0;
    for my $shape (@::SHAPES) {
        $n += 10;
        ::posts_at('ttl 30m', [$shape, 1000 + $n + 1, -(20 * $::MIN - 5000),
                               ['BuyGiftCard25'], 'rejected', 'not_linked'],
                              [$shape, 1000 + $n + 2, -(20 * $::MIN + 5000),
                               ['BuyGiftCard25'], 'ignored', 'stale']);
    }
}]
--- events eval
[map { ::intent_rejected($_, 'not_linked') } qw(1011 1021 1031 1041)]
--- redis_after eval
[[[@::RECORDS], ::records(qw(1011 1021 1031 1041))],
 [['GET', 'hashpay:tweet:1011'], 'rejected:not_linked'],
 [['GET', 'hashpay:tweet:1041'], 'rejected:not_linked'],
 [['DBSIZE'], '8']]



=== TEST 2: hashpay_dedupe_ttl 10m: the margin is half the ttl, posts older than 5 minutes are stale
5 minutes less 5 s acts, 5 minutes and 5 s is stale, in every shape.
--- config eval: ::conf('10m')
--- delivery eval: ::body_at('xaa', '2000', $::OLD, ['BuyGiftCard25'])
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval: ::res(['2000', 'ignored', 'stale'])
--- after_each eval
[sub {
    my $n = 0;
    for my $shape (@::SHAPES) {
        $n += 10;
        ::posts_at('ttl 10m', [$shape, 2000 + $n + 1, -(5 * $::MIN - 5000),
                               ['BuyGiftCard25'], 'rejected', 'not_linked'],
                              [$shape, 2000 + $n + 2, -(5 * $::MIN + 5000),
                               ['BuyGiftCard25'], 'ignored', 'stale']);
    }
}]
--- events eval
[map { ::intent_rejected($_, 'not_linked') } qw(2011 2021 2031 2041)]
--- redis_after eval
[[[@::RECORDS], ::records(qw(2011 2021 2031 2041))],
 [['DBSIZE'], '8']]



=== TEST 3: the default hashpay_dedupe_ttl (48h): posts older than 47 h 50 min are stale; the AAA examples as dated (2013) are
47 h 50 min less 5 s acts, 47 h 50 min and 5 s is stale, in every
shape.  The example tweet_offer.json as it is (2013), and timestamp_ms 0,
are stale.
--- config eval: ::conf()
--- delivery eval
[HashpayTest::example_file('tweet_offer.json'),
 ::body_at('aaa', '3000', '0', ['BuyGiftCard25']),
 ::body_at('aaa_num', '3001', 0, ['BuyGiftCard25'])]
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval
[::results(['1301234567890123457', 'ignored', 'stale']),
 ::results(['3000', 'ignored', 'stale']),
 ::results(['3001', 'ignored', 'stale'])]
--- after_each eval
[undef, undef, sub {
    my $n = 0;
    my $window = 48 * $::HOUR - 10 * $::MIN;
    for my $shape (@::SHAPES) {
        $n += 10;
        ::posts_at('ttl 48h', [$shape, 3000 + $n + 1, -($window - 5000),
                               ['BuyGiftCard25'], 'rejected', 'not_linked'],
                              [$shape, 3000 + $n + 2, -($window + 5000),
                               ['BuyGiftCard25'], 'ignored', 'stale']);
    }
}]
--- events eval
[map { ::intent_rejected($_, 'not_linked') } qw(3011 3021 3031 3041)]
--- redis_after eval
[[[@::RECORDS], ::records(qw(3011 3021 3031 3041))],
 [['DBSIZE'], '8']]



=== TEST 4: more than 5 minutes ahead is stale, whatever the ttl
4 minutes ahead and 5 minutes less 5 s ahead act, 5 minutes and 5 s ahead
is stale, in every shape; a day ahead, and the largest timestamp_ms
hashpay reads, are stale.
--- config eval: ::conf()
--- delivery eval
[::body_at('aaa', '4000', $::AHEAD, ['BuyGiftCard25']),
 ::body_at('stream', '4001', $::AHEAD, ['BuyGiftCard25']),
 ::body_at('aaa', '4002', '9223372036854775807', ['BuyGiftCard25'])]
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval
[::results(['4000', 'ignored', 'stale']), ::res(['4001', 'ignored', 'stale']),
 ::results(['4002', 'ignored', 'stale'])]
--- after_each eval
[undef, undef, sub {
    my $n = 0;
    for my $shape (@::SHAPES) {
        $n += 10;
        ::posts_at('future', [$shape, 4000 + $n + 1, 4 * $::MIN,
                              ['BuyGiftCard25'], 'rejected', 'not_linked'],
                             [$shape, 4000 + $n + 2, 5 * $::MIN - 5000,
                              ['BuyGiftCard25'], 'rejected', 'not_linked'],
                             [$shape, 4000 + $n + 3, 5 * $::MIN + 5000,
                              ['BuyGiftCard25'], 'ignored', 'stale']);
    }
}]
--- events eval
[map { ::intent_rejected($_, 'not_linked') }
     qw(4011 4012 4021 4022 4031 4032 4041 4042)]
--- redis_after eval
[[[@::RECORDS], ::records(qw(4011 4012 4021 4022 4031 4032 4041 4042))],
 [['DBSIZE'], '12']]



=== TEST 5: a post without a time is never stale, even with hashpay_dedupe_ttl 1s
No timestamp_ms; no created_at; created_at null: each acts (Redis's
clock is its time), in every shape.
--- config eval: ::conf('1s')
--- delivery eval
[(map { ::body_at($::SHAPES[$_], 5001 + $_, undef, ['BuyGiftCard25']) }
      0 .. 3),
 ::xaa1(::xe('post.create', ::p2(id => '5005', tags => ['BuyGiftCard25'],
                                 at => $::NULL))),
 ::stream(::p2(id => '5006', tags => ['BuyGiftCard25'], at => $::NULL))]
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval
[::results(['5001', 'rejected', 'not_linked']),
 ::results(['5002', 'rejected', 'not_linked']),
 ::res(['5003', 'rejected', 'not_linked']),
 ::res(['5004', 'rejected', 'not_linked']),
 ::res(['5005', 'rejected', 'not_linked']),
 ::res(['5006', 'rejected', 'not_linked'])]
--- after_each eval
[undef, undef, undef, undef, undef, sub {
    # read at once: the records live 1 s
    Test::More::is(HashpayTest::redis('GET', 'hashpay:tweet:5006'),
                   'rejected:not_linked', 'the last post is recorded');
    Test::More::like(HashpayTest::redis('PTTL', 'hashpay:tweet:5006'),
                     qr/^\d{1,4}$/, 'for at most hashpay_dedupe_ttl (1 s)');
}]
--- events eval
[map { ::intent_rejected($_, 'not_linked') } 5001 .. 5006]
--- redis_after eval
[[['KEYS', 'hashpay:purchase*'], ''],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0']]



=== TEST 6: a stale post changes nothing: not recorded (stale again), no event, DBSIZE 0
A stale post that names no offer is stale (the time is judged before the
offers), twice, in two shapes.  Nothing is written, not even the events
stream.
--- config eval: ::conf()
--- delivery eval
[::body_at('aaa', '6001', $::OLD, ['BuyGiftCard25']),
 ::body_at('aaa', '6001', $::OLD, ['BuyGiftCard25']),
 ::body_at('xaa', '6002', $::AHEAD, ['BuyGiftCard25']),
 ::body_at('xaa', '6002', $::AHEAD, ['BuyGiftCard25'])]
--- response_body eval
[(::results(['6001', 'ignored', 'stale'])) x 2,
 (::res(['6002', 'ignored', 'stale'])) x 2]
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 7: a stale post with an offer or a code does nothing, and counts no failed confirmation
Alice is linked and has a pending purchase (code 7KQ2XD).  Stale: her
offer post (twice), her confirmation with the right code, six
confirmations with unknown codes (more than the 5 of the lockout).  Then
a fresh confirmation with the right code confirms: no attempt was
counted, the purchase was still pending.
--- config eval: ::conf()
--- delivery eval
[::body_at('aaa', '7001', $::OLD, ['BuyGiftCard25']),
 ::body_at('stream', '7001', $::OLD, ['BuyGiftCard25']),
 ::body_at('xaa', '7002', $::OLD, ['Confirm7KQ2XD']),
 (map { ::body_at('aaa', 7010 + $_, $::OLD, ["Confirm${_}ABCDE"]) } 2 .. 7),
 ::body_at('aaa', '7020', $::TWEET_MS, ['Confirm7KQ2XD'])]
--- redis_init eval
::offer('BuyGiftCard25', per_user_limit => 2) . ::linked($::ALICE)
. ::purchase(id => 'pur_1', code => '7KQ2XD')
--- response_body eval
[::results(['7001', 'ignored', 'stale']), ::res(['7001', 'ignored', 'stale']),
 ::res(['7002', 'ignored', 'stale']),
 (map { ::results([7010 + $_, 'ignored', 'stale']) } 2 .. 7),
 ::results(['7020', 'confirmed'])]
--- events eval
[::confirmed('9001', '7020')]
--- redis_after eval
[[['EXISTS', "hashpay:attempts:$::ALICE"], '0'],
 [[@::RECORDS], ::records('7020')],
 [['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id'],
  "confirmed\n7020"],
 [['GET', 'hashpay:purchase_seq'], ''],
 [['KEYS', 'hashpay:purchase:*'], 'hashpay:purchase:pur_1'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0']]



=== TEST 8: a recorded post answers duplicate whatever its time
The post acts (not_linked, recorded); delivered again with a time three
days old, a day ahead, and in another shape: duplicate each time, one
event.  The duplicate check comes before the time (src/lua/tweet.lua): a
post that is recorded acted once, and says so.
--- config eval: ::conf()
--- delivery eval
[::body_at('aaa', '8001', $::TWEET_MS, ['BuyGiftCard25']),
 ::body_at('aaa', '8001', $::OLD, ['BuyGiftCard25']),
 ::body_at('aaa_num', '8001', $::AHEAD, ['BuyGiftCard25']),
 ::body_at('xaa', '8001', $::OLD, ['BuyGiftCard25'])]
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval
[::results(['8001', 'rejected', 'not_linked']),
 ::results(['8001', 'duplicate']), ::results(['8001', 'duplicate']),
 ::res(['8001', 'duplicate'])]
--- events eval
[::intent_rejected('8001', 'not_linked')]
--- redis_after eval
[[[@::RECORDS], ::records('8001')],
 [['DBSIZE'], '5']]



=== TEST 9: the life of one body with hashpay_dedupe_ttl 4s: acts, duplicate while recorded, then stale
The margin is 2 s: the post acts half a second after its time (an
intent); 2.5 s later it would be stale but is recorded: duplicate;
5 s after it acted the record has expired: stale.  The same body every
time; one purchase.
--- config eval: ::conf('4s')
--- request
GET /metrics
--- error_code: 200
--- redis_init eval
::offer('BuyGiftCard25', per_user_limit => 2) . ::linked($::ALICE)
--- after_each eval
[sub {
    my $body = ::body_at('xaa', '9001', ::rnow() - 500, ['BuyGiftCard25']);
    my @r = ::post($body);
    Test::More::is("@r", '200 ' . ::res(['9001', 'intent_created']),
                   'acts');
    Time::HiRes::sleep(2.5);
    @r = ::post($body);
    Test::More::is("@r", '200 ' . ::res(['9001', 'duplicate']),
                   '2.5 s later: recorded, duplicate');
    Time::HiRes::sleep(2.5);
    Test::More::is(HashpayTest::redis('EXISTS', 'hashpay:tweet:9001'), '0',
                   '5 s later the record has expired');
    @r = ::post($body);
    Test::More::is("@r", '200 ' . ::res(['9001', 'ignored', 'stale']),
                   '5 s later: stale');
}]
--- events eval
[::intent_created('9001', purchase_id => 'pur_1')]
--- redis_after eval
[[['GET', 'hashpay:purchase_seq'], '1'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '1'],
 [[@::RECORDS], '']]
--- timeout: 15



=== TEST 10: replay after the record expired: a purchase and its confirmation replayed do nothing
hashpay_dedupe_ttl 30m (20 minutes of window).  Alice's offer post, 20
minutes less 2 s old, creates an intent; her confirmation confirms it.
3 s later both bodies are replayed as they were, their records deleted
(the expiry of hashpay_dedupe_ttl, brought forward): both stale.  Her
limit is 2: without the rule the replayed offer post would buy again.
--- config eval: ::conf('30m')
--- request
GET /metrics
--- error_code: 200
--- redis_init eval
::offer('BuyGiftCard25', per_user_limit => 2) . ::linked($::ALICE)
--- after_each eval
[sub {
    my $offer = ::body_at('aaa', '10001', ::rnow() - (20 * $::MIN - 2000),
                          ['BuyGiftCard25']);
    my @r = ::post($offer);
    Test::More::is("@r", '200 ' . ::results(['10001', 'intent_created']),
                   'the offer post acts');
    my $code = ::code_of('pur_1');
    my $confirm = ::body_at('aaa', '10002', ::rnow() - (20 * $::MIN - 2000),
                            ["Confirm$code"]);
    @r = ::post($confirm);
    Test::More::is("@r", '200 ' . ::results(['10002', 'confirmed']),
                   'the confirmation confirms');
    Time::HiRes::sleep(3);
    HashpayTest::redis('DEL', 'hashpay:tweet:10001', 'hashpay:tweet:10002');
    @r = ::post($offer);
    Test::More::is("@r", '200 ' . ::results(['10001', 'ignored', 'stale']),
                   'the offer post replayed: stale');
    @r = ::post($confirm);
    Test::More::is("@r", '200 ' . ::results(['10002', 'ignored', 'stale']),
                   'the confirmation replayed: stale');
}]
--- events eval
[::intent_created('10001', purchase_id => 'pur_1'),
 ::confirmed('10001', '10002')]
--- redis_after eval
[[['GET', 'hashpay:purchase_seq'], '1'],
 [['KEYS', 'hashpay:purchase:*'], 'hashpay:purchase:pur_1'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'confirmed'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['GET', "hashpay:bought:buygiftcard25:$::ALICE"], '1'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0'],
 [['KEYS', 'hashpay:pending:*'], ''],
 [[@::RECORDS], '']]
--- timeout: 15



=== TEST 11: a stale post among others: the others act, in order
An Account Activity body and an X Activity API array, each with a stale
post between two that act.  A stale post without a hashtag is
no_hashtag: the reasons the module decides before Redis come first.
--- config eval: ::conf()
--- delivery eval
my $t = HashpayV2::encode(::tw(id => '11002', tags => ['BuyGiftCard25'],
                               ts => "$::OLD"));
my $h = HashpayV2::encode(::tw(id => '11004', tags => [], ts => "$::OLD"));
[::dl(::tw(id => '11001', tags => ['BuyGiftCard25']), $t,
      ::tw(id => '11003', tags => ['BuyGiftCard25']), $h),
 ::xaa(::xp(id => '11011', tags => ['BuyGiftCard25']),
       ::xp(id => '11012', tags => ['BuyGiftCard25'], at => ::iso($::AHEAD)),
       ::xp(id => '11013', tags => ['BuyGiftCard25']))]
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval
[::results(['11001', 'rejected', 'not_linked'], ['11002', 'ignored', 'stale'],
           ['11003', 'rejected', 'not_linked'],
           ['11004', 'ignored', 'no_hashtag']),
 ::res(['11011', 'rejected', 'not_linked'], ['11012', 'ignored', 'stale'],
       ['11013', 'rejected', 'not_linked'])]
--- events eval
[map { ::intent_rejected($_, 'not_linked') } qw(11001 11003 11011 11013)]
--- redis_after eval
[[[@::RECORDS], ::records(qw(11001 11003 11011 11013))]]



=== TEST 12: $hashpay_outcome and the metrics count a stale post as ignored
--- http_config eval
"hashpay_redis 127.0.0.1:" . HashpayTest::redis_port() . ";\n"
. "log_format hashpay 'hp \$request_method \$status outcome=\$hashpay_outcome';\n"
--- config eval: ::conf(undef, "    access_log logs/access.log hashpay;\n")
--- delivery eval: ::body_at('aaa', '12001', $::OLD, ['BuyGiftCard25'])
--- redis_init eval: ::offer('BuyGiftCard25')
--- response_body eval: ::results(['12001', 'ignored', 'stale'])
--- after_each eval
[sub {
    my ($status, $text) = ::get('/metrics');
    Test::More::is($status, '200', 'metrics: 200');
    Test::More::like($text, qr/^hashpay_outcomes_total\{outcome="ignored"\} 1$/m,
                     'metrics: one ignored outcome');
    Test::More::unlike($text, qr/^hashpay_outcomes_total\{outcome="(?!ignored)\w+"\} [1-9]/m,
                       'metrics: no other outcome');
}]
--- access_log
hp POST 200 outcome=ignored
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '2']]
