# Redis over TLS (issue 13 point 5), against Debian's redis-server with
# --tls-port only (no clear-text port) and a CA of the test's own, made
# by openssl at test time (t/lib/HashpayTLS.pm):
#
#   - purchases work over TLS: 200, and the purchase is in that Redis;
#   - the server's certificate must verify against tls_ca= and match the
#     name (the host as written, an IP address here, or tls_name=): a
#     certificate from another CA, or a name it does not carry, is 503
#     with an error line naming the address and the failure, and nothing
#     is written;
#   - never a clear-text fallback: what a plain listener gets from the
#     module is a TLS ClientHello (16 03 ..), never a Redis command;
#   - a server that requires a client certificate: works with tls_cert= /
#     tls_key=, refused (503, a log line) without;
#   - AUTH with an ACL user (user=): works; a wrong password is 503 with
#     the server's WRONGPASS in the log;
#   - hashpay_redis_sentinel over TLS: a sentinel with tls-port and
#     tls-replication gives the TLS primary;
#   - hashpay_redis_cluster over TLS (tls-cluster yes): the node that owns
#     the slot is found and used.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use File::Temp ();
use Time::HiRes ();
use POSIX ();
use HashpayTest qw(wait_until whole_log);
use HashpayCluster ();
use HashpayFlow;
use HashpayTLS qw(pki spawn_tls_redis tls_reply recorder);

our $Parent = $$;
our $PKI = pki();

# TLS, no client certificate asked; an ACL user
our $T = spawn_tls_redis($PKI);
tls_reply($T, 'ACL', 'SETUSER', 'hashpay', 'on', '>Acl-pw-1', '~*', '&*',
          '+@all');

# a certificate of another CA, with the same names
our $Rogue = spawn_tls_redis($PKI, cert => 'rogue');

# a client certificate required
our $M = spawn_tls_redis($PKI, auth_clients => 'yes');

our ($RecPid, $RecPort, $RecFile) = recorder();

# Sentinel over TLS: a primary and its replica (replicating over TLS), and
# a sentinel with a TLS port only that reaches them over TLS
our $SP = spawn_tls_redis($PKI, args => [ '--tls-replication', 'yes' ]);
our $SR = spawn_tls_redis($PKI, args => [ '--tls-replication', 'yes',
                                          '--replicaof', '127.0.0.1',
                                          $SP->{port} ]);
our $Sentinel = spawn_tls_sentinel($SP->{port});

# Cluster over TLS: three primaries, the cluster bus over TLS too
our @Cluster = spawn_tls_cluster(3);

$ENV{TEST_NGINX_TLS_PORT} = $T->{port};
$ENV{TEST_NGINX_ROGUE_PORT} = $Rogue->{port};
$ENV{TEST_NGINX_MUTUAL_PORT} = $M->{port};
$ENV{TEST_NGINX_RECORDER_PORT} = $RecPort;
$ENV{TEST_NGINX_CA} = $PKI->{ca};
$ENV{TEST_NGINX_CERT} = $PKI->{cert};
$ENV{TEST_NGINX_KEY} = $PKI->{key};
$ENV{TEST_NGINX_SENTINEL_PORT} = $Sentinel->{port};
$ENV{TEST_NGINX_CLUSTER_PORT} = $Cluster[0]{port};

# TEST 10 and 11: short timeouts, so that the test is quick; under
# valgrind (make test-valgrind) none, so that t/lib/HashpayTest.pm gives
# 30 s: a valgrind worker's first TLS connects (sentinel, then primary;
# node, then owner) take longer than 1 s.  Neither block tests a timeout.
$ENV{TEST_NGINX_HA_TIMEOUTS} = $ENV{TEST_NGINX_USE_VALGRIND}
    ? '' : 'connect_timeout=1s timeout=2s';

END {
    local $?;

    if ($$ == $Parent && $Sentinel) {
        eval { tls_reply($Sentinel, 'SHUTDOWN', 'NOSAVE') };
    }
}

sub spawn_tls_sentinel {
    my ($master) = @_;
    my $dir = File::Temp::tempdir('hashpay-tls-sentinel-XXXXXX',
                                  TMPDIR => 1, CLEANUP => 1);
    my $port = HashpayTest::free_port();

    open(my $fh, '>', "$dir/sentinel.conf") or die "$dir: $!";
    print $fh "port 0\ntls-port $port\nbind 127.0.0.1\ndaemonize yes\n"
        . "pidfile $dir/sentinel.pid\nlogfile $dir/sentinel.log\n"
        . "dir $dir\n"
        . "tls-cert-file $PKI->{server_cert}\n"
        . "tls-key-file $PKI->{server_key}\n"
        . "tls-ca-cert-file $PKI->{ca}\n"
        . "tls-auth-clients no\n"
        . "tls-replication yes\n"
        . "sentinel monitor m 127.0.0.1 $master 1\n"
        . "sentinel down-after-milliseconds m 1000\n"
        . "sentinel failover-timeout m 3000\n";
    close $fh;

    my @cmd = (grep { -x "$_/redis-sentinel" } split /:/, $ENV{PATH})
              ? ('redis-sentinel', "$dir/sentinel.conf")
              : ('redis-server', "$dir/sentinel.conf", '--sentinel');
    system(@cmd) == 0 or die "cannot start @cmd: $?";

    my $s = { port => $port, dir => $dir, pki => $PKI };

    # it reached the primary over TLS and found the replica
    wait_until(sub {
        tls_reply($s, 'SENTINEL', 'replicas', 'm') =~ /\Q$SR->{port}\E/;
    }, 20) or die "the TLS sentinel did not find the replica";

    return $s;
}

sub spawn_tls_cluster {
    my ($count) = @_;
    my @nodes;

    for (1 .. $count) {
        my $port = HashpayCluster::cluster_port();
        push @nodes, spawn_tls_redis($PKI, port => $port,
            args => [ '--tls-cluster', 'yes', '--cluster-enabled', 'yes',
                      '--cluster-node-timeout', '1000',
                      '--cluster-config-file', "nodes-$port.conf" ]);
    }

    my $pid = open(my $fh, '-|');
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        open(STDERR, '>&', \*STDOUT);
        exec('redis-cli', '--tls', '--cacert', $PKI->{ca},
             '--cert', $PKI->{cert}, '--key', $PKI->{key},
             '--cluster', 'create',
             (map { "127.0.0.1:$_->{port}" } @nodes),
             '--cluster-yes') or POSIX::_exit(1);
    }

    my $out = do { local $/; <$fh> };
    close $fh;
    die "redis-cli --cluster create (TLS) failed:\n$out" if $?;

    wait_until(sub {
        !grep { tls_reply($_, 'CLUSTER', 'INFO') !~ /cluster_state:ok/ }
              @nodes;
    }, 30) or die "the TLS cluster did not come up";

    $_->{cluster} = 1 for @nodes;

    return @nodes;
}

# every block buys its own offer, so that blocks do not limit each other
our @TAGS = map { "BuyTls$_" } 1 .. 12;

# the offers and alice's card link in a Redis, under a key prefix
sub seed {
    my ($r, $prefix) = @_;
    $prefix //= 'hashpay';
    tls_reply($r, 'FLUSHALL');

    for my $line (map({ split /\n/, ::offer($_) } @TAGS),
                  split(/\n/, ::linked($::ALICE)))
    {
        tls_reply($r, map { s/^hashpay:/$prefix:/r } split ' ', $line);
    }
}

seed($_) for $T, $Rogue, $M, $SP;
seed($_, '{hashpay}') for @Cluster;

# the purchases in a Redis (hashpay:purchase:<id> hashes)
sub purchases {
    my ($r) = @_;
    my $keys = tls_reply($r, 'KEYS', 'hashpay:purchase:*');
    return scalar grep { length } split /\n/, $keys;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a purchase over TLS: 200, and the purchase is in the TLS Redis
The certificate verifies against tls_ca=, and matches the host as
written (127.0.0.1, an IP address in its subjectAltName).
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_TLS_PORT tls tls_ca=$TEST_NGINX_CA;
--- delivery eval
::dl(::tw(id => '5801', tags => ['BuyTls1']))
--- error_code: 200
--- response_body eval
::results(['5801', 'intent_created'])
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::T), 1,
                   'the purchase is in the TLS Redis');
    Test::More::is(HashpayTLS::tls_reply($main::T, 'HGET', 'hashpay:offer:buytls1',
                             'stock'), '10', 'the offer is there');
    Test::More::like(HashpayTLS::tls_reply($main::T, 'ZCARD', 'hashpay:holds:buytls1'),
                     qr/^1$/, 'one unit held');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: tls_name=: the DNS name is verified and sent as SNI
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_TLS_PORT tls tls_ca=$TEST_NGINX_CA tls_name=redis.test;
--- delivery eval
::dl(::tw(id => '5802', tags => ['BuyTls2']))
--- error_code: 200
--- response_body eval
::results(['5802', 'intent_created'])
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::T), 2, 'one more purchase');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 3: a certificate of another CA: 503, a clear log line, nothing written
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_ROGUE_PORT tls tls_ca=$TEST_NGINX_CA connect_timeout=1s;
--- delivery eval
::dl(::tw(id => '5803', tags => ['BuyTls3']))
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::Rogue), 0, 'nothing written');
    Test::More::ok(main::wait_until(sub { main::whole_log(qr/hashpay: redis "127\.0\.0\.1:\d+": 127\.0\.0\.1:\d+: connect failed: TLS certificate verify error: \(21:unable to verify the first certificate\)/) }, 10),
                   'the verify failure is logged, with the address');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 4: a name the certificate does not carry: 503, a clear log line
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_TLS_PORT tls tls_ca=$TEST_NGINX_CA tls_name=other.test connect_timeout=1s;
--- delivery eval
::dl(::tw(id => '5804', tags => ['BuyTls4']))
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::T), 2, 'nothing more written');
    Test::More::is(HashpayTLS::tls_reply($main::T, 'EXISTS', 'hashpay:holds:buytls4'),
                   '0', 'no unit held');
    Test::More::ok(main::wait_until(sub { main::whole_log(qr/hashpay: redis "127\.0\.0\.1:\d+": 127\.0\.0\.1:\d+: connect failed: TLS certificate does not match "other\.test"/) }, 10),
                   'the name mismatch is logged, with the address');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 5: never clear text: a plain listener sees a TLS ClientHello
A listener that is no TLS server records the first bytes the module
sends it: a TLS handshake record (16 03 ..), never a Redis command
("*" ...).  The request is answered 503 once connect_timeout= is over.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_RECORDER_PORT tls tls_ca=$TEST_NGINX_CA connect_timeout=500ms timeout=2s;
--- delivery eval
::dl(::tw(id => '5805', tags => ['BuyTls5']))
--- error_code: 503
--- after_each eval
[ sub {
    Test::More::ok(main::wait_until(sub { -s $main::RecFile }, 10),
                   'the listener got bytes');
    open(my $fh, '<', $main::RecFile);
    my $hex = <$fh> // '';
    close $fh;
    Test::More::like($hex, qr/^1603/, "a TLS handshake record ($hex)");
    Test::More::unlike($hex, qr/^2a/, 'not a Redis command');
    Test::More::ok(index($hex, unpack('H*', 'AUTH')) < 0
                   && index($hex, unpack('H*', 'SCRIPT')) < 0,
                   'no command in clear anywhere in it');
  } ]
--- error_log
connect timed out



=== TEST 6: a client certificate required: works with tls_cert= / tls_key=
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_MUTUAL_PORT tls tls_ca=$TEST_NGINX_CA tls_cert=$TEST_NGINX_CERT tls_key=$TEST_NGINX_KEY;
--- delivery eval
::dl(::tw(id => '5806', tags => ['BuyTls6']))
--- error_code: 200
--- response_body eval
::results(['5806', 'intent_created'])
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::M), 1, 'the purchase is there');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 7: a client certificate required and none given: 503, a log line
With TLS 1.3 the server refuses the missing certificate after the
client's side of the handshake: the module sees the connection end
before its handshake (AUTH / SCRIPT LOAD) is answered, and nothing ran.
The alert may come before the module reads (TLS read failed, nginx's own
crit line naming "alert certificate required") or while it writes (TLS
write failed), as the timing goes.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_MUTUAL_PORT tls tls_ca=$TEST_NGINX_CA connect_timeout=5s;
--- delivery eval
::dl(::tw(id => '5807', tags => ['BuyTls7']))
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::M), 1, 'nothing more written');
    Test::More::ok(main::wait_until(sub { main::whole_log(
        qr/hashpay: redis "127\.0\.0\.1:\d+": 127\.0\.0\.1:\d+: connection lost during the handshake: (TLS read failed|TLS write failed|connection closed by the server)/) }, 10),
                   'the lost handshake is logged, with the address');
  } ]
--- no_error_log
[alert]



=== TEST 8: user= (an ACL user) over TLS: AUTH hashpay <password> works
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_TLS_PORT tls tls_ca=$TEST_NGINX_CA user=hashpay password=Acl-pw-1;
--- delivery eval
::dl(::tw(id => '5808', tags => ['BuyTls8']))
--- error_code: 200
--- response_body eval
::results(['5808', 'intent_created'])
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::T), 3, 'the purchase is there');
    my $clients = HashpayTLS::tls_reply($main::T, 'CLIENT', 'LIST');
    Test::More::like($clients, qr/ user=hashpay /,
                     'the module is connected as user hashpay');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 9: user= with a wrong password: 503, WRONGPASS in the log
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_TLS_PORT tls tls_ca=$TEST_NGINX_CA user=hashpay password=wrong-pw;
--- delivery eval
::dl(::tw(id => '5809', tags => ['BuyTls9']))
--- error_code: 503
--- response_body chomp
{"error":"redis_unavailable"}
--- after_each eval
[ sub {
    Test::More::is(main::purchases($main::T), 3, 'nothing more written');
    Test::More::ok(main::wait_until(sub { main::whole_log(qr/hashpay: redis "127\.0\.0\.1:\d+": AUTH failed: WRONGPASS/) }, 10),
                   'WRONGPASS is logged');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 10: hashpay_redis_sentinel over TLS: the sentinel gives the TLS primary
The sentinel listens on TLS only and reaches the primary and its replica
over TLS (tls-replication); the module asks it over TLS, connects to the
primary it gives over TLS (the address verified against the certificate),
and subscribes to +switch-master over TLS.
--- http_config
hashpay_redis_sentinel 127.0.0.1:$TEST_NGINX_SENTINEL_PORT master=m tls tls_ca=$TEST_NGINX_CA $TEST_NGINX_HA_TIMEOUTS;
--- delivery eval
::dl(::tw(id => '5810', tags => ['BuyTls10']))
--- error_code: 200
--- response_body eval
::results(['5810', 'intent_created'])
--- after_each eval
[ sub {
    my ($s, $p) = ($main::Sentinel->{port}, $main::SP->{port});
    Test::More::is(main::purchases($main::SP), 1,
                   'the purchase is on the primary');
    Test::More::ok(main::whole_log(
        qr/hashpay redis: sentinel 127\.0\.0\.1:$s: the primary is 127\.0\.0\.1:$p$/m),
        'the TLS sentinel gave the TLS primary');
    Test::More::ok(main::whole_log(
        qr/hashpay rlink \S+: TLS \S+ verified "127\.0\.0\.1"/),
        'TLS verified');
    Test::More::ok(main::wait_until(sub { main::whole_log(
        qr/hashpay redis: watching sentinel 127\.0\.0\.1:$s: subscribed/) },
        10), 'the +switch-master subscription holds, over TLS');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 11: hashpay_redis_cluster over TLS: the owner of the slot is found and used
Three primaries with tls-cluster yes and no clear-text port: CLUSTER
SHARDS gives "tls-port" only, which is where the module connects.
--- http_config
hashpay_prefix "{hashpay}";
hashpay_redis_cluster 127.0.0.1:$TEST_NGINX_CLUSTER_PORT tls tls_ca=$TEST_NGINX_CA $TEST_NGINX_HA_TIMEOUTS;
--- delivery eval
::dl(::tw(id => '5811', tags => ['BuyTls11']))
--- error_code: 200
--- response_body eval
::results(['5811', 'intent_created'])
--- after_each eval
[ sub {
    Test::More::is(HashpayTLS::tls_reply($main::Cluster[0], 'ZCARD',
                                         '{hashpay}:holds:buytls11'),
                   '1', 'one unit held, on the owner of the slot');
    Test::More::ok(main::whole_log(
        qr/hashpay redis: cluster node 127\.0\.0\.1:\d+: slot \d+ is on 127\.0\.0\.1:\d+$/m),
        'the owner was found');
    Test::More::ok(main::whole_log(
        qr/hashpay redis: handshake: 127\.0\.0\.1:\d+ is the primary/),
        'ROLE said master, over TLS');
  } ]
--- no_error_log
[error]
[alert]
[crit]
