#!/usr/bin/perl
# Redis commands per webhook, per outcome, as Redis sees them, and
# webhooks per second per edge with one nginx worker and with two (issue
# 13, "Deployment at scale").  Run by `make bench-commands` (after
# building) from the repository root:
#
#     perl bench/commands.pl [requests per outcome, default 500]
#
# Part 1, commands: a private redis-server and an nginx of its own (one
# worker, hashpay_redis; the module's connection is set up first, so its
# handshake is not counted), then for each outcome CONFIG RESETSTAT, N
# signed requests through nginx, INFO commandstats: EVALSHA calls per
# request and the webhook's plain reads (the prefilter: one EXISTS per
# post with hashtags and no confirmation code, and TIME: these posts
# have a time; none for a post naming HaGift, which the worker knows
# names an offer from the first request: src/ngx_http_hashpay_offer_cache.h),
# which is what the module sends, the calls made inside the
# scripts per request (every other command: Redis counts commands that
# scripts call in commandstats too), the total, the microseconds Redis
# spent in the scripts per request (usec of evalsha; with no script, in
# the reads), and the redis-server process CPU
# per request (INFO cpu, user + sys: with the socket I/O and its event
# loop; the requests are sent one at a time, so nothing is shared between
# them and this is the most a request costs).  REPLCONF (the replica's
# acknowledgements) is left out.  The same
# again for one outcome with a replica and "hashpay_redis_wait 1 100ms":
# the WAIT per request.
#
# Part 2, throughput: bench/transactions.sh (credited, no_claim) and
# bench/purchase.sh (intent, confirm), wrk against one nginx, once with
# BENCH_WORKERS=1 and once with 2 (BENCH_DURATION, default here 5s;
# BENCH_USERS, default here 150000), their requests/s side by side and the
# ratio two workers / one.  BENCH_SKIP_WRK=1 leaves part 2 out.

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use POSIX ();
use Time::HiRes ();

my $ROOT;
BEGIN {
    $ROOT = Cwd::abs_path(File::Basename::dirname(__FILE__) . '/..');
}
use lib "$ROOT/t/lib", "$ROOT/t/compat";

use HashpayHA ();
use HashpayLoad ();

my $N = shift || 500;
$ENV{TEST_NGINX_LOAD_MODULES} ||= "$ROOT/build/ngx_http_hashpay_module.so";
die "build the module first (make)\n" unless -f $ENV{TEST_NGINX_LOAD_MODULES};

# CPU seconds of the redis-server process (INFO cpu: user + sys)
sub cpu_secs {
    my ($port) = @_;
    my $info = HashpayHA::reply($port, 'INFO', 'cpu');
    my ($sys) = $info =~ /used_cpu_sys:([\d.]+)/;
    my ($user) = $info =~ /used_cpu_user:([\d.]+)/;
    return $sys + $user;
}

sub commandstats {
    my ($port) = @_;
    my %s;

    for (split /\r?\n/, HashpayHA::reply($port, 'INFO', 'commandstats')) {
        next unless /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/;
        # the bench's own, and the replica's acknowledgements
        next if $1 =~ /^(config|info|replconf)\b/;
        $s{$1} = { calls => $2, usec => $3 };
    }

    return \%s;
}

# N requests of one kind through the edge: [status, outcome] counts
sub send_all {
    my ($edge, @reqs) = @_;
    my %out;

    for my $r (@reqs) {
        my @a = HashpayLoad::send_req($edge->{port},
                                      HashpayLoad::request_of(@$r));
        $out{"$a[0] $a[1]"}++;
    }

    return join(', ', map { "$_ x$out{$_}" } sort keys %out);
}

# $reads: the plain commands the module sends per request besides EVALSHA
sub measure {
    my ($name, $reads, $node, $edge, @reqs) = @_;
    HashpayHA::reply($node->{port}, 'CONFIG', 'RESETSTAT');
    my $c0 = cpu_secs($node->{port});
    my $answers = send_all($edge, @reqs);
    my $c1 = cpu_secs($node->{port});
    my $s = commandstats($node->{port});
    my $n = @reqs;
    my $ev = $s->{evalsha} || { calls => 0, usec => 0 };
    my $inside = -$reads * $n;
    my $all_usec = 0;
    my @detail;

    for my $cmd (sort keys %$s) {
        $all_usec += $s->{$cmd}{usec};
        next if $cmd eq 'evalsha';
        next if $cmd eq 'wait';
        $inside += $s->{$cmd}{calls};
        push @detail, sprintf('%s %.2f', uc $cmd, $s->{$cmd}{calls} / $n);
    }

    my $wait = $s->{wait} ? $s->{wait}{calls} / $n : 0;
    printf "%-22s %7.2f %6.2f %7.2f %6.2f %8.2f %8.1f %9.1f\n", $name,
           $ev->{calls} / $n, $reads, $inside / $n, $wait,
           ($ev->{calls} + $reads * $n + $inside
            + ($s->{wait}{calls} // 0)) / $n,
           ($ev->{calls} ? $ev->{usec} : $all_usec) / $n,
           1e6 * ($c1 - $c0) / $n;
    print "    answers: $answers\n";
    print "    inside: @detail\n";
}

# ------------------------------------------------------------- part 1

my $node = HashpayHA::spawn_redis_node();
my $users = 2 * $N;
HashpayHA::pipeline($node->{port},
                    HashpayLoad::setup_cmds('hashpay', 1, $users, $N));

my $edge = HashpayHA::spawn_nginx(
    workers => 1,
    http => "    hashpay_redis 127.0.0.1:$node->{port};\n",
    server => HashpayLoad::edge_server());

# the worker connects (handshake, SCRIPT LOAD) before anything is counted
HashpayLoad::send_req($edge->{port}, HashpayLoad::request_of(
    'intent', 1590000000000000000, '1', ''));

my $id0 = 1580000001000000000;
my $ts = int(time());
my (@intent, @confirm, @txn);

for my $i (1 .. $N) {
    push @intent, [ 'intent', $id0 + 10 * $i, HashpayLoad::puser(1, $i), '' ];
}

print "Redis commands per request, as Redis counts them (INFO "
    . "commandstats), $N requests each, through one nginx worker\n";
printf "%-22s %7s %6s %7s %6s %8s %8s %9s\n", 'outcome', 'EVALSHA',
       'reads', 'inside', 'WAIT', 'total', 'us/req', 'cpu us/req';
print "  (reads: the webhook's EXISTS and TIME before any script; "
    . "inside: commands the scripts call (the detail under each row counts "
    . "the reads too); us/req: Redis time in the scripts, or in the reads "
    . "when no script ran; cpu: the redis-server process, socket I/O "
    . "included)\n";

measure('intent_created', 0, $node, $edge, @intent);

for my $i (1 .. $N) {
    my $u = HashpayLoad::puser(1, $i);
    my $pid = HashpayHA::reply($node->{port}, 'GET',
                               "hashpay:pending:hagift:$u");
    my $code = HashpayHA::reply($node->{port}, 'HGET',
                                "hashpay:purchase:$pid", 'code');
    push @confirm, [ 'confirm', $id0 + 10 * $i + 1, $u, $code ];
}

measure('confirmed', 0, $node, $edge, @confirm);
measure('duplicate (intent)', 0, $node, $edge, @intent);

# the stock ($N) is sold: the next users' intents are refused
my @sold_out = map { [ 'intent', $id0 + 10 * $_, HashpayLoad::puser(1, $_),
                       '' ] } $N + 1 .. 2 * $N;
measure('rejected (sold_out)', 0, $node, $edge, @sold_out);

my @ignored = map {
    [ 'post', $id0 + 10 * $_ + 5, HashpayLoad::puser(1, $_), 'SummerVibes' ]
} 1 .. $N;
measure('ignored (no_offer)', 2, $node, $edge, @ignored);

@txn = map { [ 'txn', $id0 + 10 * $_ + 2, HashpayLoad::tuser(1, $_), $ts ] }
       1 .. $N;
measure('credited', 0, $node, $edge, @txn);
measure('duplicate (txn)', 0, $node, $edge, @txn);

my @no_claim = map {
    [ 'txn', $id0 + 10 * $_ + 3, HashpayLoad::tuser(1, $_), $ts ]
} 1 .. $N;
measure('no_claim', 0, $node, $edge, @no_claim);

HashpayHA::stop_nginx($edge);

# the same edge with a replica and hashpay_redis_wait: WAIT per request
my $replica = HashpayHA::spawn_redis_node(replicaof => $node->{port});
$edge = HashpayHA::spawn_nginx(
    workers => 1,
    http => "    hashpay_redis 127.0.0.1:$node->{port};\n"
          . "    hashpay_redis_wait 1 100ms;\n",
    server => HashpayLoad::edge_server());
HashpayLoad::send_req($edge->{port}, HashpayLoad::request_of(
    'intent', 1590000000000000001, '1', ''));
@txn = map { [ 'txn', $id0 + 10 * $_ + 4, HashpayLoad::tuser(1, $_ + $N),
               $ts ] } 1 .. $N;
measure('credited, wait 1', 0, $node, $edge, @txn);
@no_claim = map {
    [ 'txn', $id0 + 10 * $_ + 6, HashpayLoad::tuser(1, $_), $ts ]
} 1 .. $N;
measure('no_claim, wait 1', 0, $node, $edge, @no_claim);

HashpayHA::stop_all();

# ------------------------------------------------------------- part 2

exit 0 if $ENV{BENCH_SKIP_WRK};

my %rps;
my $duration = $ENV{BENCH_DURATION} || '5s';
my $busers = $ENV{BENCH_USERS} || 150000;

for my $w (1, 2) {
    for my $script ('transactions', 'purchase') {
        local $ENV{BENCH_WORKERS} = $w;
        local $ENV{BENCH_DURATION} = $duration;
        local $ENV{BENCH_USERS} = $busers;
        print "\n--- BENCH_WORKERS=$w BENCH_DURATION=$duration "
            . "BENCH_USERS=$busers sh bench/$script.sh\n";
        my $out = `cd $ROOT && sh bench/$script.sh 2>&1`;
        if ($?) {
            my @l = split /\n/, $out;
            print "bench/$script.sh exited $?:\n",
                  map { "  $_\n" } @l[($#l > 15 ? $#l - 15 : 0) .. $#l];
        }

        for my $line (split /\n/, $out) {
            if ($line =~ /^(credited\ \(500\)|no_claim\ \(0\)
                           |intent\ \(created\)|confirm\ \(confirmed\)
                           |ping\ \(return\ 204\))
                           \s+(\d+(?:\.\d+)?)/x) {
                $rps{"$script $1"}{$w} = $2;
                print "$line\n";
            }
        }
    }
}

print "\nwebhooks per second per edge (wrk, one run each)\n";
printf "%-36s %12s %12s %8s\n", '', '1 worker', '2 workers', '2 / 1';

for my $k (sort keys %rps) {
    my ($a, $b) = ($rps{$k}{1} // 0, $rps{$k}{2} // 0);
    printf "%-36s %12s %12s %8s\n", $k, $a, $b,
           $a ? sprintf('%.2f', $b / $a) : '-';
}
