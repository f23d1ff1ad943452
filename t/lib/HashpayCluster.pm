package HashpayCluster;

# A Redis Cluster of a test file's own (t/057-cluster.t): Debian's
# redis-server with --cluster-enabled yes, put together by redis-cli
# --cluster create, on 127.0.0.1.
#
#   spawn_cluster(primaries => 3, replicas => 1)
#                         the nodes (hash refs { port, dir, pid }) once the
#                         cluster is ok on every node and every replica
#                         has synced; cluster-node-timeout 1000 ms
#   stop_cluster()        every node shut down (also at exit)
#   owner($slot)          the port of the primary that owns the slot, as a
#                         live node's CLUSTER SHARDS says (undef if none)
#   node_id($port)        CLUSTER MYID of a node
#   kill_node($port)      SIGKILL (no shutdown, no goodbye to the others)
#   restart_node($port)   the same node again (its nodes.conf): it rejoins
#   creply(@cmd)          a command on the node that owns its first key's
#                         slot, following MOVED, past dead nodes
#   cluster_ok()          cluster_state:ok on every live node
#   wait_until($sub, $s)  polls $sub every 0.1 s for $s seconds: 1 or 0
#
# Ports: a node takes its port and the port + 10000 (the cluster bus), so
# both are chosen below 55000 and checked free, away from the kernel's
# ephemeral range.

use strict;
use warnings;

use IO::Socket::INET ();
use File::Temp ();
use Time::HiRes ();
use HashpayTest ();
use Exporter 'import';

our @EXPORT_OK = qw(spawn_cluster stop_cluster owner node_id kill_node
                    restart_node creply cluster_ok wait_until);

our @Nodes;
our $Parent = $$;
my %used;

# HashpayTest's, exported from here too
*wait_until = \&HashpayTest::wait_until;

sub port_free {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                  LocalPort => $port, Listen => 1,
                                  ReuseAddr => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

# a port whose bus port is free too
sub cluster_port {
    for (1 .. 1000) {
        my $p = 20000 + int(rand(35000));
        next if $used{$p} || $used{$p + 10000} || $used{$p - 10000};
        next unless port_free($p) && port_free($p + 10000);
        $used{$p} = 1;
        return $p;
    }

    die "no free port pair for a cluster node";
}

sub reply {
    my ($port, @cmd) = @_;
    return HashpayTest::redis_reply({ port => $port }, @cmd);
}

sub start_node {
    my ($n) = @_;
    my $bin = $ENV{REDIS_SERVER} || 'redis-server';

    # a node killed with SIGKILL leaves its pidfile: the pid read below
    # must be the new process's
    unlink "$n->{dir}/redis.pid";

    system($bin, '--port', $n->{port}, '--bind', '127.0.0.1',
           '--cluster-enabled', 'yes',
           '--cluster-config-file', "$n->{dir}/nodes.conf",
           '--cluster-node-timeout', '1000',
           '--save', '', '--appendonly', 'no', '--dir', $n->{dir},
           '--pidfile', "$n->{dir}/redis.pid",
           '--logfile', "$n->{dir}/redis.log", '--daemonize', 'yes') == 0
        or die "cannot start $bin: $?";

    wait_until(sub { (reply($n->{port}, 'PING') // '') eq 'PONG' }, 10)
        or die "cluster node $n->{port} did not come up";

    # the daemon may answer before it has written its pidfile
    my $pid;
    wait_until(sub {
        open(my $fh, '<', "$n->{dir}/redis.pid") or return 0;
        $pid = <$fh>;
        close $fh;
        defined $pid && $pid =~ /^\d+/;
    }, 10) or die "no pid in $n->{dir}/redis.pid";
    ($n->{pid}) = $pid =~ /^(\d+)/;
}

sub spawn_cluster {
    my (%o) = @_;
    my $primaries = $o{primaries} || 3;
    my $replicas = $o{replicas} // 1;
    my $count = $primaries * (1 + $replicas);

    for (1 .. $count) {
        my $n = { port => cluster_port(),
                  dir => File::Temp::tempdir('hashpay-cluster-XXXXXX',
                                             TMPDIR => 1, CLEANUP => 1) };
        start_node($n);
        push @Nodes, $n;
    }

    my $out = `redis-cli --cluster create @{[ map { "127.0.0.1:$_->{port}" } @Nodes ]} --cluster-replicas $replicas --cluster-yes 2>&1`;
    die "redis-cli --cluster create failed:\n$out" if $?;

    wait_until(sub { cluster_ok() }, 30)
        or die "the cluster did not come up";

    # every replica has its primary's data
    wait_until(sub {
        for my $n (@Nodes) {
            my $info = reply($n->{port}, 'INFO', 'replication') // '';
            return 0 if $info =~ /role:slave/
                        && $info !~ /master_link_status:up/;
        }
        1;
    }, 30) or die "the replicas did not sync";

    return @Nodes;
}

sub cluster_ok {
    for my $n (@Nodes) {
        next if $n->{dead};
        my $info = eval { reply($n->{port}, 'CLUSTER', 'INFO') } // '';
        return 0 unless $info =~ /cluster_state:ok/;
    }

    return 1;
}

sub node_id {
    my ($port) = @_;
    return reply($port, 'CLUSTER', 'MYID');
}

sub owner {
    my ($slot) = @_;

    for my $n (@Nodes) {
        next if $n->{dead};
        my $shards = eval { reply($n->{port}, 'CLUSTER', 'SHARDS') };
        next unless ref $shards eq 'ARRAY';

        for my $shard (@$shards) {
            my %s = @$shard;
            my @r = @{ $s{slots} };
            my $in = 0;

            while (my ($lo, $hi) = splice(@r, 0, 2)) {
                $in = 1 if $lo <= $slot && $slot <= $hi;
            }

            next unless $in;

            for my $node (@{ $s{nodes} }) {
                my %f = @$node;
                return $f{port} if $f{role} eq 'master'
                                   && $f{health} eq 'online';
            }
        }

        return undef;
    }

    return undef;
}

sub node_of {
    my ($port) = @_;
    my ($n) = grep { $_->{port} == $port } @Nodes;
    die "no cluster node on $port" unless $n;
    return $n;
}

sub kill_node {
    my ($port) = @_;
    my $n = node_of($port);
    kill 'KILL', $n->{pid};
    $n->{dead} = 1;
    wait_until(sub { !port_free_to_connect($port) }, 10);
}

sub port_free_to_connect {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $port, Proto => 'tcp');
    return 0 unless $s;
    close $s;
    return 1;
}

sub restart_node {
    my ($port) = @_;
    my $n = node_of($port);
    start_node($n);
    $n->{dead} = 0;
}

# a command on its key's owner: MOVED followed, dead nodes skipped
sub creply {
    my (@cmd) = @_;
    my @ports = map { $_->{port} } grep { !$_->{dead} } @Nodes;
    my ($port) = @ports;

    for (1 .. 5) {
        my $r = eval { reply($port, @cmd) };

        if (!defined $r && $@) {
            $port = $ports[int(rand(@ports))];
            next;
        }

        if (!ref $r && defined $r && $r =~ /^MOVED \d+ [\d.]+:(\d+)/) {
            $port = $1;
            next;
        }

        return $r;
    }

    die "creply @cmd: no answer";
}

sub stop_cluster {
    for my $n (@Nodes) {
        next if $n->{dead};
        eval { reply($n->{port}, 'SHUTDOWN', 'NOSAVE') };
        kill 'KILL', $n->{pid} if $n->{pid};
    }

    @Nodes = ();
}

END {
    local $?;
    stop_cluster() if $$ == $Parent;
}

1;
