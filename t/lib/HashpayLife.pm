package HashpayLife;

# Helpers of the lifecycle tests (t/097-lifecycle.t): an nginx master of
# the test's own (own prefix, two workers, a port from the kernel, daemon
# off so that the test is its parent and sees it exit), a Redis of its own
# (HashpayTest::spawn_redis, so that CLIENT LIST and CLIENT PAUSE concern
# this nginx only), purchase and card-transaction traffic from several
# client processes, and the checks made after each lifecycle event.
#
#   start_nginx(redis => $r, main => text, redis_args => text)
#                       the master, once its workers answer and each holds
#                       its Redis connection; a hash ref
#   nginx_signal($n, 'reload' | 'quit')    nginx -p ... -s ...
#   workers($n)         the master's live children: [ { pid, title } ],
#                       shutting-down ones marked { old => 1 }
#   new_workers($n, { pid => 1, ... })   live workers not among those
#   worker_redis_ports($n, $pid)   local ports of $pid's TCP connections
#                       to the test's Redis (from /proc)
#   client_ports($n)    the ports of every client of Redis but the one
#                       asking (CLIENT LIST)
#   connections_settle($n, $what, $count)
#                       polls (generous deadline) until the live workers
#                       ($count: 2, or 0 once the master is gone) hold one
#                       Redis connection each and Redis has no other
#                       client; asserts it
#   flow_start($n, clients => N)   the client processes; flow_stop($f,
#                       abandon => 1) stops them (abandon: give up retries)
#                       and returns every delivery and its attempts
#   clients_in_flight($f, $since)   clients in the middle of a request
#   accepted($n)        client connections the workers hold
#   answers_since($f, $since, $status)   attempts answered $status since
#   flow_wait_events($n, $more, $from)   the events stream grew by $more
#   check_redis($n, $deliveries, $what)   every delivery answered 200 is in
#                       Redis exactly once, none other more than once,
#                       sold + held <= stock, counters match the records
#
# Users, offers and cards are written straight into Redis (the admin API
# is tested on its own), as HashpayFlow does.

use strict;
use warnings;

use Test::More ();
use File::Temp ();
use Cwd ();
use POSIX ();
use Time::HiRes ();
use IO::Socket::INET ();
use IO::Select ();
use JSON::PP ();
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64 decode_base64);
use HashpayTest ();
use HashpayFlow ();
use Exporter 'import';

our @EXPORT = qw(start_nginx stop_nginx nginx_signal workers new_workers
                 worker_redis_ports client_ports connections_settle
                 flow_start flow_stop flow_wait_events check_redis
                 check_answers error_log_lines master_exited poll
                 clients_in_flight answers_since accepted
                 redis_of $NGINX $MODULE $WHSEC);

our $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
our $MODULE = $ENV{TEST_NGINX_LOAD_MODULES}
              || Cwd::getcwd() . '/build/ngx_http_hashpay_module.so';
our $WHSEC = 'whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X';
our $CONSUMER_SECRET = 'test-consumer-secret';
our $WORKERS = 2;

# how long a hang may last before it is one (never a measure of speed)
our $DEADLINE = 60;

my $json = JSON::PP->new->canonical;

# poll($seconds, sub { ... }): calls the sub until it returns true or the
# deadline passes; returns its last value
sub poll {
    my ($secs, $cb) = @_;
    my $end = Time::HiRes::time() + $secs;
    my $v;
    while (1) {
        $v = $cb->();
        return $v if $v || Time::HiRes::time() > $end;
        Time::HiRes::sleep(0.05);
    }
}

sub redis_of {
    my ($n, @cmd) = @_;
    return HashpayTest::redis_reply({ port => $n->{redis}{port} }, @cmd);
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# ------------------------------------------------------------------ nginx

sub write_conf {
    my ($n) = @_;
    my $dir = $n->{dir};
    my $user = $> == 0 ? 'user root;' : '';
    my $conf = <<"CONF";
load_module $MODULE;
worker_processes $WORKERS;
daemon off;
master_process on;
error_log $dir/logs/error.log info;
pid $dir/logs/nginx.pid;
worker_shutdown_timeout $n->{shutdown_timeout};
env LD_PRELOAD;
env ASAN_OPTIONS;
$user
$n->{main}

events {
    worker_connections 256;
    accept_mutex off;
}

http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;

    hashpay_redis 127.0.0.1:$n->{redis}{port} $n->{redis_args};

    server {
        listen 127.0.0.1:$n->{port};

        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $CONSUMER_SECRET;
            hashpay_operator_accounts 15234567;
        }

        location = /webhooks/card {
            hashpay_transactions;
            hashpay_transactions_secret $WHSEC;
        }

        location = /ping {
            return 204;
        }
    }
}
CONF
    open(my $fh, '>', "$dir/nginx.conf") or die "nginx.conf: $!";
    print $fh $conf;
    close $fh;
}

# The master (a child of the test: daemon off), once the port answers and
# both workers hold their Redis connection.
sub start_nginx {
    my (%o) = @_;
    # TEST_NGINX_NO_CLEAN keeps it (and its logs), as Test::Nginx does
    my $dir = File::Temp::tempdir('hashpay-life-XXXXXX', TMPDIR => 1,
                                  CLEANUP => !$ENV{TEST_NGINX_NO_CLEAN});
    mkdir "$dir/logs";
    my $n = { dir => $dir, port => free_port(), redis => $o{redis},
              main => $o{main} // '', redis_args => $o{redis_args} // '',
              shutdown_timeout => $o{shutdown_timeout} // '5s' };
    write_conf($n);

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        # as Test::Nginx does (the ASan build's libasan)
        if (defined $ENV{TEST_NGINX_LD_PRELOAD}) {
            $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD}
                . (defined $ENV{LD_PRELOAD} ? " $ENV{LD_PRELOAD}" : '');
        }
        open(STDOUT, '>', "$dir/logs/stdout") or POSIX::_exit(1);
        open(STDERR, '>&', \*STDOUT) or POSIX::_exit(1);
        exec($NGINX, '-p', "$dir/", '-c', "$dir/nginx.conf",
             '-e', "$dir/logs/error.log")
            or POSIX::_exit(1);
    }

    $n->{pid} = $pid;

    my $up = poll($DEADLINE, sub {
        return 0 if master_exited($n);
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $n->{port}, Timeout => 1);
        return 0 unless $s;
        close $s;
        my @w = grep { !$_->{old} } @{ workers($n) };
        return 0 unless @w == $WORKERS;
        return !grep { @{ worker_redis_ports($n, $_->{pid}) } != 1 } @w;
    });

    if (!$up) {
        my $log = error_log_text($n);
        stop_nginx($n);
        die "nginx did not start with $WORKERS workers connected to Redis:\n"
            . $log;
    }

    return $n;
}

sub nginx_signal {
    my ($n, $sig) = @_;
    # nginx -s loads the modules too: the ASan build's needs libasan first
    local $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD}
        if defined $ENV{TEST_NGINX_LD_PRELOAD};
    my $out = `$NGINX -p $n->{dir}/ -c $n->{dir}/nginx.conf -s $sig 2>&1`;
    return ($? >> 8, $out);
}

# true once the master has exited (it is our child: reaped here)
sub master_exited {
    my ($n) = @_;
    return 1 if $n->{exited};
    my $r = waitpid($n->{pid}, POSIX::WNOHANG());
    if ($r == $n->{pid} || $r < 0) {
        $n->{exited} = 1;
        $n->{status} = $?;
        return 1;
    }
    return 0;
}

sub stop_nginx {
    my ($n) = @_;
    return if master_exited($n);
    kill 'QUIT', $n->{pid};
    return if poll($DEADLINE, sub { master_exited($n) });
    kill 'KILL', $n->{pid};
    waitpid($n->{pid}, 0);
    $n->{exited} = 1;
}

# the master's children that are alive (not zombies): pid, title, old (a
# worker "shutting down")
sub workers {
    my ($n) = @_;
    my @out;
    opendir(my $dh, '/proc') or die "/proc: $!";
    for my $pid (grep { /^\d+$/ } readdir $dh) {
        open(my $fh, '<', "/proc/$pid/stat") or next;
        my $stat = <$fh> // '';
        close $fh;
        my ($state, $ppid) = $stat =~ /\)\s+(\S)\s+(\d+)/ or next;
        next unless $ppid == $n->{pid} && $state ne 'Z' && $state ne 'X';
        open($fh, '<', "/proc/$pid/cmdline") or next;
        my $title = do { local $/; <$fh> } // '';
        close $fh;
        $title =~ s/\0+/ /g;
        $title =~ s/\s+$//;
        next unless $title =~ /worker process/;
        push @out, { pid => $pid, title => $title,
                     old => $title =~ /shutting down/ ? 1 : 0 };
    }
    closedir $dh;
    return [ sort { $a->{pid} <=> $b->{pid} } @out ];
}

# the live workers that are not among the pids of $old (a hash ref)
sub new_workers {
    my ($n, $old) = @_;
    return [ grep { !$_->{old} && !$old->{$_->{pid}} } @{ workers($n) } ];
}

# $pid's established TCP connections (from /proc) for which
# $match->(local "ADDR:PORT", remote "ADDR:PORT") is true, in /proc's hex
# notation; returns their local ports
sub tcp_of {
    my ($pid, $match) = @_;
    my %inodes;
    opendir(my $dh, "/proc/$pid/fd") or return [];
    for my $fd (readdir $dh) {
        my $l = readlink("/proc/$pid/fd/$fd") // next;
        $inodes{$1} = 1 if $l =~ /^socket:\[(\d+)\]$/;
    }
    closedir $dh;

    my @ports;
    open(my $fh, '<', "/proc/$pid/net/tcp") or return [];
    while (my $line = <$fh>) {
        my @f = split ' ', $line;
        next unless @f > 9 && $f[3] eq '01' && $inodes{$f[9]};
        next unless $match->($f[1], $f[2]);
        my (undef, $port) = split /:/, $f[1];
        push @ports, hex $port;
    }
    close $fh;
    return [ sort { $a <=> $b } @ports ];
}

# local ports of $pid's established TCP connections to the test's Redis
sub worker_redis_ports {
    my ($n, $pid) = @_;
    my $want = sprintf('0100007F:%04X', $n->{redis}{port});
    return tcp_of($pid, sub { $_[1] eq $want });
}

# the clients' connections the workers have accepted (and hold)
sub accepted {
    my ($n) = @_;
    my $want = sprintf('0100007F:%04X', $n->{port});
    my $count = 0;
    $count += @{ tcp_of($_->{pid}, sub { $_[0] eq $want }) }
        for @{ workers($n) };
    return $count;
}

# the ports of Redis's clients, but the connection asking
sub client_ports {
    my ($n) = @_;
    my $list = redis_of($n, 'CLIENT', 'LIST') // '';
    my @ports;
    for my $line (split /\n/, $list) {
        next if $line =~ /\bcmd=client\|list\b/;
        push @ports, $1 if $line =~ /\baddr=[^ ]*:(\d+)\b/;
    }
    return [ sort { $a <=> $b } @ports ];
}

# what the workers and Redis say now: live worker pids, shutting-down
# ones, each live worker's Redis ports, Redis's client ports
sub connection_view {
    my ($n) = @_;
    my $w = workers($n);
    my @live = grep { !$_->{old} } @$w;
    my %ports = map { $_->{pid} => worker_redis_ports($n, $_->{pid}) } @live;
    return { live => [ map { $_->{pid} } @live ],
             old => [ map { $_->{pid} } grep { $_->{old} } @$w ],
             ports => \%ports, clients => client_ports($n) };
}

sub view_ok {
    my ($v, $count) = @_;
    return 0 unless @{ $v->{live} } == $count && !@{ $v->{old} };
    return 0 if grep { @{ $v->{ports}{$_} } != 1 } @{ $v->{live} };
    my @held = sort { $a <=> $b } map { @{ $v->{ports}{$_} } }
                                  @{ $v->{live} };
    return "@held" eq "@{ $v->{clients} }";
}

# After a lifecycle event: the old workers drain, and then Redis's
# clients are exactly one connection per live worker ($count, default
# 2; 0 once the master is gone).  Returns the view.
sub connections_settle {
    my ($n, $what, $count) = @_;
    $count //= master_exited($n) ? 0 : $WORKERS;
    my $v;
    poll($DEADLINE, sub { $v = connection_view($n); view_ok($v, $count) });

    Test::More::is(scalar @{ $v->{live} }, $count,
                   "$what: $count live workers");
    Test::More::is(scalar @{ $v->{old} }, 0,
                   "$what: no worker left shutting down");
    Test::More::is(scalar @{ $v->{clients} }, $count,
                   "$what: Redis has $count client connections");
    Test::More::is_deeply(
        [ map { scalar @{ $v->{ports}{$_} } } @{ $v->{live} } ],
        [ (1) x $count ], "$what: each live worker holds one");
    Test::More::is_deeply(
        $v->{clients},
        [ sort { $a <=> $b } map { @{ $v->{ports}{$_} } } @{ $v->{live} } ],
        "$what: Redis's clients are the live workers' connections")
        or Test::More::diag($json->encode($v));
    return $v;
}

sub error_log_text {
    my ($n) = @_;
    open(my $fh, '<', "$n->{dir}/logs/error.log") or return '';
    local $/;
    my $t = <$fh> // '';
    close $fh;
    return $t;
}

# error.log lines matching $re
sub error_log_lines {
    my ($n, $re) = @_;
    return grep { $_ =~ $re } split /\n/, error_log_text($n);
}

# ------------------------------------------------------------------ seed

# the users of the clients: user id, card token
sub user_of {
    my ($c) = @_;
    my $id = '12972345678902' . sprintf('%05d', 100 + $c);
    return ($id, 'tok_life' . $c);
}

our %OFFERS = (gift => 1000, rare => 6);
our $CASHBACK_STOCK = 100000;

sub seed {
    my ($n, $clients) = @_;
    redis_of($n, 'FLUSHALL');
    for my $tag ('Gift', 'Rare') {
        redis_of($n, 'HSET', 'hashpay:offer:' . lc $tag, tag => $tag,
                 kind => 'purchase', title => $tag, price_cents => 2500,
                 currency => 'USD', stock => $OFFERS{lc $tag},
                 per_user_limit => 100000, min_account_age_days => 0,
                 active => 1, sold => 0, redeemed => 0,
                 created_at => 1700000000000, updated_at => 1700000000000);
        redis_of($n, 'ZADD', 'hashpay:offers', 0, lc $tag);
    }
    redis_of($n, 'HSET', 'hashpay:offer:coffeeback', tag => 'CoffeeBack',
             kind => 'cashback', title => 'Coffee', currency => 'USD',
             stock => $CASHBACK_STOCK, per_user_limit => 100000,
             min_account_age_days => 0, merchant_id => 'mch_coffee',
             cashback_cents => 500, min_spend_cents => 2000, active => 1,
             claimed => 0, redeemed => 0, created_at => 1700000000000,
             updated_at => 1700000000000);
    redis_of($n, 'ZADD', 'hashpay:offers', 0, 'coffeeback');
    for my $c (1 .. $clients) {
        my ($u, $tok) = user_of($c);
        redis_of($n, 'HSET', "hashpay:link:$u", user_id => $u,
                 card_token => $tok, screen_name => "life$c",
                 linked_at => 1700000000000);
        redis_of($n, 'SET', "hashpay:card:$tok", $u);
    }
}

# ------------------------------------------------------------------ HTTP

# One request on a new connection; returns (status, body) where status is
# the HTTP status, or "refused" (no connection), "empty" (closed or reset
# before any byte of an answer), "partial" (an answer cut short), "hang"
# (no answer for $DEADLINE seconds)
sub http_post {
    my ($port, $uri, $body, @headers) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp',
                                     Timeout => 5)
        or return ('refused', "$!");
    my $req = "POST $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nContent-Type: application/json\r\n"
        . join('', map { "$_\r\n" } @headers)
        . "Content-Length: " . length($body) . "\r\n\r\n$body";
    local $SIG{PIPE} = 'IGNORE';
    my $sent = syswrite($sock, $req);
    my $resp = '';
    my $sel = IO::Select->new($sock);
    my $end = Time::HiRes::time() + $DEADLINE;

    while (1) {
        my $left = $end - Time::HiRes::time();
        if ($left <= 0 || !$sel->can_read($left)) {
            close $sock;
            return ('hang', $resp);
        }
        my $got = sysread($sock, my $buf, 65536);
        last unless $got;
        $resp .= $buf;
    }
    close $sock;

    return ('empty', '') if $resp eq '';
    my ($head, $rbody) = $resp =~ m{\A(.*?)\r\n\r\n(.*)\z}s;
    return ('partial', $resp) unless defined $head;
    my ($status) = $head =~ m{\AHTTP/1\.[01] (\d{3}) };
    my ($len) = $head =~ m{\r\nContent-Length:\s*(\d+)}i;
    return ('partial', $resp)
        unless defined $status && defined $len && length($rbody) == $len;
    return ($status, $rbody);
}

sub send_tweet {
    my ($port, $body) = @_;
    return http_post($port, '/webhooks/x', $body,
                     'x-twitter-webhooks-signature: '
                     . HashpayTest::sign($CONSUMER_SECRET, $body));
}

sub send_txn {
    my ($port, $wid, $body) = @_;
    my $ts = time();
    my $key = $WHSEC;
    $key =~ s/^whsec_//;
    my $sig = 'v1,' . encode_base64(hmac_sha256("$wid.$ts.$body",
                                                decode_base64($key)), '');
    return http_post($port, '/webhooks/card', $body, "webhook-id: $wid",
                     "webhook-timestamp: $ts", "webhook-signature: $sig");
}

# ------------------------------------------------------------------ flow

# Client $c's loop: an intent (Rare every third time, else Gift), its
# confirmation, a cashback claim, a card transaction at its merchant;
# each delivery sent again after anything but a 200 (as the platforms
# do), until a 200, the deadline, or "abandon".  Every attempt is logged.
sub client {
    my ($n, $f, $c) = @_;
    my ($u, $tok) = user_of($c);
    my $port = $n->{port};
    open(my $log, '>>', "$f->{dir}/client.$c") or POSIX::_exit(1);
    my $stop = "$f->{dir}/stop";
    my $abandon = "$f->{dir}/abandon";

    my $deliver = sub {
        my ($kind, $id, $send) = @_;
        my @attempts;
        my $end = Time::HiRes::time() + $DEADLINE;
        while (1) {
            my $t0 = Time::HiRes::time();
            syswrite($log, "B\t$kind\t$id\t$t0\n");
            my ($status, $body) = eval { $send->() };
            ($status, $body) = ('died', $@) unless defined $status;
            my $t1 = Time::HiRes::time();
            push @attempts, [ $status, $body, $t0, $t1 ];
            syswrite($log, "E\t$kind\t$id\t$t1\t$status\n");
            last if $status eq '200' || -e $abandon
                    || Time::HiRes::time() > $end || getppid() != $f->{parent};
            Time::HiRes::sleep(0.1);
        }
        syswrite($log, 'D' . "\t" . $json->encode({
            kind => $kind, id => $id, client => $c, user => $u,
            attempts => \@attempts }) . "\n");
        return $attempts[-1][0] eq '200' ? $attempts[-1][1] : undef;
    };

    my $tweet = sub {
        my ($id, $tag) = @_;
        my $body = HashpayFlow::dl_for($u, HashpayFlow::tw(
            id => $id, user => $u, name => "life$c", tags => [$tag]));
        return sub { send_tweet($port, $body) };
    };

    # until stopped, or the test is gone
    for (my $k = 1; !-e $stop && getppid() == $f->{parent}; $k++) {
        my $base = 1500000000000000000 + $c * 10000000 + $k * 10;
        my $tag = $k % 3 == 0 ? 'Rare' : 'Gift';
        my $ok = $deliver->('intent', $base + 1, $tweet->($base + 1, $tag));

        if (defined $ok && !-e $abandon) {
            # the code, when this tweet made a pending purchase
            my $pid = eval { HashpayTest::redis_reply(
                { port => $n->{redis}{port} }, 'GET',
                'hashpay:pending:' . lc($tag) . ":$u") };
            my $p = defined $pid ? eval { HashpayTest::redis_reply(
                { port => $n->{redis}{port} }, 'HMGET',
                "hashpay:purchase:$pid", 'code', 'tweet_id') } : undef;
            if (ref $p && defined $p->[0] && ($p->[1] // '') eq $base + 1) {
                $deliver->('confirm', $base + 2,
                           $tweet->($base + 2, "Confirm$p->[0]"));
            }
        }

        last if -e $stop;
        $deliver->('claim', $base + 3, $tweet->($base + 3, 'CoffeeBack'));
        last if -e $stop;

        my $txn = "txn_${c}_$k";
        my $body = '{"txn_id":"' . $txn . '","card_token":"' . $tok
                 . '","merchant_id":"mch_coffee","amount_cents":2500,'
                 . '"currency":"USD","at":1700000000}';
        $deliver->('txn', $txn, sub { send_txn($port, "msg_${c}_$k", $body) });
    }

    close $log;
}

# N client processes (default 4) sending until flow_stop
sub flow_start {
    my ($n, %o) = @_;
    my $clients = $o{clients} // 4;
    my $f = { dir => File::Temp::tempdir('hashpay-flow-XXXXXX', TMPDIR => 1,
                                         CLEANUP => 1),
              clients => $clients, pids => [], parent => $$ };
    seed($n, $clients) unless $o{no_seed};

    for my $c (1 .. $clients) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            eval { client($n, $f, $c) };
            POSIX::_exit(0);
        }
        push @{ $f->{pids} }, $pid;
    }

    return $f;
}

# wait until the events stream has $more entries more than $from
# (traffic flows); returns the length then
sub flow_wait_events {
    my ($n, $more, $from) = @_;
    $from //= 0;
    my $len = 0;
    poll($DEADLINE, sub {
        $len = eval { redis_of($n, 'XLEN', 'hashpay:events') } // 0;
        $len >= $from + $more;
    });
    Test::More::cmp_ok($len, '>=', $from + $more,
                       "traffic flows: $more events more than $from");
    return $len;
}

# clients now in the middle of an attempt (their log's last line is "B")
# begun after $since (unix time, default 0)
sub clients_in_flight {
    my ($f, $since) = @_;
    $since //= 0;
    my $busy = 0;
    for my $c (1 .. $f->{clients}) {
        open(my $fh, '<', "$f->{dir}/client.$c") or next;
        my $last = '';
        while (my $l = <$fh>) {
            $last = $l if $l =~ /^[BE]\t/;
        }
        close $fh;
        $busy++ if $last =~ /^B\t[^\t]*\t[^\t]*\t(\S+)/ && $1 > $since;
    }
    return $busy;
}

# the attempts answered $status that ended after $since (unix time)
sub answers_since {
    my ($f, $since, $status) = @_;
    my $count = 0;
    for my $c (1 .. $f->{clients}) {
        open(my $fh, '<', "$f->{dir}/client.$c") or next;
        while (my $l = <$fh>) {
            $count++ if $l =~ /^E\t[^\t]*\t[^\t]*\t(\S+)\t(\S+)/
                        && $1 > $since && $2 eq $status;
        }
        close $fh;
    }
    return $count;
}

sub flow_stop {
    my ($f, %o) = @_;
    my $touch = sub {
        open(my $fh, '>', "$f->{dir}/$_[0]") or die "$_[0]: $!";
        close $fh;
    };
    $touch->('abandon') if $o{abandon};
    $touch->('stop');

    my %left = map { $_ => 1 } @{ $f->{pids} };
    poll($DEADLINE * 2, sub {
        while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
            delete $left{$pid};
        }
        !%left;
    });
    Test::More::is(scalar keys %left, 0, 'every client finished')
        or kill 'KILL', keys %left;
    waitpid($_, 0) for keys %left;

    my @d;
    for my $c (1 .. $f->{clients}) {
        open(my $fh, '<', "$f->{dir}/client.$c") or next;
        while (my $l = <$fh>) {
            push @d, $json->decode($1) if $l =~ /^D\t(.*)$/;
        }
        close $fh;
    }
    return \@d;
}

# ------------------------------------------------------------------ checks

my %OUTCOMES = (intent => qr/^(intent_created|rejected|duplicate)$/,
                confirm => qr/^(confirmed|rejected|duplicate)$/,
                claim => qr/^(claim_saved|rejected|duplicate)$/,
                txn => qr/^(credited|no_claim|duplicate)$/);

# Every attempt's answer: a status in %$allowed (besides 200, whose body
# must be the answer of its kind for its id), never cut short or hung.
# Returns the number of attempts per status.
sub check_answers {
    my ($d, $what, $allowed) = @_;
    my (%count, @bad);

    for my $x (@$d) {
        for my $a (@{ $x->{attempts} }) {
            my ($status, $body) = @$a;
            $count{$status}++;
            if ($status eq '200') {
                my $ok = eval {
                    my $b = $json->decode($body);
                    if ($x->{kind} eq 'txn') {
                        $b->{outcome} =~ $OUTCOMES{txn}
                            && $b->{cashback_cents} =~ /^\d+$/;
                    } else {
                        my $r = $b->{results};
                        @$r == 1 && $r->[0]{tweet_id} eq $x->{id}
                            && $r->[0]{outcome} =~ $OUTCOMES{$x->{kind}};
                    }
                };
                push @bad, "$x->{kind} $x->{id}: 200 $body" unless $ok;
            } elsif (!$allowed->{$status}) {
                push @bad, "$x->{kind} $x->{id}: $status $body";
            }
        }
    }

    Test::More::ok(!@bad, "$what: every answer is complete and valid "
        . '(statuses ' . join(', ', sort map { "$_ x$count{$_}" }
                                     keys %count) . ')')
        or Test::More::diag(join("\n", grep { defined } @bad[0 .. 19]));
    return \%count;
}

sub hgetall_of {
    my ($n, $key) = @_;
    my $flat = redis_of($n, 'HGETALL', $key) || [];
    return { @$flat };
}

# Every delivery answered 200 is in Redis exactly once; no other delivery
# more than once; nothing in Redis that no delivery made; sold + held <=
# stock, and the offers' counters are their records'.
sub check_redis {
    my ($n, $d, $what) = @_;
    my (@bad, %purchases, %claims);

    for my $key (@{ redis_of($n, 'KEYS', 'hashpay:purchase:*') || [] }) {
        my $p = hgetall_of($n, $key);
        $purchases{$p->{id}} = $p;
    }
    for my $key (@{ redis_of($n, 'KEYS', 'hashpay:claim:*') || [] }) {
        my $c = hgetall_of($n, $key);
        $claims{$c->{id}} = $c;
    }

    # the delivery behind each event, and each record
    my (%events, %event_ids);
    for my $e (@{ redis_of($n, 'XRANGE', 'hashpay:events', '-', '+') || [] }) {
        my %f = @{ $e->[1] };
        my $data = $json->decode($f{data});
        my $t = $f{type};
        my $cause = $t eq 'purchase.confirmed' ? $data->{confirm_tweet_id}
                  : $t eq 'claim.saved'
                    ? ($claims{$data->{claim_id}} || {})->{tweet_id}
                  : $t eq 'cashback.credited' ? $data->{txn_id}
                  : $data->{tweet_id};
        $events{$cause // '?'}{$f{type}}++;
        $event_ids{$data->{event_id} // '?'}++;
    }
    my (%made, %confirmed_by, %claimed_by, %credited_by);
    for my $p (values %purchases) {
        $made{$p->{tweet_id}}++;
        $confirmed_by{$p->{confirm_tweet_id}}++
            if ($p->{confirm_tweet_id} // '') ne '';
    }
    for my $c (values %claims) {
        $claimed_by{$c->{tweet_id}}++;
        $credited_by{$c->{txn_id}}++ if ($c->{txn_id} // '') ne '';
    }

    my %known;
    my $answered = 0;
    for my $x (@$d) {
        my $id = $x->{id};
        $known{$id} = 1;
        my $key = $x->{kind} eq 'txn' ? "hashpay:txn:$id"
                                      : "hashpay:tweet:$id";
        my $rec = redis_of($n, 'GET', $key);
        my ($outcome) = ($rec // '') =~ /^([a-z_]+):/;
        my @ok = grep { $_->[0] eq '200' } @{ $x->{attempts} };
        my $nevents = 0;
        $nevents += $_ for values %{ $events{$id} || {} };
        my %want;

        if (@ok) {
            $answered++;
            my $b = $json->decode($ok[0][1]);
            my $said = $x->{kind} eq 'txn' ? $b->{outcome}
                                           : $b->{results}[0]{outcome};
            if (!defined $outcome) {
                push @bad, "$id: answered 200 $said, no record in Redis";
                next;
            }
            push @bad, "$id: answered $said, Redis recorded $rec"
                unless $said eq 'duplicate' || $said eq $outcome;
            %want = (events => $outcome eq 'no_claim' ? 0 : 1,
                     made => $outcome eq 'intent_created' ? 1 : 0,
                     confirmed => $outcome eq 'confirmed' ? 1 : 0,
                     claimed => $outcome eq 'claim_saved' ? 1 : 0,
                     credited => $outcome eq 'credited' ? 1 : 0);
        }

        my %got = (events => $nevents, made => $made{$id} // 0,
                   confirmed => $confirmed_by{$id} // 0,
                   claimed => $claimed_by{$id} // 0,
                   credited => $credited_by{$id} // 0);

        for my $k (sort keys %got) {
            if (@ok) {
                push @bad, "$x->{kind} $id (answered 200, recorded $rec): "
                           . "$k $got{$k}, expected $want{$k}"
                    if $got{$k} != $want{$k};
            } else {
                push @bad, "$x->{kind} $id (not answered 200): $k $got{$k}"
                    if $got{$k} > 1;
            }
        }
    }

    for my $cause (sort keys %events) {
        push @bad, "events of no delivery: $cause "
                   . join(',', keys %{ $events{$cause} })
            unless $known{$cause};
    }
    push @bad, 'an event_id given twice'
        if grep { $_ > 1 } values %event_ids;

    Test::More::ok(!@bad, "$what: the $answered deliveries answered 200 "
        . 'are in Redis (events, purchases, claims) exactly once, the '
        . 'others at most once, nothing else')
        or Test::More::diag(join("\n", grep { defined } @bad[0 .. 19]));

    # the offers
    my ($now) = @{ redis_of($n, 'TIME') };
    my $now_ms = $now * 1000;
    for my $tag (sort keys %OFFERS) {
        my $o = hgetall_of($n, "hashpay:offer:$tag");
        my $held = redis_of($n, 'ZCOUNT', "hashpay:holds:$tag",
                            "($now_ms", '+inf');
        my $confirmed = grep { $_->{offer_key} eq $tag
                               && $_->{state} eq 'confirmed' }
                        values %purchases;
        Test::More::cmp_ok($o->{sold} + $held, '<=', $o->{stock},
                           "$what: $tag: sold $o->{sold} + held $held "
                           . "<= stock $o->{stock}");
        Test::More::is($o->{sold}, $confirmed,
                       "$what: $tag: sold is the confirmed purchases");
    }
    my $cb = hgetall_of($n, 'hashpay:offer:coffeeback');
    Test::More::is($cb->{claimed}, scalar keys %claims,
                   "$what: CoffeeBack: claimed is the claims");
    Test::More::is($cb->{redeemed},
                   scalar(grep { $_->{state} eq 'redeemed' } values %claims),
                   "$what: CoffeeBack: redeemed is the redeemed claims");
    return $answered;
}

1;
