# Sentinels that answer host names (issue 13, point 2): "sentinel
# resolve-hostnames yes" + "announce-hostnames yes" make a sentinel answer
# SENTINEL get-master-addr-by-name with the name the primary was
# monitored by.  The module looks such a name up on nginx's resolver (the
# "resolver" directive of the http block), never with a blocking call,
# then connects to the address found.
#
# Real processes: a primary (redis-server) and a sentinel (redis-sentinel)
# that monitors it as "localhost" (the one name the sentinel itself can
# resolve here, from /etc/hosts); a sentinel of this file's own that
# answers a host name of %Lie for each master name (a lying sentinel);
# and a DNS server of this file's own (t/lib/HashpayDns.pm) that knows
# localhost and primary.hashpay.test (127.0.0.1), never answers for
# silent.hashpay.test, and says NXDOMAIN for any other name; it counts
# the queries, so that the tests see it was asked.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use File::Temp ();
use HashpayTest qw(spawn_redis stop_redis redis_reply wait_until
                   whole_log);
use HashpayDns qw(spawn_dns queries);

our $Parent = $$;

# where switch() leaves a +switch-master message for the lying sentinel
our $SwitchFile = "/tmp/hashpay-058-switch.$$";

# what the lying sentinel answers for each master name
our %Lie = ('m' => 'primary.hashpay.test',
            'nowhere' => 'nowhere.hashpay.test',
            'silent' => 'silent.hashpay.test',
            'garbage' => 'primary.hashpay.test;rm');

our $P = spawn_redis();
our ($Sentinel, $SentinelPort) = spawn_sentinel($P->{port});

our ($LiarPid, $LiarPort) = liar();
our $DnsPort = spawn_dns(known => [ 'localhost', 'primary.hashpay.test' ],
                         silent => [ 'silent.hashpay.test' ]);

$ENV{TEST_NGINX_SENTINEL_PORT} = $SentinelPort;
$ENV{TEST_NGINX_LIAR_PORT} = $LiarPort;
$ENV{TEST_NGINX_DNS_PORT} = $DnsPort;

# Under the memory checkers (make test-valgrind; make test-asan sets
# HASHPAY_TEST_SLOW) a worker's first connect, sentinel query, lookup and
# handshake take seconds where they take milliseconds otherwise.  TEST 6
# (whose point is which messages keep or drop the connection, not a
# timeout) then has no timeouts of its own (t/lib/HashpayTest.pm gives
# 30 s), and the waits for what nginx logs on its own time poll for 30 s
# instead of 10.
our $Slow = $ENV{TEST_NGINX_USE_VALGRIND} || $ENV{HASHPAY_TEST_SLOW};
$ENV{TEST_NGINX_SWITCH_TIMEOUTS} = $Slow ? ''
    : 'connect_timeout=1s timeout=3s';
our $Wait = $Slow ? 30 : 10;

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

        eval { stop_redis($P) } if $P;

        unlink $SwitchFile;

    }
}

# a real sentinel that monitors the primary by the name "localhost" and
# announces names
sub spawn_sentinel {
    my ($master) = @_;
    my $dir = File::Temp::tempdir('hashpay-sentinel-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my $port = HashpayTest::free_port();

    open(my $fh, '>', "$dir/sentinel.conf") or die "$dir: $!";
    print $fh "port $port\nbind 127.0.0.1\ndaemonize yes\n"
        . "pidfile $dir/sentinel.pid\nlogfile $dir/sentinel.log\n"
        . "dir $dir\n"
        . "sentinel resolve-hostnames yes\n"
        . "sentinel announce-hostnames yes\n"
        . "sentinel monitor m localhost $master 1\n"
        . "sentinel down-after-milliseconds m 1000\n";
    close $fh;

    my @cmd = $ENV{REDIS_SENTINEL} ? ($ENV{REDIS_SENTINEL})
              : (grep { -x "$_/redis-sentinel" } split /:/, $ENV{PATH})
              ? ('redis-sentinel')
              : ('redis-server');
    push @cmd, "$dir/sentinel.conf";
    push @cmd, '--sentinel' if $cmd[0] eq 'redis-server';

    system(@cmd) == 0 or die "cannot start @cmd: $?";

    wait_until(sub {
        my $a = redis_reply({ port => $port }, 'SENTINEL',
                            'get-master-addr-by-name', 'm');
        ref $a eq 'ARRAY' && $a->[0] eq 'localhost';
    }, 15) or die "the sentinel does not answer the name localhost";

    return ({ port => $port, dir => $dir }, $port);
}

# a sentinel that answers "SENTINEL get-master-addr-by-name <master>"
# with the host of %Lie and the primary's port, and publishes the
# +switch-master message that switch() leaves in $SwitchFile to its
# subscribers; (pid, port)

sub switch {
    my ($msg) = @_;
    open(my $fh, '>', "$SwitchFile.tmp") or die "$SwitchFile: $!";
    print $fh $msg;
    close $fh;
    rename "$SwitchFile.tmp", $SwitchFile;
}

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

    # several connections at once: the +switch-master subscription stays
    my $sel = IO::Select->new($listen);
    my %subscribed;

    while (getppid() != 1) {
        if (open(my $fh, '<', $SwitchFile)) {
            my $msg = <$fh>;
            close $fh;
            unlink $SwitchFile;

            for my $c (grep { $subscribed{$_} } $sel->handles) {
                print $c "*3\r\n\$7\r\nmessage\r\n\$14\r\n+switch-master\r\n\$"
                    . length($msg) . "\r\n$msg\r\n";
            }
        }

        for my $c ($sel->can_read(0.1)) {
            if ($c == $listen) {
                my $n = $listen->accept;
                $sel->add($n) if $n;
                next;
            }

            my $cmd = eval { HashpayTest::read_reply($c) };

            if (ref $cmd ne 'ARRAY') {
                delete $subscribed{$c};
                $sel->remove($c);
                close $c;
                next;
            }

            if (uc $cmd->[0] eq 'SENTINEL' && $Lie{$cmd->[2]}) {
                my ($host, $port) = ($Lie{$cmd->[2]}, $P->{port});
                print $c "*2\r\n\$" . length($host) . "\r\n$host\r\n\$"
                    . length($port) . "\r\n$port\r\n";

            } elsif (uc $cmd->[0] eq 'SENTINEL') {
                print $c "*-1\r\n";

            } elsif (uc $cmd->[0] eq 'SUBSCRIBE') {
                $subscribed{$c} = 1;
                print $c "*3\r\n\$9\r\nsubscribe\r\n\$"
                    . length($cmd->[1]) . "\r\n$cmd->[1]\r\n:1\r\n";

            } else {
                print $c "+OK\r\n";
            }
        }
    }

    POSIX::_exit(0);
}

# a delivery of one tweet by a user of its own with an unknown
# confirmation code: it acts (rejected unknown_code), so it is recorded in
# hashpay:tweet:<id>
sub tweet {
    my ($id) = @_;
    my $user = '23' . substr($id, -8);
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
    my ($id) = @_;
    return redis_reply({ port => $P->{port} }, 'EXISTS',
                       "hashpay:tweet:$id");
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a real sentinel answers "localhost": looked up, the delivery acts
The sentinel monitors the primary as "localhost" and announces names; the
module asks nginx's resolver (the DNS server of this file), connects to
the address it answered, and the delivery acts on the primary.
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_SENTINEL_PORT master=m connect_timeout=1s timeout=3s;
--- delivery eval
[ main::tweet('1580000000000000001') ]
--- error_code: 200
--- response_body eval
main::unknown('1580000000000000001')
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::is(main::recorded('1580000000000000001'), '1',
                   'the tweet record is on the primary');
    Test::More::ok(HashpayDns::queries('localhost') >= 1,
                   'the DNS server was asked for localhost');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: sentinel 127\.0\.0\.1:$main::SentinelPort: the primary is localhost:$main::P->{port}$/m),
                   'the sentinel answered the name');
    Test::More::ok(main::whole_log(
                       qr/hashpay resolve: "localhost" is 127\.0\.0\.1 /),
                   'the resolver answered the address');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: handshake: 127\.0\.0\.1:$main::P->{port} is the primary/),
                   'connected there, ROLE said master');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: a name of the test domain, asked again on every reconnection
The lying sentinel answers primary.hashpay.test.  After the connection
is killed, the module asks the sentinel again and looks the name up
again (valid=1s: after a second the resolver's cache has expired and
the DNS server is queried again).
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=m connect_timeout=1s timeout=3s;
--- delivery eval
[ main::tweet('1580000000000000002') ]
--- error_code: 200
--- response_body eval
main::unknown('1580000000000000002')
--- timeout: 30
--- after_each eval
[ sub {
    Test::More::is(main::recorded('1580000000000000002'), '1',
                   'the tweet record is on the primary');
    my $before = HashpayDns::queries('primary.hashpay.test');
    Test::More::ok($before >= 1, 'the DNS server was asked');

    Time::HiRes::sleep(2.5);
    HashpayTest::redis_reply({ port => $main::P->{port} },
                             'CLIENT', 'KILL', 'TYPE', 'normal');

    my @st;
    my $file = "/tmp/hashpay-058.$$";
    for (1 .. 30) {
        my $pid = HashpayTest::background_post(
                      main::tweet('1580000000000000012'), $file);
        push @st, HashpayTest::background_result($pid, $file);
        last if $st[-1] eq '200';
        Time::HiRes::sleep(0.2);
    }
    unlink $file;

    Test::More::is($st[-1], '200', "after a reconnection: 200 (@st)");
    Test::More::ok(!(grep { $_ ne '200' && $_ ne '503' } @st),
                   'only 503 before');
    Test::More::is(main::recorded('1580000000000000012'), '1',
                   'on the primary');
    Test::More::ok(HashpayDns::queries('primary.hashpay.test') > $before,
                   'the name was looked up again');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 3: a name that does not exist (NXDOMAIN): 503, a clear log, nothing written
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=nowhere connect_timeout=1s timeout=3s;
--- delivery eval
[ main::tweet('1580000000000000003') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "nowhere": nowhere\.hashpay\.test could not be resolved \(3: Host not found\)/),
                   'NXDOMAIN is logged');
    Test::More::ok(HashpayDns::queries('nowhere.hashpay.test') >= 1,
                   'the DNS server was asked');
    Test::More::is(main::recorded('1580000000000000003'), '0',
                   'nothing written');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 4: no resolver directive: 503 and "no resolver defined", no lookup at all
--- init
$main::Asked = HashpayDns::queries('primary.hashpay.test');
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=m connect_timeout=1s timeout=3s;
--- delivery eval
[ main::tweet('1580000000000000004') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m": no resolver defined to resolve primary\.hashpay\.test/),
                   '"no resolver defined" is logged');
    Test::More::is(HashpayDns::queries('primary.hashpay.test'), $main::Asked,
                   'the DNS server was not asked');
    Test::More::is(main::recorded('1580000000000000004'), '0',
                   'nothing written');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 5: the DNS server is silent: 503 once connect_timeout= has passed, no hang
The lookup is bounded by connect_timeout= (1 s); the delivery waits for
it in the queue under timeout= (3 s) and is answered 503 when it fails.
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=silent connect_timeout=1s timeout=3s;
--- delivery eval
[ main::tweet('1580000000000000005') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "silent": silent\.hashpay\.test could not be resolved \(110: Operation timed out\)/, $main::Wait),
                   'the timeout is logged');
    Test::More::ok(HashpayDns::queries('silent.hashpay.test') >= 1,
                   'the DNS server was asked');
    Test::More::is(main::recorded('1580000000000000005'), '0',
                   'nothing written');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 6: +switch-master names the primary by its host name
A message that names the connection's primary by the host name the
sentinel answered (and its port) keeps the connection: the next delivery
is answered at once on it.  One that names another host drops it, and
the reconnection asks the sentinel again.
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=m $TEST_NGINX_SWITCH_TIMEOUTS;
--- delivery eval
[ main::tweet('1580000000000000006') ]
--- error_code: 200
--- response_body eval
main::unknown('1580000000000000006')
--- timeout: 30
--- after_each eval
[ sub {
    my $port = $main::P->{port};
    # the connection that answered the delivery: its ": connected" may
    # be logged after the block began (a slow worker connects late)
    my $before = () = HashpayTest::log_lines(qr/: connected$/m);

    main::switch("m primary.hashpay.test 1 primary.hashpay.test $port");
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m": the sentinels switched master "m" to primary\.hashpay\.test:$port$/m, $main::Wait),
                   'the message is logged');

    my $file = "/tmp/hashpay-058.$$";
    my $pid = HashpayTest::background_post(
                  main::tweet('1580000000000000016'), $file);
    Test::More::is(HashpayTest::background_result($pid, $file), '200',
                   'the next delivery: 200');
    Test::More::is(scalar HashpayTest::log_lines(
                       qr/the primary moved \(\+switch-master\)/), 0,
                   'the connection was kept');
    Test::More::is(scalar HashpayTest::log_lines(qr/: connected$/m),
                   $before, 'no reconnection');

    main::switch("m primary.hashpay.test $port other.hashpay.test 6399");
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "m": the primary moved \(\+switch-master\), closing the connection/, $main::Wait),
                   'another host: the connection is dropped');
    Test::More::ok(main::wait_until(sub {
                       HashpayTest::log_lines(qr/: connected$/m) > $before
                   }, $main::Wait), 'and made again');
    unlink $file;
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 7: nginx stops while a lookup is in flight: abandoned, a clean exit
connect_timeout=30s keeps the lookup of the silent name in flight long
after the delivery's timeout= (1 s) has answered it 503.  nginx is then
stopped (SIGQUIT): the lookup is abandoned in exit_process (its context
given back to the resolver before the resolver is freed) and nginx exits
at once, without waiting for the resolver's timer.
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=silent connect_timeout=30s timeout=1s;
--- delivery eval
[ main::tweet('1580000000000000007') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::ok(main::whole_log(
                       qr/hashpay resolve: looking up "silent\.hashpay\.test" \(30000 ms\)/),
                   'the lookup is in flight');
    Test::More::ok(!main::whole_log(qr/could not be resolved/),
                   'and has not ended');

    my $pid = Test::Nginx::Util::get_pid_from_pidfile("TEST 7");
    Test::More::ok(kill('QUIT', $pid), 'SIGQUIT');
    Test::More::ok(main::wait_until(sub {
        waitpid($pid, POSIX::WNOHANG());
        !kill(0, $pid) || !-e "/proc/$pid"
        || (do { open(my $fh, '<', "/proc/$pid/stat"); <$fh> } // '')
           =~ /^\d+ \(.*\) Z/ }, 15),
                   'nginx exited');
    Test::More::ok(HashpayTest::log_lines(
                       qr/hashpay resolve: lookup of "silent\.hashpay\.test" abandoned/),
                   'the lookup was abandoned');
    Test::More::ok(HashpayTest::log_lines(qr/\[notice\] \d+#\d+: exit$/),
                   'a clean exit');
    Test::More::is(main::recorded('1580000000000000007'), '0',
                   'nothing written');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 8: an answer that is neither an address nor a host name: 503, nothing looked up or written
--- init
$main::Asked = HashpayDns::queries('primary.hashpay.test;rm');
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_LIAR_PORT master=garbage connect_timeout=1s timeout=3s;
--- delivery eval
[ main::tweet('1580000000000000008') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "garbage": sentinel 127\.0\.0\.1:$main::LiarPort answered "primary\.hashpay\.test;rm" port "$main::P->{port}": not an address or a host name/),
                   'refused and logged');
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "garbage": no sentinel gave the address of master "garbage"/),
                   'no sentinel gave an address');
    Test::More::is(HashpayDns::queries('primary.hashpay.test;rm'), $main::Asked,
                   'nothing looked up');
    Test::More::is(main::recorded('1580000000000000008'), '0',
                   'nothing written');
  } ]
--- no_error_log
[alert]
[crit]
