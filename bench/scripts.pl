#!/usr/bin/perl
# Redis CPU per script call, per outcome (issue 14 point 2): the scripts of
# src/lua called directly by EVALSHA on a private redis-server, with the
# arguments the module sends, each scenario measured alone from
# INFO commandstats (CONFIG RESETSTAT before it; usec_per_call of evalsha
# is the time Redis spent inside the script and its calls).  No nginx:
# this is the cost every edge puts on the one primary they share.
#
#   perl bench/scripts.pl [calls per scenario, default 5000] [tree]
#
# Scenarios, each without and with hashpay_events_group ("group"):
#   no_offer      a post with two hashtags that name no offer (5 codes)
#   intent        a linked user's first post naming a purchase offer
#   confirm       the confirmation of each of those intents
#   claim         a linked user's post naming a cashback offer
#   credited      a card transaction that redeems each of those claims
#   no_claim      a card transaction of a card linked to nobody
# Prints one line per scenario: calls, usec_per_call, Redis calls per
# script call (from the commandstats of every other command).
#
# CALLGRIND=1 runs the redis-server under valgrind --tool=callgrind and
# adds the instructions it executed per script call (reading the
# command, the script, its calls, the reply): a count that does not
# depend on what else the machine runs, where time on a shared machine
# does (about 50 times slower: use fewer calls, e.g. 1000).

use strict;
use warnings;
use IO::Socket::INET;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);
use POSIX ();

my $TCK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

my $N = shift || 5000;
# the tree whose scripts are measured (another checkout, to compare)
my $root = shift || ($0 =~ m{^(.*)/bench/} ? $1 : '.');
my $dir = tempdir(CLEANUP => 1);

# ------------------------------------------------------------ redis-server

my $port = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1) or die "no port: $!";
    my $p = $s->sockport;
    close $s;
    $p;
};

my $pid = fork // die "fork: $!";
if ($pid == 0) {
    open STDOUT, '>', "$dir/redis.log";
    open STDERR, '>&', \*STDOUT;
    my @vg = $ENV{CALLGRIND}
        ? ('valgrind', '--tool=callgrind', "--callgrind-out-file=$dir/cg.%p")
        : ();
    exec @vg, 'redis-server', '--port', $port, '--bind', '127.0.0.1',
         '--save', '', '--appendonly', 'no', '--dir', $dir;
    die "redis-server: $!";
}
END { if ($pid) { kill 'TERM', $pid; waitpid $pid, 0 } }

my $sock;
for (1 .. ($ENV{CALLGRIND} ? 600 : 100)) {
    $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
        and last;
    sleep 0.05;
}
die "redis-server did not start\n" unless $sock;
binmode $sock;

sub enc {
    my $s = '*' . scalar(@_) . "\r\n";
    $s .= '$' . length($_) . "\r\n$_\r\n" for @_;
    return $s;
}

sub rd {
    my $line = <$sock>;
    die "redis closed\n" unless defined $line;
    $line =~ s/\r\n$//;
    my ($t, $v) = (substr($line, 0, 1), substr($line, 1));
    return $v if $t eq '+' || $t eq ':';
    return { err => $v } if $t eq '-';
    if ($t eq '$') {
        return undef if $v < 0;
        my $buf = '';
        while (length($buf) < $v + 2) {
            read($sock, $buf, $v + 2 - length($buf), length($buf))
                or die "short read\n";
        }
        return substr($buf, 0, $v);
    }
    if ($t eq '*') {
        return undef if $v < 0;
        return [ map { rd() } 1 .. $v ];
    }
    die "bad reply $line\n";
}

sub cmd { print $sock enc(@_); return rd() }

# pipelined, 100 at a time; returns the replies
sub many {
    my @replies;
    my @cmds = @_;
    while (my @chunk = splice(@cmds, 0, 100)) {
        print $sock join('', map { enc(@$_) } @chunk);
        push @replies, rd() for @chunk;
    }
    return @replies;
}

# ------------------------------------------------------------ scripts

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    my $s = <$fh>;
    $s .= "\n" unless $s =~ /\n\z/;
    return $s;
}

my %sha;
for my $name (qw(tweet transaction link_put offer_put)) {
    # the source as the module sends it: util/lua2c.sh's own assembly
    my $src = `sh $root/util/lua2c.sh $root/src/lua lua $name 2>/dev/null`;
    if ($? != 0 || $src eq '') {
        # an older tree: every helper in front of every script
        $src = join('', map { slurp($_) } sort(glob("$root/src/lua/_*.lua")),
                    "$root/src/lua/$name.lua");
    }
    my $r = cmd('SCRIPT', 'LOAD', $src);
    die "SCRIPT LOAD $name: $r->{err}\n" if ref $r;
    $sha{$name} = $r;
}

my $P = '{hp}';
my $EV = "$P:events";
my $TTL = 48 * 3600 * 1000;

sub evalsha {
    my ($name, @args) = @_;
    return [ 'EVALSHA', $sha{$name}, 1, @args ];
}

sub offer_put {
    my ($tag, $kind, %o) = @_;
    my $r = cmd(@{ evalsha('offer_put', "$P:offer:$tag", $P, $tag, $tag,
        $kind, "T $tag", $o{price} // '', 'USD', 1000000000, 1, '', '', 0,
        $o{merchant} // '', $o{cashback} // '', $o{min_spend} // '') });
    die "offer_put: $r->{err}\n" if ref $r eq 'HASH';
}

sub link_put {
    my ($user, $card) = @_;
    return evalsha('link_put', "$P:link:$user", $P, $user, $card, "n$user");
}

my $seq = 0;
sub code { sprintf 'C%07d', ++$seq }

sub tweet {
    my ($policy, %t) = @_;
    my @codes = $t{code} ? () : @{ $t{codes} };
    return evalsha('tweet', $EV, $P, $policy, $TTL, 900000, $t{id},
        $t{user}, "n$t{user}", 1262304000000, time() * 1000,
        $t{code} // '', 'Confirm', scalar(@codes), '', @codes,
        @{ $t{tags} });
}

sub txn {
    my ($policy, %x) = @_;
    return evalsha('transaction', $EV, $P, $policy, $TTL, "wh_$x{id}",
        "tx_$x{id}", $x{card}, 'm1', 5000, 'USD', time());
}

# the redis-server's CPU time so far (user + system), in microseconds:
# unlike usec_per_call (wall clock inside Redis), not inflated when other
# processes take the CPU away in the middle of a script
sub cpu_usec {
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh>;
    $stat =~ s/^.*\) //;
    my @f = split ' ', $stat;
    return ($f[11] + $f[12]) * 1e6 / $TCK;
}

sub stats {
    my $info = cmd('INFO', 'commandstats');
    my %s;
    while ($info =~ /^cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/mg) {
        $s{$1} = { calls => $2, usec => $3 };
    }
    return \%s;
}

my @rows;

# callgrind: zero the counts before a scenario, dump them after it and
# read the total (the newest dump file)
sub callgrind {
    my ($what) = @_;
    system("callgrind_control -$what $pid > /dev/null 2>&1") == 0
        or die "callgrind_control -$what failed\n";
    return 0 if $what eq 'z';
    my ($f) = sort { -M $a <=> -M $b } glob("$dir/cg.$pid.*");
    open my $fh, '<', $f or die "$f: $!";
    my $ir = 0;
    while (<$fh>) {
        $ir = $1 if /^(?:summary|totals): (\d+)/;
    }
    close $fh;
    unlink $f;
    return $ir;
}

sub measure {
    my ($name, $want, $cmds) = @_;
    cmd('CONFIG', 'RESETSTAT');
    callgrind('z') if $ENV{CALLGRIND};
    my $cpu = cpu_usec();
    my @r = many(@$cmds);
    $cpu = cpu_usec() - $cpu;
    my $ir = $ENV{CALLGRIND} ? callgrind('d') : 0;
    my $s = stats();
    my $bad = 0;
    for my $r (@r) {
        my $got = ref $r eq 'ARRAY' ? $r->[0] : ref $r ? $r->{err} : $r;
        $bad++ unless defined $got && $got eq $want;
        warn "$name: got " . (defined $got ? $got : 'nil') . "\n"
            if $bad == 1 && !(defined $got && $got eq $want);
    }
    my $e = $s->{evalsha} or die "no evalsha stats\n";
    my $inner = 0;
    my @what;
    for my $c (sort keys %$s) {
        next if $c eq 'evalsha' || $c eq 'config|resetstat';
        $inner += $s->{$c}{calls};
        push @what, sprintf '%s %.1f', $c, $s->{$c}{calls} / $e->{calls};
    }
    push @rows, sprintf "%-16s %6d calls %7.1f usec/call %7.1f cpu usec/call"
        . " %5.1f redis calls/call%s",
        $name, $e->{calls}, $e->{usec} / $e->{calls}, $cpu / $e->{calls},
        $inner / $e->{calls},
        $bad ? "  ($bad wrong answers)" : '';
    $rows[-1] .= sprintf ' %6.0f kIr/call', $ir / 1000 / @$cmds
        if $ENV{CALLGRIND};
    push @rows, "    " . join(', ', @what) if $ENV{VERBOSE};
}

for my $mode ('', 'group') {
    cmd('FLUSHALL');
    my $policy = $mode ? '1000000 g' : '1000000';
    my $tag = $mode ? "[group]" : '';

    offer_put('deal', 'purchase', price => 1999);
    offer_put('back', 'cashback', merchant => 'm1', cashback => 100,
              min_spend => 1000);

    my @users = map { "u$mode$_" } 1 .. $N;
    many(map { link_put($_, "tok_$_") } @users);

    my @none = map {
        tweet($policy, id => "n$mode$_", user => $users[$_ - 1],
              codes => [ map { code() } 1 .. 5 ], tags => [qw(foo bar)])
    } 1 .. $N;
    measure("no_offer$tag", 'ignored', \@none);

    my (@intents, @codes);
    for my $i (1 .. $N) {
        my @c = map { code() } 1 .. 5;
        push @codes, $c[0];
        push @intents, tweet($policy, id => "i$mode$i", user => $users[$i - 1],
                             codes => \@c, tags => [qw(foo deal)]);
    }
    measure("intent$tag", 'intent_created', \@intents);

    my @confirms = map {
        tweet($policy, id => "c$mode$_", user => $users[$_ - 1],
              code => $codes[$_ - 1], tags => [])
    } 1 .. $N;
    measure("confirm$tag", 'confirmed', \@confirms);

    my @claims = map {
        tweet($policy, id => "k$mode$_", user => $users[$_ - 1],
              codes => [ map { code() } 1 .. 5 ], tags => ['back'])
    } 1 .. $N;
    measure("claim$tag", 'claim_saved', \@claims);

    my @txns = map { txn($policy, id => "$mode$_", card => "tok_$users[$_ - 1]") }
               1 .. $N;
    measure("credited$tag", 'credited', \@txns);

    my @none_txns = map { txn($policy, id => "z$mode$_", card => "nobody$_") }
                    1 .. $N;
    measure("no_claim$tag", 'no_claim', \@none_txns);
}

my $v = cmd('INFO', 'server');
my ($ver) = $v =~ /redis_version:(\S+)/;
print "redis $ver, $N calls per scenario\n";
print "$_\n" for @rows;
