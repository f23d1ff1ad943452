# Reconnection delays with jitter (issue 13, point 1): four worker
# processes lose Redis (nothing listens at its address) at the same
# instant and must not all come back in the same millisecond.  The delays
# are read from the debug traces "hashpay redis: reconnecting in N ms":
# the first of each worker within 100-300 ms, every next one within
# 100 ms .. min(2 s, 3 x the previous), and not the same for every
# worker.  The function itself is unit-tested in t/unit/test_backoff.c.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use HashpayTest;

workers(4);
master_on();

$ENV{TEST_NGINX_DEAD_PORT} = HashpayTest::free_port();

# { pid => [ delays in order ] }, from the whole error.log: the first
# attempts come before the block's requests
sub delays {
    my %d;

    open(my $fh, '<', HashpayTest::error_log_file()) or return \%d;

    while (<$fh>) {
        my ($pid, $ms) = /\[debug\] (\d+)#\d+: hashpay redis: reconnecting in (\d+) ms$/
            or next;
        push @{ $d{$pid} }, $ms;
    }

    close $fh;

    return \%d;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: four workers, Redis unreachable: jittered, bounded delays
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- request
GET /ping
--- error_code: 204
--- timeout: 10
--- after_each eval
[ sub {
    Time::HiRes::sleep(4);
    my $d = main::delays();
    my @pids = sort keys %$d;

    Test::More::is(scalar @pids, 4, 'every worker retried');

    my (@first, $good_first, $bad_next, $n);

    for my $pid (@pids) {
        my @ms = @{ $d->{$pid} };
        $n += @ms;
        push @first, $ms[0];
        $good_first++ if $ms[0] >= 100 && $ms[0] <= 300;

        for my $i (1 .. $#ms) {
            my $hi = 3 * $ms[$i - 1];
            $hi = 2000 if $hi > 2000;
            $bad_next++ unless $ms[$i] >= 100 && $ms[$i] <= $hi;
        }
    }

    Test::More::cmp_ok($n, '>=', 8, "at least two attempts a worker ($n)");
    Test::More::is($good_first // 0, 4,
                   "first delays within 100-300 ms: @first");
    Test::More::is($bad_next // 0, 0,
                   'next delays within 100 ms .. min(2 s, 3 x previous)');

    my %distinct = map { $_ => 1 } @first;
    Test::More::cmp_ok(scalar keys %distinct, '>', 1,
                       'the workers do not all wait the same time');

    my %seqs = map { CORE::join(',', @{ $d->{$_} }[0 .. 2]) => 1 } @pids;
    Test::More::cmp_ok(scalar keys %seqs, '>', 1,
                       'nor follow the same sequence');
  } ]
--- error_log
connect failed
