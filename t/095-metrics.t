# Metrics (SPEC section 8; src/ngx_http_hashpay_metrics.c): Prometheus
# text of counters kept in shared memory, so one scrape sums every worker.
# Requests by endpoint and code, outcomes of tweets and transactions
# together, signature failures, Redis errors, workers connected, and a
# request duration histogram whose count is the number of requests.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use HashpayTest;
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

$ENV{TEST_NGINX_DEAD_PORT} = HashpayTest::free_port();

# two workers throughout: every figure is the sum of both
workers(2);
master_on();

our $CONFIG = <<'CONFIG';
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
}

location = /webhooks/card {
    hashpay_transactions;
    hashpay_transactions_secret whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X;
}

location /admin/ {
    hashpay_admin;
    hashpay_admin_token test-admin-token;
}

location = /metrics {
    hashpay_metrics;
}

location = /ping {
    return 204;
}
CONFIG

# a scrape: { 'name{labels}' => value }, and the text.  A request is
# counted at its log phase, which nginx runs after the lingering close of
# its connection, a moment after the client has read the answer and
# closed: scraped until two scrapes 50 ms apart agree (the scrapes' own
# endpoint="metrics" samples aside), for at most 5 s
sub scrape {
    my ($m, $body, $head) = scrape_once();

    for (1 .. 100) {
        Time::HiRes::sleep(0.05);
        my ($m2, $body2, $head2) = scrape_once();
        my $moved = grep { !/endpoint="metrics"/
                           && ($m->{$_} // '') ne ($m2->{$_} // '') }
                    keys %$m, keys %$m2;
        ($m, $body, $head) = ($m2, $body2, $head2);
        last unless $moved;
    }

    return ($m, $body, $head);
}

sub scrape_once {
    my ($status, $head, $body) = ::http('GET', '/metrics');
    die "scrape answered $status" unless $status eq '200';
    my %m;
    for (split /\n/, $body) {
        next if /^#/;
        /^(\S+) (\S+)$/ or die "not a sample line: $_";
        $m{$1} = $2;
    }
    return (\%m, $body, $head);
}

# a signed transaction sent now: (status, body)
sub send_txn {
    my ($id, %f) = @_;
    my $body = ::txn(%f);
    my $ts = time();
    my ($status, undef, $rbody) = ::http('POST', '/webhooks/card', $body,
        'Content-Type: application/json', "webhook-id: $id",
        "webhook-timestamp: $ts",
        'webhook-signature: ' . ::sw_sign($::SECRET_A, $id, $ts, $body));
    return ($status, $rbody);
}

sub post_tweet {
    my ($body, $sig) = @_;
    my ($status, undef, $rbody) = ::http('POST', '/webhooks/x', $body,
        'Content-Type: application/json',
        'x-twitter-webhooks-signature: ' . ($sig // HashpayTest::sign('test-consumer-secret', $body)));
    return ($status, $rbody);
}

sub hist_count {
    my ($m, $ep) = @_;
    return $m->{"hashpay_request_duration_seconds_count{endpoint=\"$ep\"}"};
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: every family, counted from requests of every endpoint
Signature failures of both signed endpoints, an ignored, a claim_saved and
a duplicate tweet, a credited and a no_claim transaction, an admin 401;
HELP and TYPE for each family; histogram buckets cumulative, count = the
endpoint's requests, +Inf = count.
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::cashback_offer('CoffeeBack', claimed => 1) . ::linked($::ALICE)
. ::claim(id => 'clm_1')
--- after_each eval
[sub {
    my $claim = ::dl(::tw(id => '5001', tags => ['CoffeeBack']));
    my @r = (
        [::post_tweet('{"tweet_create_events":[]}', 'sha256=AAAA')],
        [::post_tweet(::dl(::tw(id => '5002', tags => ['Nothing'])))],
        [::post_tweet($claim)],
        [::post_tweet($claim)],
        [::send_txn('msg_1', txn_id => 'txn_1')],
        [::send_txn('msg_2', txn_id => 'txn_2')],
        [::http('POST', '/webhooks/card', '{}', 'webhook-id: x')],
        [::http('GET', '/admin/offers')],
    );
    Test::More::is(CORE::join(' ', map { $_->[0] } @r),
                   '401 200 200 200 200 200 401 401', 'the answers');

    my ($m, $text, $head) = ::scrape();

    Test::More::like($head, qr{^Content-Type: text/plain; version=0\.0\.4; charset=utf-8\r?$}mi,
                     'Prometheus text content type');

    for my $f (qw(requests_total outcomes_total signature_failures_total
                  redis_errors_total)) {
        Test::More::like($text, qr/^# HELP hashpay_$f \S.*\n# TYPE hashpay_$f counter$/m,
                         "$f: HELP and TYPE counter");
    }
    Test::More::like($text, qr/^# TYPE hashpay_redis_connected gauge$/m,
                     'redis_connected: gauge');
    Test::More::like($text, qr/^# TYPE hashpay_request_duration_seconds histogram$/m,
                     'duration: histogram');

    my %want = (
        'hashpay_requests_total{endpoint="webhook",code="401"}' => 1,
        'hashpay_requests_total{endpoint="webhook",code="200"}' => 3,
        'hashpay_requests_total{endpoint="transactions",code="200"}' => 2,
        'hashpay_requests_total{endpoint="transactions",code="401"}' => 1,
        'hashpay_requests_total{endpoint="admin",code="401"}' => 1,
        'hashpay_outcomes_total{outcome="ignored"}' => 1,
        'hashpay_outcomes_total{outcome="claim_saved"}' => 1,
        'hashpay_outcomes_total{outcome="duplicate"}' => 1,
        'hashpay_outcomes_total{outcome="credited"}' => 1,
        'hashpay_outcomes_total{outcome="no_claim"}' => 1,
        'hashpay_outcomes_total{outcome="intent_created"}' => 0,
        'hashpay_outcomes_total{outcome="confirmed"}' => 0,
        'hashpay_outcomes_total{outcome="rejected"}' => 0,
        'hashpay_signature_failures_total{endpoint="webhook"}' => 1,
        'hashpay_signature_failures_total{endpoint="transactions"}' => 1,
        'hashpay_redis_errors_total' => 0,
    );
    for my $k (sort keys %want) {
        Test::More::is($m->{$k}, $want{$k}, $k);
    }

    my @codes = grep { /^hashpay_requests_total\{/
                       && !/endpoint="metrics"/ } keys %$m;
    Test::More::is(scalar(@codes), 5, 'no other request series')
        or Test::More::diag(CORE::join "\n", sort @codes);

    Test::More::is(::hist_count($m, 'webhook'), 4, 'webhook: count 4');
    Test::More::is(::hist_count($m, 'transactions'), 3, 'transactions: count 3');
    Test::More::is(::hist_count($m, 'admin'), 1, 'admin: count 1');

    for my $ep (qw(webhook transactions admin metrics)) {
        my @b = map { $m->{"hashpay_request_duration_seconds_bucket{endpoint=\"$ep\",le=\"$_\"}"} }
                qw(0.001 0.002 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf);
        Test::More::is(scalar(grep { defined } @b), 14, "$ep: 14 buckets");
        Test::More::ok(!grep({ $b[$_] < $b[$_ - 1] } 1 .. $#b),
                       "$ep: buckets cumulative");
        Test::More::is($b[-1], ::hist_count($m, $ep), "$ep: +Inf = count");
        Test::More::like($m->{"hashpay_request_duration_seconds_sum{endpoint=\"$ep\"}"},
                         qr/^\d+\.\d{3}$/, "$ep: sum in seconds");
    }
}]



=== TEST 2: the scrape itself is counted, once it is answered
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    my ($m1) = ::scrape_once();
    my ($m2) = ::scrape_once();
    my $k = 'hashpay_requests_total{endpoint="metrics",code="200"}';
    Test::More::is(($m2->{$k} // 0) - ($m1->{$k} // 0), 1,
                   'one more scrape between the two');
}]



=== TEST 3: only GET and HEAD
--- config eval: $::CONFIG
--- request eval
["POST /metrics\nx", "HEAD /metrics"]
--- error_code eval
[405, 200]
--- response_headers eval
[{ Allow => 'GET, HEAD' },
 { 'Content-Type' => 'text/plain; version=0.0.4; charset=utf-8' }]
--- response_body eval
['{"error":"method_not_allowed"}', '']



=== TEST 4: Redis away: redis_errors_total counts the 503s, no worker connected
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    my @s = map { (::send_txn("msg_d$_", txn_id => "txn_d$_"))[0] } 1 .. 3;
    push @s, (::post_tweet(::dl(::tw(id => '5101', tags => ['Gift']))))[0];
    Test::More::is("@s", '503 503 503 503', 'four 503');
    # a request is counted at its log phase, which nginx runs after the
    # lingering close of a POST: poll until the last one is counted
    my $m;
    for (1 .. 100) {
        ($m) = ::scrape();
        last if ($m->{hashpay_redis_errors_total} // 0) >= 4
                && ($m->{'hashpay_requests_total{endpoint="transactions",code="503"}'} // 0) >= 3;
        Time::HiRes::sleep(0.05);
    }
    Test::More::is($m->{hashpay_redis_errors_total}, 4, 'redis_errors_total 4');
    Test::More::is($m->{hashpay_redis_connected}, 0, 'redis_connected 0');
    Test::More::is($m->{'hashpay_requests_total{endpoint="transactions",code="503"}'},
                   3, 'the 503s by endpoint');
}]



=== TEST 5: one scrape sums both workers, and both are connected
Forty transactions on forty connections are shared by the two workers;
every scrape, whichever worker answers it, counts forty.
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    my @r = ::post_many([ 1 .. 40 ],
                        send => sub { ::send_txn("msg_w$_[0]",
                                                 txn_id => "txn_w$_[0]") });
    Test::More::is(scalar(grep { $_->[0] eq '200' } @r), 40, '40 answered');
    my $k = 'hashpay_requests_total{endpoint="transactions",code="200"}';
    my (%seen, $connected);
    for (1 .. 6) {
        my ($m) = ::scrape();
        $seen{$m->{$k}}++;
    }
    Test::More::is(CORE::join(',', sort keys %seen), '40', 'every scrape counts 40');
    for (1 .. 40) {
        ($connected) = map { $_->{hashpay_redis_connected} } (::scrape())[0];
        last if $connected == 2;
        Time::HiRes::sleep(0.05);
    }
    Test::More::is($connected, 2, 'two workers connected');
}]
--- timeout: 20



=== TEST 6: hashpay_metrics twice: nginx refuses to start
--- config
location = /metrics {
    hashpay_metrics;
    hashpay_metrics;
}
--- must_die
--- suppress_stderr
--- error_log
"hashpay_metrics" directive is duplicate



=== TEST 7: hashpay_build_info carries VERSION, and each worker logs it
The version is the one line of VERSION; each of the two workers says it
at info when it starts.
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    open my $fh, '<', 'VERSION' or die "VERSION: $!";
    CORE::chomp(my $v = <$fh>);
    close $fh;
    my ($m, $text) = ::scrape();
    Test::More::like($text, qr/^# TYPE hashpay_build_info gauge$/m,
                     'build_info: gauge');
    my @info = grep { /^hashpay_build_info\{/ } keys %$m;
    Test::More::is("@info", "hashpay_build_info{version=\"$v\"}",
                   'one build_info series, the version of VERSION');
    Test::More::is($m->{$info[0] // ''}, 1, 'its value is 1');
}]
--- grep_error_log eval: qr/hashpay \S+ worker started/
--- grep_error_log_out eval
do {
    open my $fh, '<', 'VERSION' or die "VERSION: $!";
    CORE::chomp(my $v = <$fh>);
    "hashpay $v worker started\n" x 2;
}
