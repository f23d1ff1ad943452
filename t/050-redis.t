# Redis misbehaving: nowhere to be found, accepting and never answering,
# stalled, stopped and started again, losing its scripts; and the ways of
# reaching it (db=, password=, unix:).  Every waiting request is answered
# 503 {"error":"redis_unavailable"} with Retry-After: 1, never hung; the
# worker keeps serving other locations meanwhile and reconnects by itself.
# The client's own faults (the handshake, one late reply, NOSCRIPT under
# load, debug traces) are in t/053-redis-faults.t, reconnection jitter in
# t/054-redis-backoff.t.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use HashpayTest qw(spawn_redis stop_redis blackhole background_post
                   background_result redis_reply sign wait_until whole_log);

our $Own = spawn_redis();
our $Auth = spawn_redis(password => 'Pw-0f-the-test', unix => 1);

$ENV{TEST_NGINX_OWN_REDIS_PORT} = $Own->{port};
$ENV{TEST_NGINX_AUTH_REDIS_SOCK} = $Auth->{path};
$ENV{TEST_NGINX_BLACKHOLE_PORT} = blackhole();
$ENV{TEST_NGINX_DEAD_PORT} = HashpayTest::free_port();

# TEST 7's timeouts: short, so that the test is quick; under valgrind
# (make test-valgrind) none, so that t/lib/HashpayTest.pm gives 30 s
# (a valgrind worker's first connect and handshake take about 2 s).  The
# 503 there comes from a refused connect, not from a timeout.
$ENV{TEST_NGINX_OWN_TIMEOUTS} = $ENV{TEST_NGINX_USE_VALGRIND}
    ? '' : 'connect_timeout=200ms timeout=500ms';

END {
    stop_redis($Own) if $Own;
    stop_redis($Auth) if $Auth;
}

# a delivery of one tweet by alice with one hashtag
sub tweet {
    my ($id, $tag) = @_;
    return '{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"'
        . $id . '","text":"#' . $tag . '","user":{"id_str":"2244994945",'
        . '"screen_name":"alice"},"entities":{"hashtags":[{"text":"'
        . $tag . '"}]}}]}';
}

# its answer when the hashtag is a confirmation code nobody minted
sub unknown {
    my ($id) = @_;
    return '{"results":[{"tweet_id":"' . $id
        . '","outcome":"rejected","reason":"unknown_code"}]}';
}

our ($PingAt, $ChildPid);

# the index of the first line since the block began that matches each
# pattern, -1 where none does
sub in_order {
    my @pats = @_;
    my @lines = HashpayTest::log_lines(qr/./);
    my @at;

    for my $p (@pats) {
        my $i = 0;
        $i++ while $i < @lines
                   && !(ref $p ? $lines[$i] =~ $p
                               : index($lines[$i], $p) >= 0);
        push @at, $i < @lines ? $i : -1;
    }

    return @at;
}
our $ChildFile = "/tmp/hashpay-050-child.$$";

no_shuffle();
run_tests();

__DATA__

=== TEST 1: nothing listens at the address: 503 with Retry-After
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- error_code: 503
--- response_headers
Retry-After: 1
Content-Type: application/json
--- response_body chomp
{"error":"redis_unavailable"}
--- error_log
connect failed
hashpay: webhook answered 503



=== TEST 2: while Redis is down, CRC still answers and signatures still count
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- request eval
["GET /webhooks/x?crc_token=challenge_string",
 "POST /webhooks/x\n{}"]
--- more_headers eval
["", "x-twitter-webhooks-signature: " . HashpayTest::sign('wrong', '{}')]
--- error_code eval
[200, 401]
--- response_body eval
['{"response_token":"sha256=wbxoN8scmhw5dqzftzpj6g3uAnVpSktqxDDUHYNfIqA="}',
 '{"error":"bad_signature"}']



=== TEST 3: a Redis that accepts the connection and never answers: 503
The request waits for the handshake `timeout`, no longer (the connection
is dropped at connect_timeout, later).
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT connect_timeout=5s timeout=300ms;
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- timeout: 3
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}
--- error_log
did not answer within 300 ms



=== TEST 4: a handshake that never completes: 503 after connect_timeout
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT connect_timeout=300ms timeout=10s;
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- timeout: 3
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- error_log
connect timed out



=== TEST 5: the worker is not blocked while Redis is stalled
With one worker process, Redis paused for 2 s and timeout=1s, a webhook
waits on Redis in the background; /ping on the same server answers before
that webhook does (which then gets 503 after its timeout).
--- http_config
hashpay_redis $TEST_NGINX_REDIS_HOST:$TEST_NGINX_REDIS_PORT timeout=1s;
--- init
HashpayTest::redis_reply('CLIENT', 'PAUSE', '2000', 'ALL');
$main::ChildPid = HashpayTest::background_post(
    main::tweet('1500000000000000001', 'ConfirmK7Q2XD'), $main::ChildFile);
Time::HiRes::sleep(0.3);
--- request
GET /ping
--- timeout: 1
--- error_code: 204
--- after_each eval
[ sub {
    my $ping_at = Time::HiRes::time();
    my $status = HashpayTest::background_result($main::ChildPid,
                                                $main::ChildFile);
    my $webhook_at = Time::HiRes::time();
    Test::More::is($status, '503', 'stalled webhook: 503 after timeout');
    Test::More::cmp_ok($webhook_at - $ping_at, '>', 0.3,
                       'ping was answered while the webhook still waited');
    HashpayTest::redis_reply('CLIENT', 'UNPAUSE');
} ]
--- error_log
did not answer within 1000 ms



=== TEST 6: a client that goes away while Redis works is let go
The request is terminated (499) when the client hangs up; the reply that
arrives later touches nothing of it, the script's effect still lands, and
the worker goes on serving.  Redis is paused (CLIENT PAUSE) with the
module's connection up; the client hangs up once the error log shows its
commands were sent, and the pause (1.5 s; 15 s under the memory checkers,
where a worker handles a first delivery in seconds) outlasts that.  No
clock is asserted: the log shows the order (the client left, then the
late reply was discarded).
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT timeout=30s;
--- init
my $slow = $ENV{TEST_NGINX_USE_VALGRIND} || $ENV{HASHPAY_TEST_SLOW};
# the module's connection is up (whole log: it connects at start), so
# that the pause holds the delivery's commands, not the handshake
main::wait_until(sub { main::whole_log(qr/: connected$/m) }, 60)
    or die "the module did not connect";
HashpayTest::redis_reply('CLIENT', 'PAUSE', $slow ? '15000' : '1500',
                         'ALL');
$main::ChildPid = HashpayTest::background_post(
    main::tweet('1500000000000000001', 'ConfirmK7Q2XD'), $main::ChildFile,
    close_when => sub {
        HashpayTest::log_lines(qr/hashpay redis: batch \S+: \d+ commands sent$/m)
    });
--- request eval
["GET /ping", "GET /ping"]
--- error_code eval
[204, 204]
--- after_each eval
[ sub {
    Test::More::is(HashpayTest::background_result($main::ChildPid,
                                                  $main::ChildFile),
                   'closed', 'client hung up before any answer');
    Test::More::ok(HashpayTest::log_lines(
                       qr/hashpay redis: batch \S+: \d+ commands sent$/m),
                   'after its commands were sent to Redis');
    Test::More::ok(HashpayTest::wait_log(
                       'client prematurely closed connection'),
                   'the request was terminated when its client left');
    # the pause ends: Redis answers the abandoned request
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay redis: reply \d+ of a batch that stopped waiting discarded$/m,
                       60),
                   'its late reply was discarded');
    my @at = main::in_order('client prematurely closed connection',
                            qr/of a batch that stopped waiting discarded$/m);
    Test::More::ok($at[0] >= 0 && $at[1] > $at[0],
                   'after the client left');
} ]
--- redis_after eval
[ [ ['GET', 'hashpay:tweet:1500000000000000001'], 'rejected:unknown_code' ] ]
--- no_error_log
[alert]
[crit]
exited on signal



=== TEST 7: Redis stopped and started again: 503, then recovery, no reload
Under valgrind (make test-valgrind) with 30 s timeouts: see
TEST_NGINX_OWN_TIMEOUTS.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_OWN_REDIS_PORT $TEST_NGINX_OWN_TIMEOUTS;
--- delivery eval
[ main::tweet('1500000000000000001', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000002', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000002', 'ConfirmK7Q2XD') ]
--- after_each eval
[ sub { HashpayTest::stop_redis($main::Own) },
  sub {
    Test::More::ok(scalar HashpayTest::log_lines('connection lost'),
                   'the lost connection is logged');
    my $before = () = HashpayTest::log_lines(': connected');
    $main::Own = HashpayTest::spawn_redis(port => $main::Own->{port});
    # the reconnection backoff is at most 2 s
    Time::HiRes::sleep(2.5);
    my $after = () = HashpayTest::log_lines(': connected');
    Test::More::cmp_ok($after, '>', $before,
                       'the worker reconnected by itself');
  } ]
--- error_code eval
[200, 503, 200]
--- response_body eval
[ main::unknown('1500000000000000001'), '{"error":"redis_unavailable"}',
  main::unknown('1500000000000000002') ]



=== TEST 8: Redis forgot the scripts (SCRIPT FLUSH): loaded again, no error
--- delivery eval
[ main::tweet('1500000000000000001', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000002', 'ConfirmK7Q2XD') ]
--- after_each eval
[ sub { HashpayTest::redis_reply('SCRIPT', 'FLUSH') },
  sub { Test::More::ok(scalar HashpayTest::log_lines(
                           'lost the scripts (NOSCRIPT), loading them again'),
                       'NOSCRIPT: the scripts are loaded again') } ]
--- error_code eval
[200, 200]
--- response_body eval
[ main::unknown('1500000000000000001'), main::unknown('1500000000000000002') ]



=== TEST 9: db= selects the database
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT db=5;
--- init
HashpayTest::redis_reply({ db => 5 }, 'FLUSHDB');
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000001')
--- redis_after eval
[ [ [{ db => 5 }, 'GET', 'hashpay:tweet:1500000000000000001'],
    'rejected:unknown_code' ],
  [ ['EXISTS', 'hashpay:tweet:1500000000000000001'], '0' ] ]



=== TEST 10: unix: socket with password= and db=; the password is not logged
--- http_config eval
"hashpay_redis unix:$main::Auth->{path} password=Pw-0f-the-test db=2;"
--- init
HashpayTest::redis_reply({ path => $main::Auth->{path},
                           password => 'Pw-0f-the-test', db => 2 },
                         'FLUSHDB');
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000001')
--- redis_after eval
[ [ [{ path => $main::Auth->{path}, password => 'Pw-0f-the-test', db => 2 },
     'GET', 'hashpay:tweet:1500000000000000001'],
    'rejected:unknown_code' ] ]
--- no_error_log
Pw-0f-the-test



=== TEST 11: a wrong password: 503, a clear log line, the password unsaid
--- http_config eval
"hashpay_redis unix:$main::Auth->{path} password=Wr0ng-pw-value;"
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- error_log
AUTH failed
--- no_error_log
Wr0ng-pw-value



=== TEST 12: a unix socket that does not exist: 503
--- http_config
hashpay_redis unix:/nonexistent/hashpay-redis.sock;
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- error_log
connect failed
