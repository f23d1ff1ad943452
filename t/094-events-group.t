# The operator's consumer group of the events stream (SPEC sections 3, 7,
# 8 and 10; hashpay_events_group, src/lua/_lib.lua hp.guard, hp.trim):
# the module creates the group (at connect, and again from the scripts if
# it went), never trims the stream past what the group has not
# acknowledged (XTRIM MINID every 100th event instead of MAXLEN ~), and
# while the group has hashpay_events_maxlen events unacknowledged (its
# pending entries plus the entries after its last-delivered id) every
# request that would append an event answers 503 events_backlog with
# Retry-After: 10, before anything changes; once the operator has
# acknowledged, the same redelivery acts.  Requests that cannot append an
# event proceed.  Without hashpay_events_group, MAXLEN ~ as before.
#
# Backlogs are planted straight into Redis; the operator's consumer is
# played by ack_all() (XREADGROUP + XACK) between two requests.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest qw(spawn_redis stop_redis redis_reply sign);
use HashpayFlow;
use HashpayCashback;
use HashpayTxn qw(sw_sign txn answer $SECRET_A);

our $Own = spawn_redis();

$ENV{TEST_NGINX_OWN_REDIS_PORT} = $Own->{port};
$ENV{TEST_NGINX_DEAD_PORT} = HashpayTest::free_port();

END {
    stop_redis($Own) if $Own;
}

our $SECRET = 'events-group-consumer-secret';
our $TOKEN = 'events-group-admin-token';
our $NOW_MS = int(time() * 1000);

our $CONFIG = <<"CONFIG";
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret $SECRET;
    hashpay_operator_accounts 15234567;
}

location = /webhooks/card {
    hashpay_transactions;
    hashpay_transactions_secret $SECRET_A;
}

location /hashpay/admin/ {
    hashpay_admin;
    hashpay_admin_token $TOKEN;
}

location = /hashpay/metrics {
    hashpay_metrics;
}
CONFIG

# http_config: the private Redis, the group ops, and a maxlen
sub group_conf {
    my ($maxlen, $port) = @_;
    $port //= HashpayTest::redis_port();
    return "hashpay_redis 127.0.0.1:$port;\n"
           . "hashpay_events_group ops;\n"
           . "hashpay_events_maxlen $maxlen;\n";
}

# [request, headers] pairs; reqs() and hdrs() split a list of them for
# --- request eval and --- more_headers eval
sub wh {
    my ($body) = @_;
    return [ "POST /webhooks/x\n$body",
             "x-twitter-webhooks-signature: " . sign($SECRET, $body)
             . "\nContent-Type: application/json" ];
}

sub card {
    my ($body, $id) = @_;
    my $ts = time();
    return [ "POST /webhooks/card\n$body",
             "webhook-id: $id\nwebhook-timestamp: $ts\nwebhook-signature: "
             . sw_sign($SECRET_A, $id, $ts, $body)
             . "\nContent-Type: application/json" ];
}

sub admin {
    my ($method, $path, $body) = @_;
    return [ "$method /hashpay/admin/$path"
             . (defined $body ? "\n$body" : ''),
             "Authorization: Bearer $TOKEN" ];
}

sub metrics { [ "GET /hashpay/metrics", "" ] }

sub reqs { [ map { $_->[0] } @_ ] }
sub hdrs { [ map { $_->[1] } @_ ] }

# alice's tweet with these hashtags, timed now
sub tweet {
    my ($id, @tags) = @_;
    return dl(tw(id => $id, tags => \@tags, ts => $NOW_MS));
}

# redis_init lines: the group ops at the end of the stream, then $n
# events it has not read (link.revoked of users 900..., event_id p<i>)
sub backlog {
    my ($n) = @_;
    my $s = "XGROUP CREATE hashpay:events ops \$ MKSTREAM\n";
    $s .= "XADD hashpay:events * type link.revoked data "
          . planted($_) . "\n" for 1 .. $n;
    return $s . "SET hashpay:event_seq $n\n";
}

sub planted {
    my ($i, $pad) = @_;
    return '{"event_id":"p' . $i . '","at":1700000000000,"user_id":"'
           . (9000000000000000000 + $i) . '"'
           . (defined $pad ? ',"pad":"' . $pad . '"' : '') . '}';
}

# redis_init lines: 61 entries 1-1 .. 1-61 of some 370 bytes (a stream
# node holds about 11 of them), link.revoked but the $confirmed-th,
# a purchase.confirmed
sub big_stream {
    my ($confirmed) = @_;
    my $pad = 'x' x 300;
    my $s = '';
    for my $i (1 .. 61) {
        $s .= "XADD hashpay:events 1-$i type "
              . (defined $confirmed && $i == $confirmed ? 'purchase.confirmed'
                                                        : 'link.revoked')
              . ' data ' . planted($i, $pad) . "\n";
    }
    return $s;
}

# the planted events, as --- events expects them
sub planted_events {
    my ($n) = @_;
    return map { ['link.revoked', { user_id => 9000000000000000000 + $_ }] }
           1 .. $n;
}

# the operator's consumer: reads everything new and acknowledges every
# pending entry of ops
sub ack_all {
    redis_reply('XREADGROUP', 'GROUP', 'ops', 'op1', 'COUNT', '100000',
                'STREAMS', 'hashpay:events', '>');
    ack_pending();
}

# the operator acknowledges what it has read, and reads nothing new
sub ack_pending {
    my $p = redis_reply('XPENDING', 'hashpay:events', 'ops', '-', '+',
                        '100000') || [];
    redis_reply('XACK', 'hashpay:events', 'ops', map { $_->[0] } @$p)
        if @$p;
}

# the metrics lines of the events group
sub gauge {
    my ($unacked, $refused) = @_;
    my $re = "# TYPE hashpay_events_backpressure_total counter\n"
             . "hashpay_events_backpressure_total $refused\n"
             . "# HELP hashpay_events_unacked [^\n]+\n"
             . "# TYPE hashpay_events_unacked gauge\n"
             . "hashpay_events_unacked $unacked\n";
    return qr/^$re/m;
}

our $BACKLOG = '{"error":"events_backlog"}';
our $T1 = '1880000000000000001';
our $T2 = '1880000000000000002';
our $T3 = '1880000000000000003';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the group is created when the worker connects, before any event
The metrics script only reads (a missing group would count 0 and stay
missing): the group seen after the scrape was made by the handshake.
--- http_config eval
::group_conf(5, $::Own->{port})
--- config eval
$::CONFIG
--- request
GET /hashpay/metrics
--- response_body_like eval
::gauge(0, 0)
--- redis_after eval
[[[{ port => $::Own->{port} }, 'XINFO', 'GROUPS', 'hashpay:events'],
  "name\nops\nconsumers\n0\npending\n0\nlast-delivered-id\n0-0\n"
  . "entries-read\n\nlag\n0"],
 [[{ port => $::Own->{port} }, 'XLEN', 'hashpay:events'], '0']]
--- no_error_log
[error]



=== TEST 2: the group exists already (BUSYGROUP): the worker connects, the group keeps its state
Another configuration restarts nginx against the same Redis; one entry of
ops is pending and one not delivered yet: unacknowledged 2.
--- http_config eval
::group_conf(7, $::Own->{port})
--- config eval
$::CONFIG
--- init
my $to = { port => $::Own->{port} };
HashpayTest::redis_reply($to, 'XADD', 'hashpay:events', '1-1', 'type', 'x', 'data', '{}');
HashpayTest::redis_reply($to, 'XADD', 'hashpay:events', '1-2', 'type', 'x', 'data', '{}');
HashpayTest::redis_reply($to, 'XREADGROUP', 'GROUP', 'ops', 'op1', 'COUNT', '1', 'STREAMS', 'hashpay:events', '>');
--- request
GET /hashpay/metrics
--- response_body_like eval
::gauge(2, 0)
--- redis_after eval
[[[{ port => $::Own->{port} }, 'XINFO', 'GROUPS', 'hashpay:events'],
  "name\nops\nconsumers\n1\npending\n1\nlast-delivered-id\n1-1\n"
  . "entries-read\n1\nlag\n1"]]
--- no_error_log
XGROUP CREATE failed
[error]



=== TEST 3: the group went (the stream was deleted): the next event's script creates it first
The event appended after the group was made is not read yet: lag 1.
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- request eval
::reqs(::metrics(), ::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics())
--- more_headers eval
::hdrs(::metrics(), ::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics())
--- after_each eval
[sub { HashpayTest::redis('DEL', 'hashpay:events') }]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[::gauge(0, 0), qr/^\Q${\ ::results([$::T1, 'intent_created']) }\E$/,
 ::gauge(1, 0)]
--- events eval
[::intent_created($::T1)]
--- redis_after eval
[[['XINFO', 'GROUPS', 'hashpay:events'],
  "name\nops\nconsumers\n0\npending\n0\nlast-delivered-id\n0-0\n"
  . "entries-read\n\nlag\n1"]]



=== TEST 4: webhook: 5 unacknowledged of maxlen 5: an acting tweet and a revoke are 503, nothing changes; an ignored tweet answers; after XACK the redelivery acts
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE) . ::backlog(5)
--- request eval
::reqs(::wh(::tweet($::T1, 'BuyGiftCard25')),
       ::wh(::tweet($::T2, 'NoSuchOffer')),
       ::wh(HashpayTest::example('xaa_oauth_revoke.json')),
       ::wh(::tweet($::T1, 'BuyGiftCard25')))
--- more_headers eval
::hdrs(::wh(::tweet($::T1, 'BuyGiftCard25')),
       ::wh(::tweet($::T2, 'NoSuchOffer')),
       ::wh(HashpayTest::example('xaa_oauth_revoke.json')),
       ::wh(::tweet($::T1, 'BuyGiftCard25')))
--- after_each eval
[sub {
     Test::More::is(HashpayTest::redis('EXISTS', "hashpay:tweet:$::T1",
                                       'hashpay:purchase:pur_1',
                                       'hashpay:purchase_seq'),
                    '0', 'refused tweet: no record, no purchase');
     Test::More::is(HashpayTest::redis('GET', 'hashpay:event_seq'), '5',
                    'refused tweet: no event_id taken');
     Test::More::ok(HashpayTest::wait_log(qr/\[warn\] .*hashpay: webhook answered 503: events backlog, group "ops" has 5 \(hashpay_events_maxlen\) or more events unacknowledged/),
                    'the refusal is logged at warn');
 },
 undef,
 sub {
     Test::More::is(HashpayTest::redis('HGET', "hashpay:link:$::ALICE",
                                       'card_token'),
                    'tok_3457', 'refused revoke: the link stays');
     Test::More::is(HashpayTest::redis('KEYS', 'hashpay:revoke:*'), '',
                    'refused revoke: not remembered');
     Test::More::is(HashpayTest::redis('XLEN', 'hashpay:events'), '5',
                    'refused requests: no event');
     ::ack_all();
 }]
--- error_code eval
[503, 200, 503, 200]
--- response_headers eval
["Retry-After: 10\nContent-Type: application/json", "!Retry-After",
 "Retry-After: 10", "!Retry-After"]
--- response_body eval
[$::BACKLOG, ::results([$::T2, 'ignored', 'no_offer']), $::BACKLOG,
 ::results([$::T1, 'intent_created'])]
--- events eval
[::planted_events(5), ::intent_created($::T1)]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'tweet_id'], $::T1],
 [['GET', "hashpay:tweet:$::T1"], 'intent_created:'],
 [['EXISTS', "hashpay:tweet:$::T2"], '0'],
 [['HGET', "hashpay:link:$::ALICE", 'card_token'], 'tok_3457']]



=== TEST 5: webhook: a duplicate answers as before; a confirmation is refused and its purchase stays pending
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE) . ::purchase()
. "SET hashpay:tweet:$::T1 intent_created:\n" . ::backlog(6)
--- request eval
::reqs(::wh(::tweet($::T1, 'BuyGiftCard25')),
       ::wh(::tweet($::T3, 'Confirm7KQ2XD')))
--- more_headers eval
::hdrs(::wh(::tweet($::T1, 'BuyGiftCard25')),
       ::wh(::tweet($::T3, 'Confirm7KQ2XD')))
--- error_code eval
[200, 503]
--- response_body eval
[::results([$::T1, 'duplicate']), $::BACKLOG]
--- events eval
[::planted_events(6)]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending'],
 [['ZRANGE', 'hashpay:holds:buygiftcard25', '0', '-1'], 'pur_1'],
 [['EXISTS', "hashpay:tweet:$::T3", "hashpay:attempts:$::ALICE"], '0'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0']]



=== TEST 6: a body of two posts with one slot left: the first acts, the second is refused (503); the redelivery answers duplicate for the first and acts on the second
Nothing is lost: the platform redelivers the whole body.
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::offer('BuyGiftCard25') . ::offer('Mug', price_cents => 900)
. ::linked($::ALICE) . ::backlog(4)
--- request eval
::reqs(::wh(::dl(::tw(id => $::T1, tags => ['BuyGiftCard25'], ts => $::NOW_MS),
                 ::tw(id => $::T2, tags => ['Mug'], ts => $::NOW_MS))),
       ::wh(::dl(::tw(id => $::T1, tags => ['BuyGiftCard25'], ts => $::NOW_MS),
                 ::tw(id => $::T2, tags => ['Mug'], ts => $::NOW_MS))))
--- more_headers eval
::hdrs(::wh(::dl(::tw(id => $::T1, tags => ['BuyGiftCard25'], ts => $::NOW_MS),
                 ::tw(id => $::T2, tags => ['Mug'], ts => $::NOW_MS))),
       ::wh(::dl(::tw(id => $::T1, tags => ['BuyGiftCard25'], ts => $::NOW_MS),
                 ::tw(id => $::T2, tags => ['Mug'], ts => $::NOW_MS))))
--- after_each eval
[sub {
     Test::More::is(HashpayTest::redis('EXISTS', "hashpay:tweet:$::T2",
                                       'hashpay:purchase:pur_2'),
                    '0', 'the refused post changed nothing');
     ::ack_all();
 }]
--- error_code eval
[503, 200]
--- response_body eval
[$::BACKLOG,
 ::results([$::T1, 'duplicate'], [$::T2, 'intent_created'])]
--- events eval
[::planted_events(4), ::intent_created($::T1, purchase_id => 'pur_1'),
 ::intent_created($::T2, purchase_id => 'pur_2', offer => 'Mug',
                  price_cents => 900)]



=== TEST 7: card transactions: refused (503) and nothing written; a card linked to nobody answers no_claim; after XACK the redelivery credits
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::ALICE) . ::claim(id => 'clm_1')
. ::backlog(5)
--- request eval
::reqs(::card(::txn(), 'msg_1'),
       ::card(::txn(txn_id => 'txn_2', card_token => 'tok_nobody'), 'msg_2'),
       ::card(::txn(), 'msg_1'))
--- more_headers eval
::hdrs(::card(::txn(), 'msg_1'),
       ::card(::txn(txn_id => 'txn_2', card_token => 'tok_nobody'), 'msg_2'),
       ::card(::txn(), 'msg_1'))
--- after_each eval
[sub {
     Test::More::is(HashpayTest::redis('HGET', 'hashpay:claim:clm_1',
                                       'state'),
                    'saved', 'refused transaction: the claim is not redeemed');
     Test::More::is(HashpayTest::redis('EXISTS', 'hashpay:txn:txn_1',
                                       'hashpay:webhook_id:msg_1'),
                    '0', 'refused transaction: not remembered');
     Test::More::ok(HashpayTest::wait_log(
                        'hashpay: transactions answered 503: events backlog'),
                    'the refusal is logged');
 },
 sub { ::ack_all() }]
--- error_code eval
[503, 200, 200]
--- response_headers eval
["Retry-After: 10", "!Retry-After", "!Retry-After"]
--- response_body eval
[$::BACKLOG, ::answer('no_claim', 0), ::answer('credited', 500)]
--- events eval
[::planted_events(5), ::credited('clm_1', 'txn_1')]
--- redis_after eval
[[['HGET', 'hashpay:claim:clm_1', 'state'], 'redeemed'],
 [['GET', 'hashpay:txn:txn_1'], 'credited:500'],
 [['GET', 'hashpay:txn:txn_2'], 'no_claim:0']]



=== TEST 8: admin: DELETE of a link with a pending purchase is refused; one without, and offer PUTs, proceed; after XACK the DELETE cancels
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE) . ::linked($::BOB)
. ::purchase() . ::backlog(5)
--- request eval
::reqs(::admin('DELETE', "links/$::ALICE"), ::admin('DELETE', "links/$::BOB"),
       ::admin('PUT', 'offers/Mug', '{"title":"Mug","price_cents":900,"stock":3}'),
       ::admin('DELETE', "links/$::ALICE"))
--- more_headers eval
::hdrs(::admin('DELETE', "links/$::ALICE"), ::admin('DELETE', "links/$::BOB"),
       ::admin('PUT', 'offers/Mug', '{"title":"Mug","price_cents":900,"stock":3}'),
       ::admin('DELETE', "links/$::ALICE"))
--- after_each eval
[sub {
     Test::More::is(HashpayTest::redis('HGET', 'hashpay:purchase:pur_1',
                                       'state'),
                    'pending', 'refused DELETE: the purchase stays pending');
     Test::More::is(HashpayTest::redis('EXISTS', "hashpay:link:$::ALICE",
                                       'hashpay:card:tok_3457'),
                    '2', 'refused DELETE: the link stays');
 },
 undef,
 sub { ::ack_all() }]
--- error_code eval
[503, 200, 201, 200]
--- response_headers eval
["Retry-After: 10", "!Retry-After", "!Retry-After", "!Retry-After"]
--- response_body_like eval
[qr/^\Q$::BACKLOG\E$/,
 qr/^\{"user_id":"$::BOB","deleted":true,"purchases_cancelled":0,"claims_voided":0\}$/,
 qr/^\{"tag":"Mug"/,
 qr/^\{"user_id":"$::ALICE","deleted":true,"purchases_cancelled":1,"claims_voided":0\}$/]
--- events eval
[::planted_events(5), ::cancelled('pur_1')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['EXISTS', "hashpay:link:$::ALICE", "hashpay:link:$::BOB"], '0']]



=== TEST 9: the stream is never trimmed past what the group has not acknowledged
Planted: 30 acknowledged entries, one pending (a purchase.confirmed the
operator's worker holds), 30 acknowledged, event_seq 99.  Three rejected
tweets are events 100-102: the trim at 100 removes the 30 acknowledged
entries before the pending one and nothing after it (MAXLEN ~ 10 would
have dropped the pending entry).
--- http_config eval
::group_conf(10)
--- config eval
$::CONFIG
--- redis_init eval
::big_stream(31)
. "XGROUP CREATE hashpay:events ops 0\n"
. "XREADGROUP GROUP ops op1 COUNT 100 STREAMS hashpay:events >\n"
. "XACK hashpay:events ops @{[ map { \"1-$_\" } grep { $_ != 31 } 1 .. 61 ]}\n"
. "SET hashpay:event_seq 99\n" . ::offer('BuyGiftCard25')
--- request eval
::reqs(::wh(::dl(map { ::tw(id => $_, user => $::BOB, tags => ['BuyGiftCard25'],
                            ts => $::NOW_MS) } $::T1, $::T2, $::T3)))
--- more_headers eval
::hdrs(::wh(::dl(map { ::tw(id => $_, user => $::BOB, tags => ['BuyGiftCard25'],
                            ts => $::NOW_MS) } $::T1, $::T2, $::T3)))
--- response_body eval
::results(map { [$_, 'rejected', 'not_linked'] } $::T1, $::T2, $::T3)
--- redis_after eval
[[['XLEN', 'hashpay:events'], '34'],
 [['XRANGE', 'hashpay:events', '-', '+', 'COUNT', '1'],
  qr/\A1-31\ntype\npurchase\.confirmed\ndata\n/],
 [['XPENDING', 'hashpay:events', 'ops', '-', '+', '10'],
  qr/\A1-31\nop1\n\d+\n1\z/],
 [['XRANGE', 'hashpay:events', '1-32', '1-61'], qr/\A1-32\n(?:.*\n)*1-61\n/],
 [['GET', 'hashpay:event_seq'], '102'],
 [['XREVRANGE', 'hashpay:events', '+', '-', 'COUNT', '3'],
  qr/\A\d{13}-\d+\ntype\nintent\.rejected\ndata\n.*"event_id":"102".*\n\d{13}-\d+\ntype\nintent\.rejected\ndata\n.*"event_id":"101"/]]



=== TEST 10: without hashpay_events_group: MAXLEN ~ as before, no group, nothing refused, no gauge
The 61 planted entries are unread by anyone: the stream is capped
anyway, unread events included.
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
hashpay_events_maxlen 10;
--- config eval
$::CONFIG
--- redis_init eval
::big_stream()
. "SET hashpay:event_seq 99\n" . ::offer('BuyGiftCard25') . ::linked($::ALICE)
--- request eval
::reqs(::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics())
--- more_headers eval
::hdrs(::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics())
--- response_body_like eval
[qr/^\Q${\ ::results([$::T1, 'intent_created']) }\E$/,
 qr/\A(?!.*hashpay_events_unacked).*\nhashpay_events_backpressure_total 0\n/s]
--- redis_after eval
[[['XLEN', 'hashpay:events'], qr/\A(?:[1-4]\d|[1-9])\z/],
 [['XRANGE', 'hashpay:events', '1-1', '1-1'], ''],
 [['XREVRANGE', 'hashpay:events', '+', '-', 'COUNT', '1'],
  qr/\ntype\nintent\.created\n/],
 [['XINFO', 'GROUPS', 'hashpay:events'], '']]



=== TEST 11: metrics: hashpay_events_unacked is pending plus not delivered, read at each scrape; hashpay_events_backpressure_total counts the 503s
Delivering 2 of 5 leaves 5 unacknowledged; acknowledging them leaves 3.
--- http_config eval
::group_conf(5)
--- config eval
"# TEST 11: its own nginx, counters from 0\n$::CONFIG"
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE) . ::backlog(5)
--- request eval
::reqs(::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics(), ::metrics(),
       ::metrics(), ::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics())
--- more_headers eval
::hdrs(::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics(), ::metrics(),
       ::metrics(), ::wh(::tweet($::T1, 'BuyGiftCard25')), ::metrics())
--- after_each eval
[undef,
 sub { HashpayTest::redis('XREADGROUP', 'GROUP', 'ops', 'op1', 'COUNT', '2',
                          'STREAMS', 'hashpay:events', '>') },
 sub { ::ack_pending() }]
--- error_code eval
[503, 200, 200, 200, 200, 200]
--- response_body_like eval
[qr/^\Q$::BACKLOG\E$/, ::gauge(5, 1), ::gauge(5, 1), ::gauge(3, 1),
 qr/"intent_created"/, ::gauge(4, 1)]



=== TEST 12: Redis cannot tell the group's lag (an entry after its last-delivered id was XDELed): pending plus XLEN counts, an upper bound
1-1 pending, 1-2 deleted, 1-3 not delivered: 1 + 2 = 3 = maxlen.
--- http_config eval
::group_conf(3)
--- config eval
"# TEST 12\n$::CONFIG"
--- redis_init eval
"XADD hashpay:events 1-1 type link.revoked data " . ::planted(1) . "\n"
. "XADD hashpay:events 1-2 type link.revoked data " . ::planted(2) . "\n"
. "XADD hashpay:events 1-3 type link.revoked data " . ::planted(3) . "\n"
. "XGROUP CREATE hashpay:events ops 0\n"
. "XREADGROUP GROUP ops op1 COUNT 1 STREAMS hashpay:events >\n"
. "XDEL hashpay:events 1-2\n"
. ::offer('BuyGiftCard25') . ::linked($::ALICE)
--- request eval
::reqs(::metrics(), ::wh(::tweet($::T1, 'BuyGiftCard25')))
--- more_headers eval
::hdrs(::metrics(), ::wh(::tweet($::T1, 'BuyGiftCard25')))
--- error_code eval
[200, 503]
--- response_body_like eval
[::gauge(3, 0), qr/^\Q$::BACKLOG\E$/]
--- redis_after eval
[[['XINFO', 'GROUPS', 'hashpay:events'], qr/\nlag\n\z/],
 [['XLEN', 'hashpay:events'], '2']]



=== TEST 13: Redis not connected: the metrics answer without the gauge
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
hashpay_events_group ops;
--- config eval
$::CONFIG
--- request
GET /hashpay/metrics
--- response_body_like eval
qr/\A(?!.*hashpay_events_unacked).*\nhashpay_events_backpressure_total 0\n/s



=== TEST 14: a stale post naming an offer is ignored under the backlog, not refused
The stale and duplicate checks come before the guard: a post that cannot
append an event answers as usual (200 ignored/stale), while a fresh post
naming the same offer is 503; nothing changes for either.
--- http_config eval
::group_conf(5)
--- config eval
$::CONFIG
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE) . ::backlog(5)
--- request eval
::reqs(::wh(::dl(::tw(id => $::T1, tags => ['BuyGiftCard25'],
                      ts => $::NOW_MS - 3 * 86400000))),
       ::wh(::tweet($::T2, 'BuyGiftCard25')))
--- more_headers eval
::hdrs(::wh(::dl(::tw(id => $::T1, tags => ['BuyGiftCard25'],
                      ts => $::NOW_MS - 3 * 86400000))),
       ::wh(::tweet($::T2, 'BuyGiftCard25')))
--- error_code eval
[200, 503]
--- response_body eval
[::results([$::T1, 'ignored', 'stale']), $::BACKLOG]
--- events eval
[::planted_events(5)]
--- redis_after eval
[[['EXISTS', "hashpay:tweet:$::T1", "hashpay:tweet:$::T2",
   'hashpay:purchase:pur_1'], '0'],
 [['GET', 'hashpay:event_seq'], '5']]
