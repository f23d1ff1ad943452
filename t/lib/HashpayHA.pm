package HashpayHA;

# A Redis Sentinel group and nginx edges of a test file's own
# (t/059-failover.t): Debian's redis-server and redis-sentinel on
# 127.0.0.1, ports from the kernel, everything stopped when the file ends.
#
#   spawn_redis_node(replicaof => $port)
#                         a redis-server { port, dir, pid } (no
#                         persistence), a replica of $port if given, once
#                         it answers PING (and, a replica, has synced)
#   kill_node($n)         SIGKILL: no shutdown, no goodbye to anyone
#   restart_node($n, replicaof => $port)
#                         the same port again, empty, a replica of $port
#   spawn_sentinels($count, $primary_port, %o)
#                         $count sentinels monitoring "m" (quorum
#                         $count / 2 + 1, down-after-milliseconds and
#                         failover-timeout from %o), once each knows the
#                         replicas and the other sentinels
#   primary_port(@sentinels)  the port the sentinels give for "m" (undef
#                         if none answers)
#   spawn_nginx(%o)       an nginx of its own (prefix, conf, 2 workers,
#                         daemon) with http => text in its http block and
#                         server => text in its one server: { port, dir,
#                         pid }
#   stop_nginx($ngx)      QUIT, then KILL after 10 s
#   pipeline($port, @cmds)  commands (array refs) on one connection: the
#                         replies in order
#   reply($port, @cmd)    one command
#   wait_until($sub, $s)  polls $sub every 0.05 s for $s seconds: 1 or 0
#
# A node's pid is read from its pidfile, so kill_node hits that process
# only.

use strict;
use warnings;

use File::Temp ();
use IO::Socket::INET ();
use Time::HiRes ();
use Cwd ();
use HashpayTest ();
use Exporter 'import';

our @EXPORT_OK = qw(spawn_redis_node kill_node restart_node
                    spawn_sentinels primary_port spawn_nginx stop_nginx
                    pipeline reply wait_until);

our $Parent = $$;
our (@Nodes, @Sentinels, @Nginx);

sub wait_until {
    my ($cond, $secs) = @_;
    my $until = Time::HiRes::time() + $secs;

    while (Time::HiRes::time() < $until) {
        my $ok = eval { $cond->() };
        return 1 if $ok;
        Time::HiRes::sleep(0.05);
    }

    return 0;
}

sub reply {
    my ($port, @cmd) = @_;
    return HashpayTest::redis_reply({ port => $port }, @cmd);
}

sub pipeline {
    my ($port, @cmds) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp',
                                     Timeout => 5)
        or die "cannot connect to redis at 127.0.0.1:$port: $!";
    my $req = '';

    for my $c (@cmds) {
        $req .= '*' . scalar(@$c) . "\r\n";
        $req .= '$' . length($_) . "\r\n$_\r\n" for @$c;
    }

    print $sock $req;
    my @out = map { HashpayTest::read_reply($sock) } @cmds;
    close $sock;
    return @out;
}

sub read_pid {
    my ($file) = @_;

    for (1 .. 100) {
        if (open(my $fh, '<', $file)) {
            my $pid = <$fh>;
            close $fh;
            if (defined $pid && $pid =~ /^(\d+)/) {
                return $1;
            }
        }
        Time::HiRes::sleep(0.05);
    }

    die "no pid in $file";
}

sub start_node {
    my ($n) = @_;
    my $bin = $ENV{REDIS_SERVER} || 'redis-server';
    my @args = ('--port', $n->{port}, '--bind', '127.0.0.1', '--save', '',
                '--appendonly', 'no', '--dir', $n->{dir},
                '--repl-diskless-sync-delay', '0',
                '--pidfile', "$n->{dir}/redis.pid",
                '--logfile', "$n->{dir}/redis.log", '--daemonize', 'yes');
    push @args, '--replicaof', '127.0.0.1', $n->{replicaof}
        if $n->{replicaof};

    unlink "$n->{dir}/redis.pid";
    system($bin, @args) == 0 or die "cannot start $bin: $?";
    $n->{pid} = read_pid("$n->{dir}/redis.pid");

    wait_until(sub { (reply($n->{port}, 'PING') // '') eq 'PONG' }, 10)
        or die "redis-server on $n->{port} did not come up";

    if ($n->{replicaof}) {
        wait_until(sub { (reply($n->{port}, 'INFO', 'replication') // '')
                         =~ /master_link_status:up/ }, 20)
            or die "redis-server on $n->{port} did not sync";
    }

    $n->{dead} = 0;
}

sub spawn_redis_node {
    my (%o) = @_;
    my $n = { port => HashpayTest::free_port(),
              replicaof => $o{replicaof},
              dir => File::Temp::tempdir('hashpay-ha-XXXXXX', TMPDIR => 1,
                                         CLEANUP => 1) };
    start_node($n);
    push @Nodes, $n;
    return $n;
}

sub kill_node {
    my ($n) = @_;
    kill 'KILL', $n->{pid};
    waitpid($n->{pid}, 0);
    $n->{dead} = 1;
    wait_until(sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $n->{port},
                                      Proto => 'tcp');
        !$s;
    }, 10) or die "redis-server on $n->{port} still answers";
}

sub restart_node {
    my ($n, %o) = @_;
    $n->{replicaof} = $o{replicaof};
    start_node($n);
}

sub sentinel_cmd {
    return ($ENV{REDIS_SENTINEL}) if $ENV{REDIS_SENTINEL};
    return ('redis-sentinel')
        if grep { -x "$_/redis-sentinel" } split /:/, $ENV{PATH};
    return ('redis-server', '--sentinel');
}

sub spawn_sentinels {
    my ($count, $primary, %o) = @_;
    my $quorum = int($count / 2) + 1;
    my $down = $o{down_after} || 1000;
    my $ft = $o{failover_timeout} || 3000;
    my $replicas = $o{replicas} // 1;
    my @mine;

    for (1 .. $count) {
        my $s = { port => HashpayTest::free_port(),
                  dir => File::Temp::tempdir('hashpay-ha-s-XXXXXX',
                                             TMPDIR => 1, CLEANUP => 1) };
        open(my $fh, '>', "$s->{dir}/sentinel.conf") or die "$s->{dir}: $!";
        print $fh "port $s->{port}\nbind 127.0.0.1\ndaemonize yes\n"
            . "pidfile $s->{dir}/sentinel.pid\n"
            . "logfile $s->{dir}/sentinel.log\ndir $s->{dir}\n"
            . "sentinel monitor m 127.0.0.1 $primary $quorum\n"
            . "sentinel down-after-milliseconds m $down\n"
            . "sentinel failover-timeout m $ft\n"
            . "sentinel parallel-syncs m 1\n";
        close $fh;

        my ($bin, @rest) = sentinel_cmd();
        unlink "$s->{dir}/sentinel.pid";
        system($bin, "$s->{dir}/sentinel.conf", @rest) == 0
            or die "cannot start $bin: $?";
        $s->{pid} = read_pid("$s->{dir}/sentinel.pid");
        push @Sentinels, $s;
        push @mine, $s;
    }

    # each knows the replicas and the others (hello messages, every 2 s)
    for my $s (@mine) {
        wait_until(sub {
            my $r = reply($s->{port}, 'SENTINEL', 'replicas', 'm');
            my $o = reply($s->{port}, 'SENTINEL', 'sentinels', 'm');
            ref $r eq 'ARRAY' && @$r >= $replicas
            && ref $o eq 'ARRAY' && @$o >= $count - 1;
        }, 30) or die "sentinel $s->{port} did not find the others";
    }

    return @mine;
}

sub primary_port {
    my (@sentinels) = @_;

    for my $s (@sentinels) {
        my $a = eval { reply($s->{port}, 'SENTINEL',
                             'get-master-addr-by-name', 'm') };
        return $a->[1] if ref $a eq 'ARRAY' && defined $a->[1];
    }

    return undef;
}

sub spawn_nginx {
    my (%o) = @_;
    my $bin = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
    my $module = $ENV{TEST_NGINX_LOAD_MODULES}
                 || Cwd::getcwd() . '/build/ngx_http_hashpay_module.so';
    my $dir = File::Temp::tempdir('hashpay-ha-nginx-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my $port = HashpayTest::free_port();
    my $workers = $o{workers} || 2;

    mkdir "$dir/logs";
    mkdir "$dir/conf";

    open(my $fh, '>', "$dir/conf/nginx.conf") or die "$dir: $!";
    print $fh <<"CONF";
load_module $module;
worker_processes $workers;
daemon on;
master_process on;
error_log $dir/logs/error.log info;
pid $dir/logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
$o{http}
    server {
        listen 127.0.0.1:$port;
$o{server}
    }
}
CONF
    close $fh;

    # as Test::Nginx does: the ASan build's module needs libasan first
    local $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD}
        if defined $ENV{TEST_NGINX_LD_PRELOAD};
    my $out = `$bin -p $dir/ -c $dir/conf/nginx.conf 2>&1`;
    die "nginx did not start: $out" if $?;

    my $ngx = { port => $port, dir => $dir,
                pid => read_pid("$dir/logs/nginx.pid"),
                log => "$dir/logs/error.log" };
    push @Nginx, $ngx;

    wait_until(sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        $s ? 1 : 0;
    }, 10) or die "nginx on $port does not listen";

    return $ngx;
}

sub stop_nginx {
    my ($ngx) = @_;
    return unless $ngx->{pid};
    kill 'QUIT', $ngx->{pid};
    wait_until(sub { !kill(0, $ngx->{pid}) }, 10)
        or kill 'KILL', $ngx->{pid};
    $ngx->{pid} = 0;
}

sub stop_all {
    stop_nginx($_) for @Nginx;

    for my $s (@Sentinels) {
        kill 'KILL', $s->{pid} if $s->{pid};
    }

    for my $n (@Nodes) {
        kill 'KILL', $n->{pid} if $n->{pid} && !$n->{dead};
    }

    @Nginx = ();
    @Sentinels = ();
    @Nodes = ();
}

END {
    local $?;
    stop_all() if $$ == $Parent;
}

1;
