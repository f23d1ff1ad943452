# A Redis Cluster whose nodes announce host names (issue 13, point 2's
# rule for the cluster too): with "cluster-announce-hostname" and
# "cluster-preferred-endpoint-type hostname", CLUSTER SHARDS gives the
# node's "endpoint" as a host name (and CLUSTER SLOTS, MOVED and ASK
# too).  The module connects to the endpoint, looked up on nginx's
# resolver (the "resolver" directive of the http block), never with a
# blocking call.
#
# Real processes: one redis-server in cluster mode that owns every slot
# and announces the host name "localhost" (alone in its cluster it does
# not know its own IP address: its "ip" is empty, so only the endpoint
# reaches it); and the DNS server of t/lib/HashpayDns.pm, which knows
# localhost (127.0.0.1) and counts its queries.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use File::Temp ();
use HashpayTest qw(whole_log);
use HashpayCluster qw(wait_until);
use HashpayDns qw(spawn_dns queries);

our $Node = spawn_node();
our $DnsPort = spawn_dns(known => [ 'localhost' ]);

$ENV{TEST_NGINX_NODE_PORT} = $Node->{port};
$ENV{TEST_NGINX_DNS_PORT} = $DnsPort;

sub reply {
    my (@cmd) = @_;
    return HashpayTest::redis_reply({ port => $Node->{port} }, @cmd);
}

# the node, every slot its own; HashpayCluster shuts it down at exit
sub spawn_node {
    my $n = { port => HashpayCluster::cluster_port(),
              dir => File::Temp::tempdir('hashpay-cluster-XXXXXX',
                                         TMPDIR => 1, CLEANUP => 1) };
    my $bin = $ENV{REDIS_SERVER} || 'redis-server';

    system($bin, '--port', $n->{port}, '--bind', '127.0.0.1',
           '--cluster-enabled', 'yes',
           '--cluster-config-file', "$n->{dir}/nodes.conf",
           '--cluster-announce-hostname', 'localhost',
           '--cluster-preferred-endpoint-type', 'hostname',
           '--save', '', '--appendonly', 'no', '--dir', $n->{dir},
           '--pidfile', "$n->{dir}/redis.pid",
           '--logfile', "$n->{dir}/redis.log", '--daemonize', 'yes') == 0
        or die "cannot start $bin: $?";

    wait_until(sub {
        (HashpayTest::redis_reply({ port => $n->{port} }, 'PING') // '')
            eq 'PONG' }, 10)
        or die "the cluster node did not come up";

    open(my $fh, '<', "$n->{dir}/redis.pid") or die "$n->{dir}: $!";
    chomp($n->{pid} = <$fh>);
    close $fh;

    push @HashpayCluster::Nodes, $n;

    HashpayTest::redis_reply({ port => $n->{port} }, 'CLUSTER',
                             'ADDSLOTSRANGE', 0, 16383) eq 'OK'
        or die "CLUSTER ADDSLOTSRANGE failed";

    wait_until(sub { HashpayCluster::cluster_ok() }, 15)
        or die "the cluster did not come up";

    # what the module will be told: the endpoint is the host name
    my $shards = HashpayTest::redis_reply({ port => $n->{port} },
                                          'CLUSTER', 'SHARDS');
    my %node = @{ { @{ $shards->[0] } }->{nodes}->[0] };
    die "the node does not announce localhost: endpoint $node{endpoint}"
        unless $node{endpoint} eq 'localhost';

    return $n;
}

sub tweet {
    my ($id) = @_;
    my $user = '24' . substr($id, -8);
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
    return reply('EXISTS', "{hashpay}:tweet:$id");
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the owner of the slot announced as "localhost": looked up, the delivery acts
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s;
hashpay_redis_cluster 127.0.0.1:$TEST_NGINX_NODE_PORT connect_timeout=1s timeout=3s;
hashpay_prefix "{hashpay}";
--- delivery eval
[ main::tweet('1590000000000000001') ]
--- error_code: 200
--- response_body eval
main::unknown('1590000000000000001')
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::is(main::recorded('1590000000000000001'), '1',
                   'the tweet record is on the node');
    Test::More::ok(HashpayDns::queries('localhost') >= 1,
                   'the DNS server was asked for localhost');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: cluster node 127\.0\.0\.1:$main::Node->{port}: slot \d+ is on localhost:$main::Node->{port}$/m),
                   'the node gave its host name');
    Test::More::ok(main::whole_log(
                       qr/hashpay resolve: "localhost" is 127\.0\.0\.1 /),
                   'the resolver answered the address');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: handshake: 127\.0\.0\.1:$main::Node->{port} is the primary/),
                   'connected there, ROLE said master');
  } ]
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: no resolver directive: 503 and "no resolver defined", nothing written
--- init
$main::Asked = HashpayDns::queries('localhost');
--- http_config
hashpay_redis_cluster 127.0.0.1:$TEST_NGINX_NODE_PORT connect_timeout=1s timeout=3s;
hashpay_prefix "{hashpay}";
--- delivery eval
[ main::tweet('1590000000000000002') ]
--- error_code: 503
--- response_body: {"error":"redis_unavailable"}
--- timeout: 20
--- after_each eval
[ sub {
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay: redis "[^"]*": no resolver defined to resolve localhost/),
                   '"no resolver defined" is logged');
    Test::More::is(HashpayDns::queries('localhost'), $main::Asked,
                   'the DNS server was not asked');
    Test::More::is(main::recorded('1590000000000000002'), '0',
                   'nothing written');
  } ]
--- no_error_log
[alert]
[crit]
