# hashpay_redis_sentinel (issue 13, point 2): the primary is asked of the
# sentinels at every connection (the Redis documentation's "Sentinel client
# spec"), checked with ROLE, and a READONLY reply drops the connection.
#
# Real processes: a primary and a replica (redis-server), one sentinel
# (redis-sentinel, or redis-server --sentinel) that monitors them as "m"
# with a short down-after-milliseconds; and, for READONLY, a sentinel of
# this file's own that answers whatever address it is told to (a lying
# sentinel), in front of two more Redis servers.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use File::Temp ();
use HashpayTest qw(spawn_redis stop_redis background_post
                   background_result redis_reply wait_until whole_log);

our $Parent = $$;

# the pair that the real sentinel watches
our $P = spawn_redis();
our $R = spawn_redis();
redis_reply({ port => $R->{port} }, 'REPLICAOF', '127.0.0.1', $P->{port});
wait_until(sub { (redis_reply({ port => $R->{port} }, 'INFO', 'replication')
                  // '') =~ /master_link_status:up/ }, 10)
    or die "the replica did not sync";

our $Dead = HashpayTest::free_port();
our ($Sentinel, $SentinelPort) = spawn_sentinel($P->{port});

# the pair behind the lying sentinel
our $A = spawn_redis();
our $B = spawn_redis();
redis_reply({ port => $B->{port} }, 'REPLICAOF', '127.0.0.1', $A->{port});
wait_until(sub { (redis_reply({ port => $B->{port} }, 'INFO', 'replication')
                  // '') =~ /master_link_status:up/ }, 10)
    or die "the replica did not sync";

our $LieFile = "/tmp/hashpay-055-lie.$$";
write_lie($A->{port});
our ($LiarPid, $LiarPort) = liar();

$ENV{TEST_NGINX_SENTINEL_PORT} = $SentinelPort;
$ENV{TEST_NGINX_DEAD_PORT} = $Dead;
$ENV{TEST_NGINX_LIAR_PORT} = $LiarPort;

# connect_timeout=500ms, so that a failover is seen within the deadlines
# below; under valgrind (make test-valgrind) none, so that
# t/lib/HashpayTest.pm gives 30 s: a valgrind worker's first connect and
# handshake take about 2 s.  No block here tests a timeout: a dead node
# refuses the connect at once, a sentinel that does not know the master
# answers it.
$ENV{TEST_NGINX_TIMEOUTS_2S} = $ENV{TEST_NGINX_USE_VALGRIND}
    ? '' : 'connect_timeout=500ms timeout=2s';
$ENV{TEST_NGINX_TIMEOUTS_1S} = $ENV{TEST_NGINX_USE_VALGRIND}
    ? '' : 'connect_timeout=500ms timeout=1s';

END {
    local $?;

    if ($$ == $Parent) {
        if ($LiarPid) {
            kill 'TERM', $LiarPid;
            waitpid($LiarPid, 0);
        }

        if ($Sentinel) {
            eval { redis_reply({ port => $SentinelPort }, 'SHUTDOWN') };
        }

        for my $r ($P, $R, $A, $B) {
            eval { stop_redis($r) } if $r;
        }

        unlink $LieFile;
    }
}

sub spawn_sentinel {
    my ($master) = @_;
    my $dir = File::Temp::tempdir('hashpay-sentinel-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my $port = HashpayTest::free_port();

    open(my $fh, '>', "$dir/sentinel.conf") or die "$dir: $!";
    print $fh "port $port\nbind 127.0.0.1\ndaemonize yes\n"
        . "pidfile $dir/sentinel.pid\nlogfile $dir/sentinel.log\n"
        . "dir $dir\n"
        . "sentinel monitor m 127.0.0.1 $master 1\n"
        . "sentinel down-after-milliseconds m 1000\n"
        . "sentinel failover-timeout m 3000\n";
    close $fh;

    my @cmd = $ENV{REDIS_SENTINEL} ? ($ENV{REDIS_SENTINEL})
              : (grep { -x "$_/redis-sentinel" } split /:/, $ENV{PATH})
              ? ('redis-sentinel')
              : ('redis-server');
    push @cmd, "$dir/sentinel.conf";
    push @cmd, '--sentinel' if $cmd[0] eq 'redis-server';

    system(@cmd) == 0 or die "cannot start @cmd: $?";

    # it knows the master and its replica
    wait_until(sub {
        my $s = redis_reply({ port => $port }, 'SENTINEL', 'replicas', 'm');
        ref $s eq 'ARRAY' && @$s >= 1;
    }, 15) or die "the sentinel did not find the replica";

    return ({ port => $port, dir => $dir }, $port);
}

sub write_lie {
    my ($port) = @_;
    open(my $fh, '>', "$LieFile.tmp") or die "$LieFile: $!";
    print $fh $port;
    close $fh;
    rename "$LieFile.tmp", $LieFile;
}

# a sentinel that answers "SENTINEL get-master-addr-by-name m" with
# 127.0.0.1 and the port in $LieFile; (pid, port)
sub liar {
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Listen => 16,
                                       ReuseAddr => 1)
        or die "no socket: $!";
    my $lport = $listen->sockport;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid) {
        close $listen;
        return ($pid, $lport);
    }

    while (getppid() != 1) {
        my $sel = IO::Select->new($listen);
        next unless $sel->can_read(0.1);
        my $c = $listen->accept or next;

        while (1) {
            my $cmd = eval { HashpayTest::read_reply($c) };
            last unless ref $cmd eq 'ARRAY';

            if (uc $cmd->[0] eq 'SENTINEL' && $cmd->[2] eq 'm') {
                open(my $fh, '<', $LieFile);
                my $port = <$fh>;
                close $fh;
                print $c "*2\r\n\$9\r\n127.0.0.1\r\n\$" . length($port)
                    . "\r\n$port\r\n";

            } elsif (uc $cmd->[0] eq 'SENTINEL') {
                print $c "*-1\r\n";

            } else {
                print $c "+OK\r\n";
            }
        }

        close $c;
    }

    POSIX::_exit(0);
}

# a delivery of one tweet by alice with an unknown confirmation code: it
# acts (rejected unknown_code), so it is recorded in hashpay:tweet:<id>;
# each by a user of its own (the Redis servers here are not flushed
# between blocks, and unknown codes count towards too_many_attempts)
sub tweet {
    my ($id) = @_;
    my $user = '22' . substr($id, -8);
    return '{"for_user_id":"2244994945","tweet_create_events":['
        . '{"id_str":"' . $id . '","text":"#ConfirmK7Q2XD",'
        . '"user":{"id_str":"' . $user . '","screen_name":"alice"},'
        . '"entities":{"hashtags":[{"text":"ConfirmK7Q2XD"}]}}]}';
}

sub unknown {
    my ($id) = @_;
    return '{"results":[{"tweet_id":"' . $id
        . '","outcome":"rejected","reason":"unknown_code"}]}';
}

sub recorded {
    my ($r, $id) = @_;
    return redis_reply({ port => $r->{port} }, 'EXISTS',
                       "hashpay:tweet:$id");
}

# posts $id until it is answered 200 (at most $tries, 0.2 s apart); every
# status, in order
our $File = "/tmp/hashpay-055.$$";

sub post_until_200 {
    my ($id, $tries) = @_;
    my @st;

    for (1 .. $tries) {
        my $pid = background_post(tweet($id), $File);
        push @st, background_result($pid, $File);
        last if $st[-1] eq '200';
        Time::HiRes::sleep(0.2);
    }

    unlink $File;
    return @st;
}

sub role {
    my ($r) = @_;
    my $role = eval { redis_reply({ port => $r->{port} }, 'ROLE') };
    return ref $role eq 'ARRAY' ? $role->[0] : '';
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the first sentinel is dead: the next one gives the primary
The delivery acts on the primary (its tweet record is there), and the
sentinel that answered is asked first the next time (the module's
connection is killed, the next delivery reconnects).
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_DEAD_PORT 127.0.0.1:$TEST_NGINX_SENTINEL_PORT master=m $TEST_NGINX_TIMEOUTS_2S;
--- delivery eval
[ main::tweet('1500000000000000001') ]
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000001')
--- after_each eval
[ sub {
    Test::More::is(main::recorded($main::P, '1500000000000000001'), '1',
                   'the tweet record is on the primary');
    Test::More::ok(main::whole_log(
                       qr/sentinel 127\.0\.0\.1:$main::Dead: connect failed/),
                   'the dead sentinel is logged');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: sentinel 127\.0\.0\.1:$main::SentinelPort: the primary is 127\.0\.0\.1:$main::P->{port}$/m),
                   'the live one gave the primary');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: handshake: 127\.0\.0\.1:$main::P->{port} is the primary/),
                   'ROLE said master');

    # a new connection: the sentinel that answered is asked first now
    HashpayTest::redis_reply({ port => $main::P->{port} },
                             'CLIENT', 'KILL', 'TYPE', 'normal');
    my @st = main::post_until_200('1500000000000000011', 20);
    Test::More::is($st[-1], '200', "after a reconnection: 200 (@st)");
    Test::More::is(main::recorded($main::P, '1500000000000000011'), '1',
                   'on the primary');
    Test::More::is(main::whole_log(
                       qr/hashpay redis: asking sentinel 127\.0\.0\.1:$main::SentinelPort$/m),
                   2, 'the live sentinel was asked twice');
    Test::More::is(main::whole_log(
                       qr/hashpay redis: asking sentinel 127\.0\.0\.1:$main::Dead$/m),
                   1, 'the dead one only the first time');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 2: SENTINEL FAILOVER: deliveries act on the new primary
The sentinel promotes the replica and publishes +switch-master: the
module, subscribed, drops its connection to the old primary at once
(the sentinel turns the old primary into a replica only within its 10 s
INFO period; until then the old primary would take writes).  Deliveries are sent until one is answered 200: some may
be 503 during the switch, never 200 without the effect; the one answered
200 has its tweet record on the new primary.  The tweet of the first
delivery, on the old primary before the switch, is on the new one too
(replicated).
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_SENTINEL_PORT master=m $TEST_NGINX_TIMEOUTS_2S;
--- delivery eval
[ main::tweet('1500000000000000002') ]
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000002')
--- timeout: 60
--- after_each eval
[ sub {
    Test::More::is(main::recorded($main::P, '1500000000000000002'), '1',
                   'before: on the primary');
    Test::More::is(HashpayTest::redis_reply({ port => $main::SentinelPort },
                                            'SENTINEL', 'FAILOVER', 'm'),
                   'OK', 'SENTINEL FAILOVER');
    Test::More::ok(main::wait_until(sub {
        main::role($main::R) eq 'master'
        && HashpayTest::redis_reply({ port => $main::SentinelPort },
               'SENTINEL', 'get-master-addr-by-name', 'm')->[1]
           eq $main::R->{port} }, 15), 'the replica was promoted');

    # +switch-master: the module leaves the old primary at once, before
    # the sentinel turns it into a replica (within its 10 s INFO period)
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m": the sentinels switched master "m" to 127\.0\.0\.1:$main::R->{port}$/m, 20),
                   '+switch-master is logged');
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m": the primary moved \(\+switch-master\), closing the connection/),
                   'the connection to the old primary is dropped');

    my @st = main::post_until_200('1500000000000000003', 50);
    Test::More::is($st[-1], '200', "answered 200 in the end (@st)");
    Test::More::ok(!(grep { $_ ne '200' && $_ ne '503' } @st),
                   'only 503 before');
    Test::More::is(main::recorded($main::R, '1500000000000000003'), '1',
                   'its tweet record is on the new primary');

    Test::More::ok(main::wait_until(sub {
        main::role($main::P) eq 'slave' }, 25),
                   'the old primary is a replica now');
    Test::More::is(main::recorded($main::R, '1500000000000000002'), '1',
                   'and the one from before the switch');

    # again, now that the switch is over: at once
    @st = main::post_until_200('1500000000000000004', 1);
    Test::More::is("@st", '200', 'the next delivery: 200 at once');
    Test::More::is(main::recorded($main::R, '1500000000000000004'), '1',
                   'on the new primary');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 3: the primary dies: the sentinel promotes the replica
After TEST 2 the primary is R and P its replica.  R is shut down; the
sentinel sees it down after 1 s and promotes P.  Deliveries are sent
until one is answered 200 (503 meanwhile, never 200 without the effect);
it is on P.
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_SENTINEL_PORT master=m $TEST_NGINX_TIMEOUTS_2S;
--- delivery eval
[ main::tweet('1500000000000000008') ]
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000008')
--- timeout: 60
--- after_each eval
[ sub {
    Test::More::is(main::recorded($main::R, '1500000000000000008'), '1',
                   'before: on the primary (R)');
    # a full sync waits repl-diskless-sync-delay (5 s) first
    Test::More::ok(main::wait_until(sub {
        main::recorded($main::P, '1500000000000000008') eq '1' }, 20),
                   'replicated to P');
    HashpayTest::stop_redis($main::R);
    $main::R = undef;

    my @st = main::post_until_200('1500000000000000009', 150);
    Test::More::is($st[-1], '200', sprintf('answered 200 in the end '
                                           . '(%d tries)', scalar @st));
    Test::More::ok(!(grep { $_ ne '200' && $_ ne '503' } @st),
                   'only 503 before');
    Test::More::is(main::role($main::P), 'master', 'P is the primary');
    Test::More::is(main::recorded($main::P, '1500000000000000009'), '1',
                   'its tweet record is on the new primary');
    Test::More::is(main::recorded($main::P, '1500000000000000008'), '1',
                   'and the one from before');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 4: a master name that no sentinel knows: 503 and a clear log
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_SENTINEL_PORT master=nope $TEST_NGINX_TIMEOUTS_1S;
--- delivery eval
[ main::tweet('1500000000000000005') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- error_log eval
[ qr/sentinel 127\.0\.0\.1:\d+ does not know master "nope"/,
  qr/hashpay: redis "nope": no sentinel gave the address of master "nope"/ ]
--- no_error_log
[alert]
[crit]



=== TEST 5: READONLY: the primary is demoted under the connection
A sentinel of this file's own gives A.  The first delivery acts on A.
Then A is made a replica of B (B promoted by hand) while the module is
connected, and the sentinel still gives A: the delivery gets READONLY,
is answered 503 and wrote nothing; the module drops the connection, asks
the sentinel again, connects to A, and ROLE says it is a replica: it
drops it and asks again.  Once the sentinel gives B, the same delivery
again is answered 200 and acts on B.
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=m $TEST_NGINX_TIMEOUTS_2S;
--- delivery eval
[ main::tweet('1500000000000000006') ]
--- error_code: 200
--- response_body eval
main::unknown('1500000000000000006')
--- timeout: 30
--- after_each eval
[ sub {
    Test::More::is(main::recorded($main::A, '1500000000000000006'), '1',
                   'the first delivery acts on A');

    HashpayTest::redis_reply({ port => $main::B->{port} },
                             'REPLICAOF', 'NO', 'ONE');
    HashpayTest::redis_reply({ port => $main::A->{port} },
                             'REPLICAOF', '127.0.0.1', $main::B->{port});
    Test::More::is(main::role($main::A), 'slave', 'A is a replica');

    my @st = main::post_until_200('1500000000000000007', 1);
    Test::More::is("@st", '503', 'READONLY: 503');
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m" is not the primary any more \(READONLY\), closing the connection/),
                   'logged');
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m": 127\.0\.0\.1:$main::A->{port} is not the primary \(ROLE slave\), asking the sentinels again/),
                   'A again: ROLE says replica, dropped');
    Test::More::is(main::recorded($main::A, '1500000000000000007'), '0',
                   'nothing written on A');
    Test::More::is(main::recorded($main::B, '1500000000000000007'), '0',
                   'nor on B');

    main::write_lie($main::B->{port});

    @st = main::post_until_200('1500000000000000007', 50);
    Test::More::is($st[-1], '200', "redelivered: 200 in the end (@st)");
    Test::More::ok(!(grep { $_ ne '200' && $_ ne '503' } @st),
                   'only 503 before');
    Test::More::is(main::recorded($main::B, '1500000000000000007'), '1',
                   'it acted on B');
  } ]
--- no_error_log
[alert]
[crit]
