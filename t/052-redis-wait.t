# hashpay_redis_wait (SPEC section 10, "Durability"): a request that
# changes state is answered only once that many replicas hold the change
# (WAIT after its scripts); otherwise 503 with Retry-After, so that the
# sender delivers again, and the redelivery, once replicas are back, is
# "duplicate" with no second effect.  Reading needs no replica.
#
# A primary and a replica of this file's own; the replica is attached and
# detached with REPLICAOF.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use HashpayTest qw(spawn_redis stop_redis redis_reply);
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

our $Primary = spawn_redis();
our $Replica = spawn_redis();

$ENV{TEST_NGINX_PRIMARY_PORT} = $Primary->{port};

END {
    stop_redis($Primary) if $Primary;
    stop_redis($Replica) if $Replica;
}

# the replica follows the primary (1) or nobody (0); waits until the
# primary sees it connected, or not
sub replica {
    my ($on) = @_;
    my @cmd = $on ? ('REPLICAOF', '127.0.0.1', $Primary->{port})
                  : ('REPLICAOF', 'NO', 'ONE');
    redis_reply({ port => $Replica->{port} }, @cmd);

    for (1 .. 200) {
        my $info = redis_reply({ port => $Primary->{port} }, 'INFO',
                               'replication');
        my ($n) = $info =~ /connected_slaves:(\d+)/;
        my $up = $on ? redis_reply({ port => $Replica->{port} }, 'INFO',
                                   'replication') =~ /master_link_status:up/
                     : 1;
        return if $n == ($on ? 1 : 0) && $up;
        Time::HiRes::sleep(0.05);
    }

    die "replica did not " . ($on ? 'attach' : 'detach');
}

# a command on the primary, or the replica
sub on_primary { HashpayTest::redis({ port => $Primary->{port} }, @_) }
sub on_replica { HashpayTest::redis({ port => $Replica->{port} }, @_) }

sub seed {
    on_primary('FLUSHALL');
    for my $line (split /\n/, ::cashback_offer('CoffeeBack')
                              . ::linked($::ALICE)) {
        on_primary(split ' ', $line);
    }
}

sub post_tweet {
    my ($body) = @_;
    my ($status, $head, $rbody) = ::http('POST', '/webhooks/x', $body,
        'x-twitter-webhooks-signature: ' . HashpayTest::sign('test-consumer-secret', $body));
    return ($status, $rbody, $head);
}

our $CLAIM = ::dl(::tw(id => '7001', tags => ['CoffeeBack']));

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

location = /ping {
    return 204;
}
CONFIG

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a replica attached: the claim is on the replica when the answer comes
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PRIMARY_PORT timeout=3s;
hashpay_redis_wait 1 1s;
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    ::replica(1);
    ::seed();
    my ($status, $body) = ::post_tweet($::CLAIM);
    Test::More::is($status, 200, 'answered 200');
    Test::More::like($body, qr/"outcome":"claim_saved"/, 'claim_saved');
    Test::More::is(::on_replica('HGET', 'hashpay:claim:clm_1', 'state'),
                   'saved', 'the replica holds the claim already');
    Test::More::is(::on_replica('GET', 'hashpay:tweet:7001'),
                   'claim_saved:', 'and the tweet record');
}]
--- no_error_log
[error]



=== TEST 2: no replica: 503, the change is on the primary; redelivered once a replica is back: duplicate
The tweet is recorded on the primary (scripts are atomic, WAIT comes
after), so the redelivery has no second effect.  A GET of the admin API
does not wait.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PRIMARY_PORT timeout=3s;
hashpay_redis_wait 1 300ms;
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    ::replica(0);
    ::seed();
    my $t0 = Time::HiRes::time();
    my ($status, $body, $head) = ::post_tweet($::CLAIM);
    my $took = Time::HiRes::time() - $t0;
    Test::More::is($status, 503, 'no replica: 503');
    Test::More::is($body, '{"error":"redis_unavailable"}', 'redis_unavailable');
    Test::More::like($head, qr/^Retry-After: 1\r?$/mi, 'Retry-After: 1');
    Test::More::ok($took >= 0.25, sprintf('waited for WAIT (%.2f s)', $took));
    Test::More::is(HashpayTest::wait_log('not enough replicas acknowledged'),
                   1, 'logged');
    Test::More::is(::on_primary('HGET', 'hashpay:claim:clm_1', 'state'),
                   'saved', 'the primary holds the claim');

    my ($gs) = ::http('GET', '/admin/offers/CoffeeBack',
                      undef, 'Authorization: Bearer test-admin-token');
    Test::More::is($gs, 200, 'an admin GET does not wait');

    ::replica(1);
    ($status, $body) = ::post_tweet($::CLAIM);
    Test::More::is($status, 200, 'redelivered with a replica: 200');
    Test::More::like($body, qr/"outcome":"duplicate"/, 'duplicate');
    Test::More::is(::on_primary('GET', 'hashpay:claim_seq'), '1',
                   'one claim in all');
    Test::More::is(::on_replica('HGET', 'hashpay:claim:clm_1', 'state'),
                   'saved', 'now on the replica');
}]



=== TEST 3: a card transaction and an admin PUT wait too
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PRIMARY_PORT timeout=3s;
hashpay_redis_wait 1 200ms;
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    ::replica(0);
    ::seed();
    my $body = ::txn(txn_id => 'txn_w1');
    my $ts = time();
    my ($s1) = ::http('POST', '/webhooks/card', $body, 'webhook-id: msg_w1',
                      "webhook-timestamp: $ts",
                      'webhook-signature: '
                      . ::sw_sign($::SECRET_A, 'msg_w1', $ts, $body));
    Test::More::is($s1, 503, 'transaction without a replica: 503');
    my ($s2) = ::http('PUT', '/admin/links/' . $::BOB,
                      '{"card_token":"tok_bob1","screen_name":"bob"}',
                      'Authorization: Bearer test-admin-token');
    Test::More::is($s2, 503, 'admin PUT without a replica: 503');
    Test::More::is(::on_primary('HGET', "hashpay:link:$::BOB", 'card_token'),
                   'tok_bob1', 'the link is on the primary');
}]



=== TEST 4: nginx -t: the wait must end before the command timeout
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PRIMARY_PORT timeout=1s;
hashpay_redis_wait 1 1s;
--- config eval: $::CONFIG
--- must_die
--- suppress_stderr
--- error_log
"hashpay_redis_wait" timeout 1000 ms must be shorter than the "hashpay_redis" timeout= (1000 ms)



=== TEST 5: nginx -t: replicas 0 is refused
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PRIMARY_PORT;
hashpay_redis_wait 0 100ms;
--- config eval: $::CONFIG
--- must_die
--- suppress_stderr
--- error_log
invalid number of replicas "0" in "hashpay_redis_wait": 1-1000



=== TEST 6: nginx -t: without hashpay_redis
--- http_config
hashpay_redis_wait 1 100ms;
--- config
location = /ping {
    return 204;
}
--- must_die
--- suppress_stderr
--- error_log
"hashpay_redis_wait" requires "hashpay_redis"



=== TEST 7: "off" waits for nothing: 200 without a replica
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_PRIMARY_PORT;
hashpay_redis_wait off;
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- after_each eval
[sub {
    ::replica(0);
    ::seed();
    my ($status, $body) = ::post_tweet($::CLAIM);
    Test::More::is($status, 200, 'answered 200');
    Test::More::like($body, qr/"outcome":"claim_saved"/, 'claim_saved');
}]
