# The Redis client's own faults (issue 13, point 1), each on a Redis of
# this file's own, one worker process:
#
# - nothing but the handshake is sent before it has succeeded: with a
#   db= that Redis refuses, a delivery that arrives during the handshake
#   waits for it, is answered 503, and nothing is written anywhere;
# - one late reply fails its own request only: the request queued behind
#   it on the same connection is answered once Redis answers again; the
#   connection is dropped only when Redis stops answering altogether (no
#   reply for twice timeout=);
# - NOSCRIPT reloads the scripts once for the connection, and the
#   commands are sent again in order;
# - every connection and batch transition has a debug trace.
#
# The reconnection delays (jitter) are in t/054-redis-backoff.t.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use HashpayTest qw(spawn_redis stop_redis background_post
                   background_result redis_reply);
use HashpayFlow;

our $Parent = $$;

our $Refusing = spawn_redis();
our $Slow = spawn_redis();
our $Stalled = spawn_redis();
our $Flushed = spawn_redis();
our $Traced = spawn_redis();

our ($ProxyPid, $ProxyPort) = slow_proxy($Refusing->{port}, 1.0);

$ENV{TEST_NGINX_PROXY_PORT} = $ProxyPort;
$ENV{TEST_NGINX_SLOW_PORT} = $Slow->{port};
$ENV{TEST_NGINX_STALLED_PORT} = $Stalled->{port};
$ENV{TEST_NGINX_FLUSHED_PORT} = $Flushed->{port};
$ENV{TEST_NGINX_TRACED_PORT} = $Traced->{port};

# Under valgrind (make test-valgrind) a worker's first connect and
# handshake take about 2 s.  TEST 1 then has no timeouts of its own
# (t/lib/HashpayTest.pm gives 30 s; its 503 comes from SELECT, not from a
# timeout).  TEST 2 and 3 (a request that outlives timeout= while Redis
# is paused) run there on a schedule stretched $K times (5 under the
# memory checkers, 1 otherwise): timeout=, the pauses, the times between
# requests and the bounds on when an answer came, so that a worker that
# takes a second or two for a delivery keeps the same order of events.
# TEST 4 and 5 run as they are.
$ENV{TEST_NGINX_PROXY_TIMEOUTS} = $ENV{TEST_NGINX_USE_VALGRIND}
    ? '' : 'connect_timeout=5s timeout=3s';
# (timeout= is written out in an http_config eval: t/lib/HashpayTest.pm
# looks for "timeout=" in the text before $TEST_NGINX_* is expanded).
our $K = $ENV{TEST_NGINX_USE_VALGRIND} || $ENV{HASHPAY_TEST_SLOW} ? 5 : 1;

# the scripts the module loads: src/lua/*.lua but the _libraries
our $NSCRIPTS = grep { !m{/_[^/]*$} } glob 'src/lua/*.lua';

END {
    local $?;

    if ($$ == $Parent) {
        if ($ProxyPid) {
            kill 'TERM', $ProxyPid;
            waitpid($ProxyPid, 0);
        }

        for my $r ($Refusing, $Slow, $Stalled, $Flushed, $Traced) {
            stop_redis($r) if $r;
        }
    }
}

# A TCP relay to a Redis on $port, in a child process, that holds what
# Redis says during the first $delay seconds of each connection (what the
# client says goes through at once): a handshake that takes $delay, while
# the client may send more.  Returns (pid, port).
sub slow_proxy {
    my ($port, $delay) = @_;
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Listen => 16,
                                       ReuseAddr => 1)
        or die "no proxy socket: $!";
    my $lport = $listen->sockport;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid) {
        close $listen;
        return ($pid, $lport);
    }

    my $sel = IO::Select->new($listen);
    my %conn;       # fileno => { sock, peer, from_redis, since, held }

    while (getppid() != 1) {
        for my $s ($sel->can_read(0.01)) {
            if ($s == $listen) {
                my $c = $listen->accept or next;
                my $u = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                              PeerPort => $port,
                                              Proto => 'tcp');
                if (!$u) {
                    close $c;
                    next;
                }
                $conn{fileno $c} = { sock => $c, peer => $u };
                $conn{fileno $u} = { sock => $u, peer => $c, from_redis => 1,
                                     since => Time::HiRes::time(),
                                     held => '' };
                $sel->add($c, $u);
                next;
            }

            my $e = $conn{fileno $s} or next;
            my $n = sysread($s, my $buf, 65536);

            if (!$n) {
                for my $x ($e->{sock}, $e->{peer}) {
                    $sel->remove($x);
                    delete $conn{fileno $x};
                    close $x;
                }
                next;
            }

            if ($e->{from_redis}) {
                $e->{held} .= $buf;
            } else {
                syswrite($e->{peer}, $buf);
            }
        }

        my $now = Time::HiRes::time();

        for my $e (values %conn) {
            next unless $e->{from_redis} && length $e->{held}
                        && $now >= $e->{since} + $delay;
            syswrite($e->{peer}, $e->{held});
            $e->{held} = '';
        }
    }

    POSIX::_exit(0);
}

# a delivery of one tweet by alice with one hashtag (and, if given, the
# id of the post it edits)
sub tweet {
    my ($id, $tag, $edits) = @_;
    return '{"for_user_id":"2244994945","tweet_create_events":['
        . one($id, $tag, $edits) . ']}';
}

sub one {
    my ($id, $tag, $edits) = @_;
    return '{"id_str":"' . $id . '","text":"#' . $tag . '",'
        . (defined $edits
           ? '"edit_history":{"initial_tweet_id":"' . $edits . '"},' : '')
        . '"user":{"id_str":"2244994945","screen_name":"alice"},'
        . '"entities":{"hashtags":[{"text":"' . $tag . '"}]}}';
}

# a post and an edit of it in one delivery: the post acts, the edit is a
# duplicate of it, as long as they go to Redis in that order
sub post_and_edit {
    my ($id, $edit) = @_;
    return '{"for_user_id":"2244994945","tweet_create_events":['
        . one($id, 'ConfirmK7Q2XD') . ','
        . one($edit, 'ConfirmK7Q2XD', $id) . ']}';
}

sub post_and_edit_answer {
    my ($id, $edit) = @_;
    return '{"results":[{"tweet_id":"' . $id . '","outcome":"rejected",'
        . '"reason":"unknown_code"},{"tweet_id":"' . $edit
        . '","outcome":"duplicate"}]}';
}

# its answer when the hashtag is a confirmation code nobody minted
sub unknown {
    my ($id) = @_;
    return '{"results":[{"tweet_id":"' . $id
        . '","outcome":"rejected","reason":"unknown_code"}]}';
}

# the id of the module's connection to a Redis (the client that is not
# this one)
sub module_client {
    my ($r) = @_;
    my $list = redis_reply({ port => $r->{port} }, 'CLIENT', 'LIST');
    my @ids = map { /\bid=(\d+)/ ? $1 : () }
              grep { !/\bcmd=client\|list\b/ } split /\n/, $list;
    return CORE::join(',', @ids);
}

# the calls of one command in INFO commandstats (0: never called)
sub calls {
    my ($r, $name) = @_;
    my $stats = redis_reply({ port => $r->{port} }, 'INFO', 'commandstats');
    my ($n) = $stats =~ /^cmdstat_\Q$name\E:calls=(\d+)/m;
    return $n // 0;
}

# the positions in the log (since the block's requests began) of lines
# matching each pattern, in order: the first match of each after the
# previous one's (-1: missing)
sub in_order {
    my @pats = @_;
    my @lines = HashpayTest::log_lines(qr/^/);
    my ($at, @found) = (0);

    for my $p (@pats) {
        my $i = $at;
        $i++ while $i < @lines && $lines[$i] !~ $p;
        push @found, $i < @lines ? $i : -1;
        $at = $i < @lines ? $i + 1 : $at;
    }

    return @found;
}

our ($ChildA, $ChildB, $Client);
our $FileA = "/tmp/hashpay-053-a.$$";
our $FileB = "/tmp/hashpay-053-b.$$";

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a db= that Redis refuses: 503, and nothing is written anywhere
SELECT 99 fails (16 databases).  Redis answers through a relay that holds
its replies for 1 s after each connection opens, so the first delivery
arrives while the handshake runs: it waits for it, and is answered 503
when SELECT fails.  Nothing but AUTH and SELECT went to Redis: no script
ran in db 0, XGROUP CREATE ... MKSTREAM made no stream there.  A delivery
after the failure is 503 too.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PROXY_PORT db=99 $TEST_NGINX_PROXY_TIMEOUTS;
hashpay_events_group ops;
--- delivery eval
[ main::tweet('1500000000000000001', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000002', 'ConfirmK7Q2XD') ]
--- timeout: 6
--- error_code eval
[503, 503]
--- response_body eval
['{"error":"redis_unavailable"}', '{"error":"redis_unavailable"}']
--- response_headers eval
["Retry-After: 1", "Retry-After: 1"]
--- after_each eval
[ sub {
    Test::More::ok(HashpayTest::wait_log(
                       qr/: SELECT failed: ERR DB index is out of range/),
                   'the refused SELECT is logged');
    Test::More::ok(scalar HashpayTest::log_lines(
                       qr/hashpay redis: batch \S+: 1 commands wait for the handshake/),
                   'the delivery waited for the handshake');
    Test::More::ok(scalar HashpayTest::log_lines(
                       qr/hashpay redis: batch \S+: failed: connection failed/),
                   'and failed with it');
  },
  sub {
    my $r = { port => $main::Refusing->{port} };
    Test::More::is(HashpayTest::redis($r, 'EXISTS',
                                      'hashpay:tweet:1500000000000000001'),
                   '0', 'no tweet record in db 0');
    Test::More::is(HashpayTest::redis($r, 'EXISTS', 'hashpay:events'),
                   '0', 'no events stream in db 0');
    Test::More::unlike(HashpayTest::redis($r, 'INFO', 'keyspace'),
                       qr/^db\d+:/m, 'no key in any database');
    Test::More::is(main::calls($main::Refusing, 'evalsha'), 0,
                   'no script was run');
    Test::More::is(main::calls($main::Refusing, 'xgroup|create'), 0,
                   'no XGROUP CREATE was sent');
    Test::More::is(main::calls($main::Refusing, 'script|load'), 0,
                   'no SCRIPT LOAD was sent');
    Test::More::cmp_ok(main::calls($main::Refusing, 'select'), '>=', 1,
                       'SELECT was');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 2: one slow reply fails its own request, not the one behind it
Redis stops answering for 2.6 s (CLIENT PAUSE), timeout=2s.  Delivery A
is sent at once, B 1 s later, on the same worker and connection.  A is
answered 503 after 2 s; B, queued behind A, is answered 200 when Redis
answers again at 2.6 s; A's late reply is thrown away.  The connection is
kept (2.6 s without a reply is less than twice timeout=), and A's script
did run: redelivered, A would be a duplicate.  Every time here is $K
times longer under the memory checkers (see $K).
--- http_config eval
"hashpay_redis 127.0.0.1:$ENV{TEST_NGINX_SLOW_PORT} timeout="
. (2000 * $main::K) . "ms;"
--- delivery eval
[ main::tweet('1500000000000000001', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000004', 'ConfirmK7Q2XD') ]
--- timeout eval
8 * $main::K
--- after_each eval
[ sub {
    my $k = $main::K;
    my $r = { port => $main::Slow->{port} };
    $main::Client = main::module_client($main::Slow);
    HashpayTest::redis_reply($r, 'CLIENT', 'PAUSE', 2600 * $k, 'ALL');
    my $t0 = Time::HiRes::time();
    $main::ChildA = HashpayTest::background_post(
        main::tweet('1500000000000000002', 'ConfirmK7Q2XD'), $main::FileA);
    Time::HiRes::sleep(1.0 * $k);
    $main::ChildB = HashpayTest::background_post(
        main::tweet('1500000000000000003', 'ConfirmK7Q2XD'), $main::FileB);

    Test::More::is(HashpayTest::background_result($main::ChildA,
                                                  $main::FileA),
                   '503', 'A: 503 after its timeout');
    my $a_at = Time::HiRes::time() - $t0;
    Test::More::is(HashpayTest::background_result($main::ChildB,
                                                  $main::FileB),
                   '200', 'B, behind A on the connection: 200');
    my $b_at = Time::HiRes::time() - $t0;

    Test::More::cmp_ok($a_at, '<', 2.5 * $k,
                       sprintf('A waited timeout= (%.2f s)', $a_at));
    Test::More::cmp_ok($b_at, '>', 2.4 * $k,
                       sprintf('B was answered when Redis answered (%.2f s)',
                               $b_at));
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay redis: reply 0 of a batch that stopped waiting discarded$/m),
                   "A's reply was discarded");
    Test::More::is(scalar HashpayTest::log_lines(
                       'did not answer within ' . (2000 * $k) . ' ms'), 1,
                   'its timeout is logged');
  },
  sub {
    Test::More::like($main::Client, qr/^\d+$/, "the module's connection");
    Test::More::is(main::module_client($main::Slow), $main::Client,
                   'the same connection all along');
  } ]
--- error_code eval
[200, 200]
--- response_body eval
[ main::unknown('1500000000000000001'), main::unknown('1500000000000000004') ]
--- redis_after eval
[ [ [{ port => $main::Slow->{port} }, 'GET',
      'hashpay:tweet:1500000000000000002'], 'rejected:unknown_code' ],
  [ [{ port => $main::Slow->{port} }, 'GET',
      'hashpay:tweet:1500000000000000003'], 'rejected:unknown_code' ] ]
--- no_error_log
closing the connection
connection lost
[alert]
[crit]



=== TEST 3: Redis that stops answering altogether: the connection is dropped after twice timeout=
Redis paused for 3 s, timeout=500ms: the delivery is 503 after 500 ms;
with no reply for 1 s the connection is dropped, and the worker
reconnects by itself once Redis answers again.  Every time here is $K
times longer under the memory checkers (see $K).
--- http_config eval
"hashpay_redis 127.0.0.1:$ENV{TEST_NGINX_STALLED_PORT} timeout="
. (500 * $main::K) . "ms;"
--- delivery eval
[ main::tweet('1500000000000000001', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000002', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000003', 'ConfirmK7Q2XD') ]
--- timeout eval
5 * $main::K
--- after_each eval
[ sub {
    HashpayTest::redis_reply({ port => $main::Stalled->{port} },
                             'CLIENT', 'PAUSE', 3000 * $main::K, 'ALL');
  },
  sub {
    my $k = $main::K;
    my $t0 = Time::HiRes::time();
    Test::More::is(scalar HashpayTest::log_lines(
                       'did not answer within ' . (500 * $k) . ' ms'), 1,
                   'the timeout is logged');
    Test::More::ok(HashpayTest::wait_log(
        qr/no reply for ${\(1000 * $k)} ms with 1 commands outstanding, closing the connection/,
        2 * $k), 'the silent connection is dropped');
    Test::More::cmp_ok(Time::HiRes::time() - $t0, '<', 1 * $k,
                       'about twice timeout= after the command was sent');
    # the pause ends at 3 s; a reconnection delay is at most 2 s: polled
    # for up to 5 s (25 s under the memory checkers)
    my @at;
    my $until = Time::HiRes::time() + 5 * $k;
    while (1) {
        @at = main::in_order(qr/no reply for ${\(1000 * $k)} ms/,
                             qr/hashpay redis: preparing -> ready$/);
        last if $at[1] > 0 || Time::HiRes::time() > $until;
        Time::HiRes::sleep(0.1);
    }
    Test::More::cmp_ok($at[1], '>', 0, 'the worker reconnected by itself');
  } ]
--- error_code eval
[200, 503, 200]
--- response_body eval
[ main::unknown('1500000000000000001'), '{"error":"redis_unavailable"}',
  main::unknown('1500000000000000003') ]



=== TEST 4: SCRIPT FLUSH under load: the scripts are loaded once, the commands sent again in order
The scripts are flushed, Redis pauses 0.7 s, and four deliveries of two
posts each (a post and an edit of it) arrive meanwhile: the eight
EVALSHA are answered NOSCRIPT together.  The first NOSCRIPT loads every
script, once; each command is sent again once, in order (the edit is a
duplicate of its post, not the other way round).
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_FLUSHED_PORT timeout=3s;
--- delivery eval
main::tweet('1500000000000000001', 'ConfirmK7Q2XD')
--- timeout: 8
--- after_each eval
[ sub {
    my $r = { port => $main::Flushed->{port} };
    HashpayTest::redis_reply($r, 'SCRIPT', 'FLUSH');
    HashpayTest::redis_reply($r, 'CONFIG', 'RESETSTAT');
    HashpayTest::redis_reply($r, 'CLIENT', 'PAUSE', '700', 'ALL');

    my @ids = map { ['15000000000000001' . $_ . '0',
                     '15000000000000001' . $_ . '1'] } 1 .. 4;
    my @out = ::post_many([ map { main::post_and_edit(@$_) } @ids ]);

    for my $i (0 .. 3) {
        Test::More::is($out[$i][0], '200', "delivery $i: 200");
        Test::More::is($out[$i][1], main::post_and_edit_answer(@{ $ids[$i] }),
                       "delivery $i: the post acted, its edit is a duplicate");
    }

    Test::More::is(main::calls($main::Flushed, 'script|load'),
                   $main::NSCRIPTS,
                   "SCRIPT LOAD: each of the $main::NSCRIPTS scripts once");
    Test::More::is(main::calls($main::Flushed, 'evalsha'), 16,
                   'EVALSHA: the 8 commands, each sent again once');
    Test::More::is(scalar HashpayTest::log_lines(
                       'lost the scripts (NOSCRIPT), loading them again'),
                   1, 'one reload');
    Test::More::is(scalar HashpayTest::log_lines(
                       qr/hashpay redis: batch \S+: NOSCRIPT, command [01] sent again/),
                   8, 'every command sent again');
  } ]
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000001')
--- no_error_log
[error]



=== TEST 5: debug traces of every connection and batch transition
The connection is killed (CLIENT KILL): lost, reconnected after a
jittered delay through the handshake's steps; then a delivery's batch is
sent, answered and done.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_TRACED_PORT db=3;
--- delivery eval
[ main::tweet('1500000000000000001', 'ConfirmK7Q2XD'),
  main::tweet('1500000000000000002', 'ConfirmK7Q2XD') ]
--- after_each eval
[ sub {
    # the first connection may still be in its handshake: kill it once it
    # is ready, then wait for a second "ready", not the first one again
    my $ready = 'hashpay redis: preparing -> ready';
    HashpayTest::wait_log($ready, 10);
    my $n = () = HashpayTest::log_lines($ready);
    HashpayTest::redis_reply({ port => $main::Traced->{port} },
                             'CLIENT', 'KILL', 'TYPE', 'normal');
    my $until = Time::HiRes::time() + 10;
    my $m;
    do {
        Time::HiRes::sleep(0.05);
        $m = () = HashpayTest::log_lines($ready);
    } until $m > $n || Time::HiRes::time() > $until;
    Test::More::ok($m > $n, 'reconnected');
  },
  sub {
    my $port = $main::Traced->{port};
    my @at = main::in_order(
        qr/hashpay redis: ready -> disconnected$/,
        qr/hashpay redis: reconnecting in \d+ ms$/,
        qr/hashpay redis: connecting to 127\.0\.0\.1:$port$/,
        qr/hashpay redis: disconnected -> connecting$/,
        qr/hashpay redis: socket connected$/,
        qr/hashpay redis: handshake: SELECT done$/,
        qr/hashpay redis: connecting -> preparing$/,
        qr/hashpay redis: handshake: SCRIPT LOAD done$/,
        qr/hashpay redis: preparing -> ready$/,
        qr/hashpay redis: batch (\S+): 1 commands sent/,
        qr/hashpay redis: batch (\S+): reply 0, 0 pending/,
        qr/hashpay redis: batch (\S+): done/);
    Test::More::is_deeply([ map { $_ < 0 ? 'missing' : 'ok' } @at ],
                          [ ('ok') x 12 ], 'every trace, in order');
    Test::More::ok(scalar HashpayTest::log_lines(
                       qr/\[error\] .*hashpay: redis "[^"]+": connection lost/),
                   'the lost connection is logged');
  } ]
--- error_code eval
[200, 200]
--- response_body eval
[ main::unknown('1500000000000000001'), main::unknown('1500000000000000002') ]
