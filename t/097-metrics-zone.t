# The metrics text and its zone (src/ngx_http_hashpay_metrics.c): the
# text is measured exactly before it is printed into one buffer (no fixed
# guess), whatever the number of series; a reload reuses the zone of the
# running nginx after checking its layout, and the counters go on.
#
# A zone of another layout cannot be handed over by a reload of the same
# nginx (nginx reuses a zone only for the same module at the same size),
# so the refusal itself is not provoked here.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use HashpayTest;
use HashpayTxn;

# two workers: a scrape answered by either sums both; a reload needs the
# master
workers(2);
master_on();

# a code of each kind a location can answer with "return": 2xx, 4xx and
# 5xx, but those nginx never sends (408, 444, 499 close the connection)
# or sends as another (494-497 are 400)
our @CODES = grep { !/^(?:408|444|49[4-79])$/ } (200 .. 299, 400 .. 599);

our $MANY = CORE::join('', map { <<"LOC" } @CODES) . <<'METRICS';
location = /c/$_ {
    hashpay_admin;
    hashpay_admin_token test-admin-token;
    return $_;
}
LOC
location = /metrics {
    hashpay_metrics;
}
METRICS

our $CONFIG = <<'CONFIG';
location = /webhooks/card {
    hashpay_transactions;
    hashpay_transactions_secret whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X;
}

location = /metrics {
    hashpay_metrics;
}

location = /ping {
    return 204;
}
CONFIG

# a scrape: ({ 'name{labels}' => value }, text, headers); every line of
# the text is a comment or a sample
sub scrape {
    my ($method) = @_;
    my ($status, $head, $body) = ::http($method // 'GET', '/metrics');
    die "scrape answered $status" unless $status eq '200';
    my %m;
    for (split /\n/, $body) {
        next if /^#/;
        /^(\S+) (\S+)$/ or die "not a sample line: $_";
        $m{$1} = $2;
    }
    return (\%m, $body, $head);
}

sub code_series {
    my ($m) = @_;
    return grep { /^hashpay_requests_total\{endpoint="admin"/ } keys %$m;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: many series: the text is complete and its length exact
A request answered with each of 293 codes makes 293 series of
hashpay_requests_total, more than 16 KB of text: every one is printed,
the text ends with the last line of the histogram, and Content-Length is
its length, for GET and for HEAD.
--- config eval: $::MANY
--- request
GET /metrics
--- error_code: 200
--- after_each eval
[sub {
    my @bad = grep { my $c = $_;
                     (::http('GET', "/c/$c"))[0] ne $c } @::CODES;
    Test::More::is("@bad", '', 'every location answered its code');

    # the log phase counts once the request is done: poll
    my ($m, $text, $head);
    for (1 .. 100) {
        ($m, $text, $head) = ::scrape();
        last if ::code_series($m) == @::CODES;
        Time::HiRes::sleep(0.05);
    }

    Test::More::is(scalar(::code_series($m)), scalar(@::CODES),
                   'a series for every code');
    my @wrong = grep {
        ($m->{"hashpay_requests_total{endpoint=\"admin\",code=\"$_\"}"}
         // 'none') ne '1' } @::CODES;
    Test::More::is("@wrong", '', 'each code counted once');
    Test::More::cmp_ok(length($text), '>', 16384, 'more than 16 KB');
    my ($cl) = $head =~ /^Content-Length: (\d+)\r?$/mi;
    Test::More::is($cl, length($text), 'Content-Length is the length');
    Test::More::like($text,
        qr/\nhashpay_request_duration_seconds_count\{endpoint="metrics"\} \d+\n\z/,
        'the text ends with the last line of the histogram');
    Test::More::like($text, qr/^hashpay_build_info\{version="[^"]+"\} 1$/m,
                     'build_info printed');

    my ($status, $hhead, $hbody) = ::http('HEAD', '/metrics');
    my ($hcl) = $hhead =~ /^Content-Length: (\d+)\r?$/mi;
    Test::More::is($status, '200', 'HEAD 200');
    Test::More::is($hbody, '', 'HEAD: no body');
    Test::More::cmp_ok($hcl, '>', 16384, 'HEAD: the length of the text');
}]
--- no_error_log
[alert]
--- timeout: 30



=== TEST 2: a reload reuses the zone: the layout is checked, the counters go on
Counters before a reload (HUP to the master) are still there after it,
from the new workers, and nothing is refused.
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    my @s = map { (::http('POST', '/webhooks/card', '{}', 'webhook-id: x'))[0] }
            1 .. 3;
    Test::More::is("@s", '401 401 401', 'three unsigned transactions');

    my $k = 'hashpay_requests_total{endpoint="transactions",code="401"}';
    my $f = 'hashpay_signature_failures_total{endpoint="transactions"}';
    my $m;
    for (1 .. 100) {
        ($m) = ::scrape();
        last if ($m->{$k} // 0) == 3;
        Time::HiRes::sleep(0.05);
    }
    Test::More::is($m->{$k}, 3, 'counted before the reload');

    open my $fh, '<', $Test::Nginx::Util::PidFile or die "pid file: $!";
    CORE::chomp(my $master = <$fh>);
    close $fh;
    kill 'HUP', $master or die "HUP $master: $!";

    # the log is read from the start of the test: the workers of the
    # reload are the only ones that say they started
    my $started = 0;
    for (1 .. 200) {
        $started = () = HashpayTest::log_lines(qr/hashpay \S+ worker started/);
        last if $started >= 2;
        Time::HiRes::sleep(0.05);
    }
    Test::More::is($started, 2, 'two new workers started');

    my @after = map { (::http('POST', '/webhooks/card', '{}', 'webhook-id: y'))[0] }
                1 .. 2;
    Test::More::is("@after", '401 401', 'answered after the reload');

    for (1 .. 100) {
        ($m) = ::scrape();
        last if ($m->{$k} // 0) == 5 && ($m->{$f} // 0) == 5;
        Time::HiRes::sleep(0.05);
    }
    Test::More::is($m->{$k}, 5, 'requests: the counters went on');
    Test::More::is($m->{$f}, 5, 'signature failures: the counters went on');
}]
--- no_error_log
[emerg]
[alert]
--- timeout: 30
