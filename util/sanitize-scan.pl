#!/usr/bin/perl
# Reads the reports the memory checkers wrote during a t/ run and decides
# (util/sanitize.sh):
#
#     perl util/sanitize-scan.pl asan DIR       asan.PID and ubsan.PID files
#     perl util/sanitize-scan.pl valgrind DIR   vg.PID files
#
# asan: every AddressSanitizer error and every UBSan "runtime error" is a
# failure.  LeakSanitizer leaks: a leak (direct or indirect) whose
# allocation stack leaves nginx (see ours() below) is a failure; the
# others are nginx's own memory still held at exit (counted, not failed).
# valgrind: every error valgrind wrote (with -q it writes nothing else:
# t/valgrind.suppress already took nginx's own exit-time leaks away).
# Anything unrecognised in a log is a failure too: better a false alarm
# than a report nobody reads.
#
# Prints each failing report whole, then "N report(s)"; exits 1 if N > 0.

use strict;
use warnings;

my ($mode, $dir) = @ARGV;
die "usage: $0 asan|valgrind DIR\n"
    unless defined $dir && ($mode eq 'asan' || $mode eq 'valgrind');

opendir my $dh, $dir or die "$dir: $!\n";
my @files = sort grep { -f "$dir/$_" } readdir $dh;
closedir $dh;

my $failed = 0;
my $nginx_leaks = 0;
my %nginx_leak_files;

sub report {
    my ($file, $text) = @_;
    $failed++;
    print "---- $file\n$text\n";
}

sub slurp {
    my $path = shift;
    open my $in, '<', $path or die "$path: $!\n";
    local $/;
    my $t = <$in>;
    close $in;
    return defined $t ? $t : '';
}

# nginx dlclose()s its modules when it destroys the cycle on the way out,
# before the leak check runs: the module's frames are then printed as
# "<unknown module>" or, worse, as some other library whose mapping took
# the address (seen: libasan.so+0x6e6818).  So a leak is not judged by a
# frame of the module being there, but the other way round: it is nginx's
# own only if every frame of its allocation stack is nginx's or the C
# library's start-up (frame #0, the malloc interceptor, aside).  Every
# other leak (through libcrypto, hiredis, jansson, the module, or an
# address nothing can place) fails.
sub ours {
    my $text = shift;
    for my $line (split /\n/, $text) {
        next unless $line =~ /^\s*#(\d+) 0x[0-9a-f]+ (.*)$/;
        next if $1 == 0;
        my $where = $2;
        next if $where =~ m{\(/usr/sbin/nginx\+0x[0-9a-f]+\)\s*$};
        next if $where =~ m{^in (?:__libc_start_call_main|__libc_start_main_impl|_start) };
        return 1;
    }
    return 0;
}

for my $f (@files) {
    my $text = slurp("$dir/$f");
    next if $text !~ /\S/;

    if ($mode eq 'valgrind') {
        report($f, $text);
        next;
    }

    # asan.PID, ubsan.PID: one or more reports, each opened by a line of
    # '='s (the leak check at exit may write into either file); anything
    # but a leak report (an ASan error, a UBSan runtime error) fails
    for my $r (split /^={20,}\n/m, $text) {
        next if $r !~ /\S/;

        if ($r =~ /ERROR: LeakSanitizer: detected memory leaks/) {
            # one block a leak: "Direct/Indirect leak of ..." + its stack
            my @leaks = split /\n(?=(?:Direct|Indirect) leak of )/, $r;
            shift @leaks;
            for my $l (@leaks) {
                $l =~ s/\n+SUMMARY:.*//s;
                if (ours($l)) {
                    report($f, $l);
                } else {
                    $nginx_leaks++;
                    $nginx_leak_files{$f} = 1;
                }
            }
            next;
        }

        report($f, $r);
    }
}

if ($nginx_leaks) {
    printf "%d leak(s) at exit with every frame in nginx (its own), "
           . "in %d process(es): not failed\n",
           $nginx_leaks, scalar keys %nginx_leak_files;
}

print "$failed report(s)\n";
exit($failed ? 1 : 0);
