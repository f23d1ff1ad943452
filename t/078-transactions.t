# Card transactions (SPEC sections 5, 7 and 10; notes/issue5-design.md,
# "Transactions endpoint"): Standard Webhooks signatures, checked before
# the body and before Redis; strict bodies; the oldest eligible cashback
# claim of the card's user redeemed (cashback.credited), else no_claim;
# webhook-id and txn_id remembered, a repeat answering duplicate with the
# first delivery's cashback_cents.  A refused request leaves Redis exactly
# as it was (--- redis_unchanged).
#
# Offers, links and claims are written straight into Redis (HashpayFlow,
# HashpayCashback); requests are built by HashpayTxn (--- transaction).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest qw(blackhole);
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

# Known answers: [secret, webhook-id, webhook-timestamp, body, signature].
# The first is the Standard Webhooks vector of the contract
# (shared/examples/README.md).  The others were computed with openssl,
# not with this file's signer:
#   printf '%s' 'msg_kat_a.1700000000.<body>' \
#     | openssl dgst -sha256 -mac HMAC \
#         -macopt hexkey:ec5474d30c100df56c538076c79fa5a4c7622cd4d84acf97 \
#         -binary | openssl base64 -A
#   (the hex key is: echo -n 7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X | base64 -d
#    | od -An -tx1 | tr -d ' \n')
#   printf '%s' 'msg_kat_d.1700000001.<body>' \
#     | openssl dgst -sha256 -hmac 'hashpay-kat-key-20b!' -binary \
#     | openssl base64 -A
# and the first one again with -macopt
# hexkey:31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0 (same answer).
our @VECTORS = (
    [ 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      '1614265330', '{"test": 2432232314}',
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' ],
    [ 'whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X', 'msg_kat_a', '1700000000',
      '{"txn_id":"txn_kat_a","card_token":"tok_kat_0001","merchant_id":'
      . '"mch_coffee","amount_cents":2500,"currency":"USD","at":1700000000}',
      'v1,/ibLCnZ1nypdD1f06AdcpYuqgF7nlCmne9b7p6fYT0A=' ],
    [ 'whsec_aGFzaHBheS1rYXQta2V5LTIwYiE=', 'msg_kat_d', '1700000001',
      '{"txn_id":"txn_kat_d","card_token":"tok_kat_0001","merchant_id":'
      . '"mch_coffee","amount_cents":2500,"currency":"USD","at":1700000001}',
      'v1,8I25fmBjgTNRGj8yMzWms9oKc9jhjBfkCaBXur1DNag=' ],
);

# the test's own signer gives the known answers (it is what signs every
# other request of this file)
for my $v (@VECTORS) {
    Test::More::is(sw_sign(@$v[0 .. 3]), $v->[4],
                   "signer: known answer $v->[1]");
}
Test::More::is(sw_sign($SECRET_D_UNPADDED, @{ $VECTORS[2] }[1 .. 3]),
               $VECTORS[2][4], 'signer: unpadded secret, same key');
Test::More::is($VECTORS[1][0], $SECRET_A, 'vector A is signed with secret A');
Test::More::is($VECTORS[2][0], $SECRET_D, 'vector D is signed with secret D');

# the literal request of a vector
sub kat_request { "POST /webhooks/card\n$VECTORS[$_[0]][3]" }
sub kat_headers {
    my ($i) = @_;
    return "webhook-id: $VECTORS[$i][1]\nwebhook-timestamp: $VECTORS[$i][2]\n"
        . "webhook-signature: $VECTORS[$i][4]\nContent-Type: application/json";
}

# the usual seed: the active CoffeeBack offer (500 back on 2000 spent at
# mch_coffee, USD), alice linked with tok_3457, her saved claim clm_1
our $SEED = ::cashback_offer('CoffeeBack') . ::linked($::ALICE)
            . ::claim(id => 'clm_1');

our $BAD_SIG = '{"error":"bad_signature"}';
our $NOW = time();

$ENV{TEST_NGINX_DEAD_PORT} = HashpayTest::free_port();
$ENV{TEST_NGINX_BLACKHOLE_PORT} = blackhole();

# After a first delivery: its two dedupe keys get a TTL of their own
# (999999 s), and Redis is remembered; nothing_written says that the
# repeats changed nothing since, not even those TTLs.
our $AFTER_FIRST;

sub mark_first {
    for my $k ('hashpay:txn:txn_1', 'hashpay:webhook_id:msg_1') {
        HashpayTest::redis('PEXPIRE', $k, 999999000);
    }
    $AFTER_FIRST = HashpayTxn::snapshot();
}

sub nothing_written {
    Test::More::is(HashpayTxn::snapshot(), $AFTER_FIRST,
                   'the repeats wrote nothing');
    for my $k ('hashpay:txn:txn_1', 'hashpay:webhook_id:msg_1') {
        my $ttl = HashpayTest::redis('PTTL', $k);
        Test::More::ok($ttl > 999000000, "$k not written again ($ttl ms)");
    }
}

sub refused_log {
    my ($why) = @_;
    return qr/\[warn\] .*hashpay: transaction signature refused: \Q$why\E/;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: known-answer vector verifies (10-year tolerance): on to the body
The vector's body has an unknown field: 400, so the signature passed.
(nginx -t wants hashpay_dedupe_ttl at least twice the tolerance.)
--- config eval
::txn_config(secrets => [$::VECTOR_SECRET], tolerance => '3650d',
             dedupe_ttl => '7300d')
--- request eval
::kat_request(0)
--- more_headers eval
::kat_headers(0)
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 400
--- response_body chomp
{"error":"unknown_field","field":"test"}
--- no_error_log
transaction signature refused



=== TEST 2: known-answer vector at the default tolerance: too old
--- config eval
::txn_config(secrets => [$::VECTOR_SECRET])
--- request eval
::kat_request(0)
--- more_headers eval
::kat_headers(0)
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('webhook-timestamp too old')



=== TEST 3: openssl vectors verify (secret A; secret D unpadded); a mixed pair does not
--- config eval
::txn_config(secrets => [$::SECRET_A, $::SECRET_D_UNPADDED],
             tolerance => '3650d',
             dedupe_ttl => '7300d')
--- request eval
[::kat_request(1), ::kat_request(2), ::kat_request(2)]
--- more_headers eval
[::kat_headers(1), ::kat_headers(2), ::kat_headers(1)]
--- error_code eval
[200, 200, 401]
--- response_body eval
[::answer('no_claim', 0), ::answer('no_claim', 0), $::BAD_SIG]
--- redis_after eval
[[['GET', 'hashpay:txn:txn_kat_a'], 'no_claim:0'],
 [['GET', 'hashpay:webhook_id:msg_kat_a'], 'no_claim:0'],
 [['GET', 'hashpay:txn:txn_kat_d'], 'no_claim:0'],
 [['GET', 'hashpay:webhook_id:msg_kat_d'], 'no_claim:0'],
 [['DBSIZE'], '4']]



=== TEST 4: no webhook-id header: 401, nothing changes
--- transaction eval
::txn()
--- drop_headers: webhook-id
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('no webhook-id header')



=== TEST 5: no webhook-timestamp header: 401, nothing changes
--- transaction eval
::txn()
--- drop_headers: webhook-timestamp
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('no webhook-timestamp header')



=== TEST 6: no webhook-signature header: 401, nothing changes
--- transaction eval
::txn()
--- drop_headers: webhook-signature
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('no webhook-signature header')



=== TEST 7: timestamps that are not digits: 401 (signed as sent)
--- transaction eval
[::txn(), ::txn(), ::txn(), ::txn()]
--- webhook_timestamp eval
['17961x4024', '-1', '1.7e9', '+1700000000']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[401, 401, 401, 401]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG, $::BAD_SIG, $::BAD_SIG]
--- error_log eval
::refused_log('malformed webhook-timestamp')



=== TEST 8: a timestamp of 26 digits (overflow) is refused
--- transaction eval
::txn()
--- webhook_timestamp: 99999999999999999999999999
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG



=== TEST 9: stale: now - 5m - 30s, and 0: too old
--- transaction eval
[::txn(), ::txn()]
--- webhook_timestamp eval
['now-330', '0']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[401, 401]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG]
--- error_log eval
::refused_log('webhook-timestamp too old')



=== TEST 10: future: now + 5m + 30s: too far in the future
--- transaction eval
::txn()
--- webhook_timestamp: now+330
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('webhook-timestamp too far in the future')



=== TEST 11: inside the default tolerance on both sides: accepted
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2')]
--- webhook_timestamp eval
['now-270', 'now+270']
--- redis_init eval
$::SEED
--- response_body eval
[::answer('credited', 500), ::answer('no_claim', 0)]
--- no_error_log
transaction signature refused



=== TEST 12: signed with a secret that is not configured: 401
--- transaction eval
::txn()
--- whsec: C
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('no valid v1 signature')



=== TEST 13: several entries, none valid: 401
--- transaction eval
::txn()
--- whsec: C B
--- signature: v1,Zm9vYmFy {sig} v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('no valid v1 signature')



=== TEST 14: several entries, one valid (not the first): accepted
--- transaction eval
::txn()
--- whsec: C A B
--- signature: v1,Zm9vYmFy {sig} v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
--- redis_init eval
$::SEED
--- response_body eval
::answer('credited', 500)
--- events eval
[::credited('clm_1', 'txn_1')]



=== TEST 15: entries of other versions are ignored, even with a good MAC
v1a and v2 carrying the valid base64 are 401; a v1a entry before a
valid v1 entry does not spoil it.
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2'), ::txn(txn_id => 'txn_3')]
--- signature eval
['v1a,{b64}', 'v2,{b64}', 'v1a,{b64} {sig}']
--- redis_init eval
$::SEED
--- error_code eval
[401, 401, 200]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG, ::answer('credited', 500)]
--- redis_after eval
[[['KEYS', 'hashpay:txn:*'], 'hashpay:txn:txn_3'],
 [['KEYS', 'hashpay:webhook_id:*'], 'hashpay:webhook_id:msg_3']]



=== TEST 16: signature values of the wrong shape: 401
--- transaction eval
[::txn(), ::txn(), ::txn(), ::txn(), ::txn()]
--- signature eval
['{sig}x', 'v1,', '{b64}', 'v1,!!{b64}', 'v1 {b64}']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[401, 401, 401, 401, 401]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG, $::BAD_SIG, $::BAD_SIG, $::BAD_SIG]
--- error_log eval
::refused_log('no valid v1 signature')



=== TEST 17: rotation: inline A, file with B and D: each verifies, C does not
--- config eval
::txn_config(secrets => [$::SECRET_A], secret_file => 'whsec_file')
--- user_files eval
">>> ../conf/whsec_file\n\n   $::SECRET_B  \n\n\t$::SECRET_D\n\n"
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2'),
 ::txn(txn_id => 'txn_3'), ::txn(txn_id => 'txn_4')]
--- whsec eval
['A', 'B', 'D', 'C']
--- error_code eval
[200, 200, 200, 401]
--- response_body eval
[::answer('no_claim', 0), ::answer('no_claim', 0), ::answer('no_claim', 0),
 $::BAD_SIG]
--- redis_after eval
[[['KEYS', 'hashpay:txn:*'],
  qr/\A(hashpay:txn:txn_[123]\n?){3}\z/]]



=== TEST 18: a signature over another body, id or timestamp: 401
--- transaction eval
[::txn(), ::txn(), ::txn()]
--- signed_body eval
[::txn(amount_cents => 250000), undef, undef]
--- signed_id eval
[undef, 'msg_other', undef]
--- signed_timestamp eval
[undef, undef, 'now-1']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[401, 401, 401]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG, $::BAD_SIG]
--- error_log eval
::refused_log('no valid v1 signature')



=== TEST 19: hashpay_transactions_tolerance 10s: 40 s off refused, 2-5 s off accepted
--- config eval
::txn_config(tolerance => '10s')
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2'),
 ::txn(txn_id => 'txn_3'), ::txn(txn_id => 'txn_4')]
--- webhook_timestamp eval
['now-40', 'now+40', 'now-2', 'now+5']
--- error_code eval
[401, 401, 200, 200]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG, ::answer('no_claim', 0), ::answer('no_claim', 0)]
--- after_each eval
[undef, undef, undef, sub {
    for my $why ('webhook-timestamp too old',
                 'webhook-timestamp too far in the future') {
        my @l = HashpayTest::log_lines("transaction signature refused: $why");
        Test::More::is(scalar @l, 1, "logged once: $why");
    }
}]



=== TEST 20: the signature is checked before the body: bad signature + bad body is 401
--- log_level: debug
--- transaction eval
['{"txn_id":', '{"nope":1}', ::txn(card_token => '4111111111111111')]
--- whsec: C
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[401, 401, 401]
--- response_body eval
[$::BAD_SIG, $::BAD_SIG, $::BAD_SIG]
--- no_error_log
4111111111111111



=== TEST 21: header names are case-insensitive
--- transaction eval
::txn()
--- header_names: Webhook-Id WEBHOOK-TIMESTAMP Webhook-Signature
--- redis_init eval
$::SEED
--- response_body eval
::answer('credited', 500)



=== TEST 22: secrets and the expected MAC are never logged (debug)
A fixed timestamp (10-year tolerance) so that the MAC that secret A would
give is known here.
--- log_level: debug
--- config eval
::txn_config(secrets => [$::SECRET_A, $::SECRET_B], tolerance => '3650d',
             dedupe_ttl => '7300d')
--- transaction eval
::txn()
--- webhook_timestamp: 1700000000
--- whsec: C
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- no_error_log eval
[substr($::SECRET_A, 6), substr($::SECRET_B, 6),
 substr(::sw_sign($::SECRET_A, 'msg_1', '1700000000', ::txn()), 3),
 substr(::sw_sign($::SECRET_B, 'msg_1', '1700000000', ::txn()), 3)]



=== TEST 23: credited: the claim redeemed, one event, both ids remembered
hashpay_dedupe_ttl 2h: the txn and webhook_id keys expire in about 2h.
--- config eval
::txn_config(dedupe_ttl => '2h')
--- transaction eval
::txn(at => 1700000123)
--- redis_init eval
$::SEED
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body eval
::answer('credited', 500)
--- events eval
[::credited('clm_1', 'txn_1')]
--- after_each eval
[sub {
    my $c = ::claim_of('clm_1');
    Test::More::is($c->{state}, 'redeemed', 'claim redeemed');
    Test::More::like($c->{redeemed_at}, qr/^\d{13}$/, 'redeemed_at in ms');
    Test::More::cmp_ok(abs($c->{redeemed_at} / 1000 - time()), '<', 60,
                       'redeemed_at is now');
    Test::More::is($c->{txn_id}, 'txn_1', 'txn_id');
    Test::More::is($c->{txn_amount_cents}, '2500', 'txn_amount_cents');
    Test::More::is($c->{txn_at}, '1700000123', 'txn_at as sent');
    Test::More::is($c->{txn_card_token}, 'tok_3457', 'txn_card_token');
    Test::More::is("$c->{cashback_cents} $c->{min_spend_cents} $c->{card_token}",
                   '500 2000 tok_3457', 'terms and card kept');
    my ($data) = ::raw_events();
    Test::More::like($data, qr/"cashback_cents":500[,}]/,
                     'cashback_cents is a JSON number');
    for my $k ('hashpay:txn:txn_1', 'hashpay:webhook_id:msg_1') {
        Test::More::is(HashpayTest::redis('GET', $k), 'credited:500', "$k");
        my $ttl = HashpayTest::redis('PTTL', $k);
        Test::More::ok($ttl > 7200000 - 60000 && $ttl <= 7200000,
                       "$k expires in 2h ($ttl ms)");
    }
}]
--- redis_after eval
[[['ZCARD', "hashpay:claims:$::ALICE"], '0'],
 [['ZCARD', "hashpay:claims:$::ALICE:mch_coffee:USD"], '0'],
 [['HMGET', 'hashpay:offer:coffeeback', 'redeemed', 'claimed', 'stock'],
  "1\n0\n10"],
 [['GET', 'hashpay:card:tok_3457'], $::ALICE]]



=== TEST 24: no_claim: unknown card, other merchant/currency, below min_spend; min_spend credits
--- transaction eval
[::txn(txn_id => 'txn_1', card_token => 'tok_9999'),
 ::txn(txn_id => 'txn_2', merchant_id => 'mch_other'),
 ::txn(txn_id => 'txn_3', currency => 'EUR'),
 ::txn(txn_id => 'txn_4', amount_cents => 1999),
 ::txn(txn_id => 'txn_5', amount_cents => 2000)]
--- redis_init eval
$::SEED
--- response_body eval
[::answer('no_claim', 0), ::answer('no_claim', 0), ::answer('no_claim', 0),
 ::answer('no_claim', 0), ::answer('credited', 500)]
--- after_each eval
[undef, undef, undef, sub {
    Test::More::is(::claim_of('clm_1')->{state}, 'saved',
                   'after four no_claim: claim still saved');
    Test::More::is(HashpayTest::redis('EXISTS', 'hashpay:events'), '0',
                   'after four no_claim: no event');
    my $ttl = HashpayTest::redis('PTTL', 'hashpay:txn:txn_1');
    Test::More::ok($ttl > 172800000 - 60000 && $ttl <= 172800000,
                   "no_claim remembered for the default 48h ($ttl ms)");
}]
--- events eval
[::credited('clm_1', 'txn_5')]
--- redis_after eval
[[['MGET', map { "hashpay:txn:txn_$_" } 1 .. 5],
  "no_claim:0\nno_claim:0\nno_claim:0\nno_claim:0\ncredited:500"],
 [['MGET', map { "hashpay:webhook_id:msg_$_" } 1 .. 5],
  "no_claim:0\nno_claim:0\nno_claim:0\nno_claim:0\ncredited:500"],
 [['HMGET', 'hashpay:claim:clm_1', 'state', 'txn_id', 'txn_amount_cents'],
  "redeemed\ntxn_5\n2000"]]



=== TEST 25: a linked card without claims: no_claim; another user's claim stays theirs
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2', card_token => 'tok_3458')]
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::ALICE) . ::linked($::BOB)
. ::claim(id => 'clm_1', user => $::BOB)
--- response_body eval
[::answer('no_claim', 0), ::answer('credited', 500)]
--- events eval
[::credited('clm_1', 'txn_2', user => $::BOB)]



=== TEST 26: claims on ended, not yet started, finished offers: no_claim
--- transaction eval
::txn()
--- redis_init eval
::cashback_offer('Ended', active => 0, ended_at => 1700000000)
. ::cashback_offer('NotYet', starts_at => $::NOW + 3600)
. ::cashback_offer('Over', ends_at => $::NOW - 60)
. ::linked($::ALICE) . ::claim(id => 'clm_1', tag => 'Ended')
. ::claim(id => 'clm_2', tag => 'NotYet') . ::claim(id => 'clm_3', tag => 'Over')
--- response_body eval
::answer('no_claim', 0)
--- events eval
[]
--- redis_after eval
[[['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1'], "clm_1\nclm_2\nclm_3"],
 [['ZRANGE', "hashpay:claims:$::ALICE:mch_coffee:USD", '0', '-1'],
  "clm_1\nclm_2\nclm_3"],
 [['GET', 'hashpay:txn:txn_1'], 'no_claim:0'],
 [['HGET', 'hashpay:claim:clm_1', 'state'], 'saved']]



=== TEST 27: inactive offers' claims are skipped for a later eligible one
--- transaction eval
::txn()
--- redis_init eval
::cashback_offer('Ended', active => 0, ended_at => 1700000000)
. ::cashback_offer('NotYet', starts_at => $::NOW + 3600)
. ::cashback_offer('Over', ends_at => $::NOW - 60)
. ::cashback_offer('CoffeeBack', starts_at => $::NOW - 3600,
                   ends_at => $::NOW + 3600)
. ::linked($::ALICE) . ::claim(id => 'clm_1', tag => 'Ended')
. ::claim(id => 'clm_2', tag => 'NotYet') . ::claim(id => 'clm_3', tag => 'Over')
. ::claim(id => 'clm_4', tag => 'CoffeeBack')
--- response_body eval
::answer('credited', 500)
--- events eval
[::credited('clm_4', 'txn_1')]
--- redis_after eval
[[['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1'], "clm_1\nclm_2\nclm_3"],
 [['ZRANGE', "hashpay:claims:$::ALICE:mch_coffee:USD", '0', '-1'],
  "clm_1\nclm_2\nclm_3"],
 [['HGET', 'hashpay:offer:ended', 'redeemed'], '0']]



=== TEST 28: void and redeemed claims are not redeemed, even if still listed
The state decides: both are put in alice's claims zset and in its index
by merchant and currency as well.
--- transaction eval
::txn()
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::ALICE)
. ::claim(id => 'clm_1', state => 'void')
. ::claim(id => 'clm_2', state => 'redeemed')
. "ZADD hashpay:claims:$::ALICE 1 clm_1 2 clm_2\n"
. "ZADD hashpay:claims:$::ALICE:mch_coffee:USD 1 clm_1 2 clm_2\n"
--- response_body eval
::answer('no_claim', 0)
--- events eval
[]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_1', 'state', 'txn_id'], "void\n"],
 [['HMGET', 'hashpay:claim:clm_2', 'state', 'txn_id'], "redeemed\n"]]



=== TEST 29: oldest eligible claim first (clm_9 before clm_10), one per transaction
clm_3 is at another merchant: skipped by coffee, taken by tea.
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2'), ::txn(txn_id => 'txn_3'),
 ::txn(txn_id => 'txn_4', merchant_id => 'mch_tea')]
--- redis_init eval
::cashback_offer('CoffeeBack') . ::cashback_offer('CoffeeMore', cashback_cents => 700)
. ::cashback_offer('TeaBack', merchant_id => 'mch_tea', cashback_cents => 300)
. ::linked($::ALICE)
. ::claim(id => 'clm_10', tag => 'CoffeeMore', cashback_cents => 700)
. ::claim(id => 'clm_9', tag => 'CoffeeBack')
. ::claim(id => 'clm_3', tag => 'TeaBack', merchant_id => 'mch_tea',
          cashback_cents => 300)
--- response_body eval
[::answer('credited', 500), ::answer('credited', 700), ::answer('no_claim', 0),
 ::answer('credited', 300)]
--- events eval
[::credited('clm_9', 'txn_1'),
 ::credited('clm_10', 'txn_2', offer => 'CoffeeMore', cashback_cents => 700),
 ::credited('clm_3', 'txn_4', offer => 'TeaBack', cashback_cents => 300)]
--- redis_after eval
[[['EXISTS', "hashpay:claims:$::ALICE",
   "hashpay:claims:$::ALICE:mch_coffee:USD",
   "hashpay:claims:$::ALICE:mch_tea:USD"], '0'],
 [['HMGET', 'hashpay:claim:clm_9', 'state', 'txn_id'], "redeemed\ntxn_1"],
 [['HMGET', 'hashpay:claim:clm_10', 'state', 'txn_id'], "redeemed\ntxn_2"],
 [['HMGET', 'hashpay:claim:clm_3', 'state', 'txn_id'], "redeemed\ntxn_4"],
 [['GET', 'hashpay:txn:txn_3'], 'no_claim:0'],
 [['HGET', 'hashpay:offer:coffeemore', 'redeemed'], '1']]



=== TEST 30: the claim's saved terms count, not the offer's current ones
The offer now says 900 back, min_spend 5000, merchant mch_other; the
claim says 500, 2000, mch_coffee.
--- transaction eval
[::txn(txn_id => 'txn_1', merchant_id => 'mch_other', amount_cents => 6000),
 ::txn(txn_id => 'txn_2', amount_cents => 2500)]
--- redis_init eval
::cashback_offer('CoffeeBack', cashback_cents => 900, min_spend_cents => 5000,
                 merchant_id => 'mch_other')
. ::linked($::ALICE) . ::claim(id => 'clm_1')
--- response_body eval
[::answer('no_claim', 0), ::answer('credited', 500)]
--- events eval
[::credited('clm_1', 'txn_2')]



=== TEST 31: a claim's stricter terms count too (min_spend, currency)
clm_1 needs 3000 (the offer says 1000); clm_2 is in EUR (the offer, USD).
--- transaction eval
[::txn(txn_id => 'txn_1', amount_cents => 2500),
 ::txn(txn_id => 'txn_2', amount_cents => 2500, currency => 'EUR'),
 ::txn(txn_id => 'txn_3', amount_cents => 3000)]
--- redis_init eval
::cashback_offer('CoffeeBack', min_spend_cents => 1000)
. ::cashback_offer('CoffeeMore', min_spend_cents => 1000)
. ::linked($::ALICE) . ::claim(id => 'clm_1', min_spend_cents => 3000)
. ::claim(id => 'clm_2', tag => 'CoffeeMore', currency => 'EUR')
--- response_body eval
[::answer('no_claim', 0), ::answer('credited', 500), ::answer('credited', 500)]
--- events eval
[::credited('clm_2', 'txn_2', offer => 'CoffeeMore'),
 ::credited('clm_1', 'txn_3')]
--- redis_after eval
[[['EXISTS', "hashpay:claims:$::ALICE", "hashpay:claims:$::ALICE:mch_coffee:USD",
   "hashpay:claims:$::ALICE:mch_coffee:EUR"], '0']]



=== TEST 32: the user's current card redeems a claim saved under an earlier card
alice's claim was saved with tok_3457; she is now linked with tok_new.
--- transaction eval
[::txn(txn_id => 'txn_1', card_token => 'tok_3457'),
 ::txn(txn_id => 'txn_2', card_token => 'tok_new')]
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::ALICE, 'tok_new')
. ::claim(id => 'clm_1', card_token => 'tok_3457')
--- response_body eval
[::answer('no_claim', 0), ::answer('credited', 500)]
--- events eval
[::credited('clm_1', 'txn_2', card_token => 'tok_new')]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_1', 'card_token', 'txn_card_token'],
  "tok_3457\ntok_new"]]



=== TEST 33: duplicates of a credited transaction: same webhook-id, same txn_id
A second eligible claim (clm_2) is there: neither repeat redeems it.
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2'), ::txn(txn_id => 'txn_1')]
--- webhook_id eval
['msg_1', 'msg_1', 'msg_3']
--- redis_init eval
$::SEED . ::cashback_offer('CoffeeMore') . ::claim(id => 'clm_2', tag => 'CoffeeMore')
--- response_body eval
[::answer('credited', 500), ::answer('duplicate', 500), ::answer('duplicate', 500)]
--- after_each eval
[\&::mark_first, undef, \&::nothing_written]
--- events eval
[::credited('clm_1', 'txn_1')]
--- redis_after eval
[[['KEYS', 'hashpay:txn:*'], 'hashpay:txn:txn_1'],
 [['KEYS', 'hashpay:webhook_id:*'], 'hashpay:webhook_id:msg_1'],
 [['MGET', 'hashpay:txn:txn_1', 'hashpay:webhook_id:msg_1'],
  "credited:500\ncredited:500"],
 [['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1'], 'clm_2'],
 [['HGET', 'hashpay:claim:clm_2', 'state'], 'saved'],
 [['HGET', 'hashpay:offer:coffeemore', 'redeemed'], '0']]



=== TEST 34: duplicates of a no_claim transaction answer 0, even when now eligible
--- transaction eval
[::txn(txn_id => 'txn_1', amount_cents => 1999),
 ::txn(txn_id => 'txn_2', amount_cents => 2500),
 ::txn(txn_id => 'txn_1', amount_cents => 2500),
 ::txn(txn_id => 'txn_4', amount_cents => 2500)]
--- webhook_id eval
['msg_1', 'msg_1', 'msg_3', 'msg_4']
--- redis_init eval
$::SEED
--- response_body eval
[::answer('no_claim', 0), ::answer('duplicate', 0), ::answer('duplicate', 0),
 ::answer('credited', 500)]
--- after_each eval
[\&::mark_first, undef, \&::nothing_written, undef]
--- events eval
[::credited('clm_1', 'txn_4')]
--- redis_after eval
[[['KEYS', 'hashpay:txn:txn_[12]'], 'hashpay:txn:txn_1'],
 [['KEYS', 'hashpay:webhook_id:msg_[13]'], 'hashpay:webhook_id:msg_1'],
 [['MGET', 'hashpay:txn:txn_1', 'hashpay:webhook_id:msg_1'],
  "no_claim:0\nno_claim:0"]]



=== TEST 35: a known webhook-id is looked up before the txn_id
msg_2 (no_claim) with txn_1 (credited) answers msg_2's 0; msg_1 with txn_2
answers msg_1's 500.
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2'),
 ::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_2')]
--- webhook_id eval
['msg_1', 'msg_2', 'msg_2', 'msg_1']
--- redis_init eval
$::SEED
--- response_body eval
[::answer('credited', 500), ::answer('no_claim', 0), ::answer('duplicate', 0),
 ::answer('duplicate', 500)]
--- events eval
[::credited('clm_1', 'txn_1')]
--- redis_after eval
[[['MGET', 'hashpay:txn:txn_1', 'hashpay:webhook_id:msg_1',
   'hashpay:txn:txn_2', 'hashpay:webhook_id:msg_2'],
  "credited:500\ncredited:500\nno_claim:0\nno_claim:0"],
 [['DBSIZE'], '11']]



=== TEST 36: unlinked by the admin API and linked again with the same card: no_claim
--- config eval
::txn_config(extra => "location /admin/ {\n    hashpay_admin;\n"
                      . "    hashpay_admin_token test-admin-token;\n}\n")
--- transaction eval
[{ request => "DELETE /admin/links/$::ALICE",
   headers => 'Authorization: Bearer test-admin-token' },
 { request => "PUT /admin/links/$::ALICE\n"
              . '{"card_token":"tok_3457","screen_name":"alice"}',
   headers => "Authorization: Bearer test-admin-token\nContent-Type: application/json" },
 ::txn()]
--- redis_init eval
$::SEED
--- error_code eval
[200, 201, 200]
--- response_body_like eval
[qr/^\Q{"user_id":"$::ALICE","deleted":true,"purchases_cancelled":0,"claims_voided":1}\E$/,
 qr/^\{"user_id":"$::ALICE","screen_name":"alice","card_token_last4":"3457","linked_at":\d{13}\}$/,
 qr/^\Q{"outcome":"no_claim","cashback_cents":0}\E$/]
--- events eval
[]
--- redis_after eval
[[['HGET', 'hashpay:claim:clm_1', 'state'], 'void'],
 [['HGET', 'hashpay:claim:clm_1', 'voided_at'], qr/^\d{13}$/],
 [['EXISTS', "hashpay:claims:$::ALICE",
   "hashpay:claims:$::ALICE:mch_coffee:USD"], '0'],
 [['GET', 'hashpay:card:tok_3457'], $::ALICE],
 [['GET', 'hashpay:txn:txn_1'], 'no_claim:0']]



=== TEST 37: a body over client_max_body_size: 413 body_too_large
--- config eval
::txn_config(more => "    client_max_body_size 1k;\n")
--- transaction eval
::txn(txn_id => 'x' x 100, extra => ['pad', 'p' x 1000])
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 413
--- response_body chomp
{"error":"body_too_large"}



=== TEST 38: bodies that are not a JSON object: 400 malformed_json
Truncated, bare values, trailing garbage, a duplicate key, nesting 40
deep, invalid UTF-8, empty.
--- transaction eval
['{"txn_id":', '{', '[]', '"txn_1"', '42', 'null', 'true', ::txn() . ' x',
 ::txn(extra => ['txn_id', 'txn_2']),
 ::txn(txn_id => \('[' x 40 . ']' x 40)),
 ::txn(txn_id => "t\xffx"), '']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[(400) x 12]
--- response_body eval
[('{"error":"malformed_json"}') x 12]



=== TEST 39: a number beyond 64 bits: 400 out_of_range
--- transaction eval
[::txn(amount_cents => '18446744073709551616'),
 ::txn(at => '-99999999999999999999')]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[400, 400]
--- response_body eval
['{"error":"out_of_range"}', '{"error":"out_of_range"}']



=== TEST 40: unknown fields: the first in body order, before any other error
--- transaction eval
[::txn(extra => ['note', 'hi']),
 '{"zzz":1,' . substr(::txn(extra => ['aaa', \'2']), 1),
 ::txn(txn_id => undef, extra => ['Txn_id', 'txn_1']),
 ::txn(amount_cents => \'"x"', extra => ['memo', \'null'])]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[400, 400, 400, 400]
--- response_body eval
['{"error":"unknown_field","field":"note"}',
 '{"error":"unknown_field","field":"zzz"}',
 '{"error":"unknown_field","field":"Txn_id"}',
 '{"error":"unknown_field","field":"memo"}']



=== TEST 41: each field missing: 400 required
--- transaction eval
[map { ::txn($_ => undef) }
 qw(txn_id card_token merchant_id amount_cents currency at)]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[(400) x 6]
--- response_body eval
[map { '{"error":"required","field":"' . $_ . '"}' }
 qw(txn_id card_token merchant_id amount_cents currency at)]



=== TEST 42: wrong JSON types (null, 1.0 and "5" for integers): 400 invalid_type
--- transaction eval
[::txn(txn_id => \'5'), ::txn(txn_id => \'null'),
 ::txn(card_token => \'true'), ::txn(merchant_id => \'[]'),
 ::txn(amount_cents => \'"2500"'), ::txn(amount_cents => \'1.0'),
 ::txn(amount_cents => \'25e2'), ::txn(amount_cents => \'null'),
 ::txn(currency => \'840'), ::txn(currency => \'{}'),
 ::txn(at => \'1.7e9'), ::txn(at => \'"1700000000"')]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[(400) x 12]
--- response_body eval
[map { '{"error":"invalid_type","field":"' . $_ . '"}' }
 qw(txn_id txn_id card_token merchant_id amount_cents amount_cents
    amount_cents amount_cents currency currency at at)]



=== TEST 43: bad string values: 400 invalid_value
--- transaction eval
[::txn(txn_id => ''), ::txn(txn_id => 'txn 1'), ::txn(txn_id => 'x' x 129),
 ::txn(txn_id => \'"t\u0007x"'), ::txn(txn_id => \'"t\u00e9x"'),
 ::txn(card_token => 'tok'), ::txn(card_token => 'tok 3457'),
 ::txn(card_token => 't' x 201),
 ::txn(merchant_id => ''), ::txn(merchant_id => 'm' x 65),
 ::txn(merchant_id => 'mch coffee'),
 ::txn(currency => 'usd'), ::txn(currency => 'US'), ::txn(currency => 'USDX'),
 ::txn(currency => 'U5D')]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[(400) x 15]
--- response_body eval
[map { '{"error":"invalid_value","field":"' . $_ . '"}' }
 (('txn_id') x 5, ('card_token') x 3, ('merchant_id') x 3, ('currency') x 4)]



=== TEST 44: integers out of range (0, negative, 2^53 + 1): 400 out_of_range
--- transaction eval
[::txn(amount_cents => 0), ::txn(amount_cents => -1),
 ::txn(amount_cents => '9007199254740993'),
 ::txn(at => -1), ::txn(at => '9007199254740993')]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[(400) x 5]
--- response_body eval
[map { '{"error":"out_of_range","field":"' . $_ . '"}' }
 qw(amount_cents amount_cents amount_cents at at)]



=== TEST 45: values at the limits are accepted
txn_id of 128, card_token of 4 and 200, merchant_id of 64 characters,
amount_cents and at 2^53, at 0.
--- transaction eval
[::txn(txn_id => 'x' x 128), ::txn(txn_id => 'txn-2_!~:/', card_token => 'tok1'),
 ::txn(txn_id => 'txn_3', card_token => 't' x 200),
 ::txn(txn_id => 'txn_4', merchant_id => 'm' x 64),
 ::txn(txn_id => 'txn_5', amount_cents => '9007199254740992'),
 ::txn(txn_id => 'txn_6', at => 0),
 ::txn(txn_id => 'txn_7', at => '9007199254740992')]
--- error_code eval
[(200) x 7]
--- response_body eval
[(::answer('no_claim', 0)) x 7]
--- redis_after eval
[[['EXISTS', 'hashpay:txn:' . 'x' x 128, 'hashpay:txn:txn-2_!~:/',
   map { "hashpay:txn:txn_$_" } 3 .. 7], '7']]



=== TEST 46: errors in field order: the first field's error wins
But a card number wins over them all (SPEC section 10, "Card numbers,
whatever else is wrong").
--- transaction eval
[::txn(txn_id => undef, card_token => \'5'),
 ::txn(txn_id => 'a b', card_token => '4111111111111111'),
 ::txn(amount_cents => \'"5"', currency => 'usd'),
 ::txn(merchant_id => undef, at => -1)]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[400, 422, 400, 400]
--- response_body eval
['{"error":"required","field":"txn_id"}',
 '{"error":"looks_like_pan","field":"card_token"}',
 '{"error":"invalid_type","field":"amount_cents"}',
 '{"error":"required","field":"merchant_id"}']



=== TEST 47: a card number as card_token: 422 looks_like_pan, logged nowhere
16, 16 with dashes, 16 with spaces, 15, 12 and 19 digits passing Luhn.
--- log_level: debug
--- transaction eval
[map { ::txn(card_token => $_) }
 '4111111111111111', '5555-5555-5555-4444', '4111 1111 1111 1111',
 '378282246310005', '100000000008', '4111111111111111110']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[(422) x 6]
--- response_body eval
[('{"error":"looks_like_pan","field":"card_token"}') x 6]
--- no_error_log
4111111111111111
5555-5555-5555-4444
5555555555554444
4111 1111 1111 1111
378282246310005
100000000008
4111111111111111110



=== TEST 48: digit tokens that are not card numbers are ordinary tokens
Luhn fails (16 digits); Luhn passes but 11 or 20 digits.
--- transaction eval
[::txn(txn_id => 'txn_1', card_token => '4111111111111112'),
 ::txn(txn_id => 'txn_2', card_token => '40000000006'),
 ::txn(txn_id => 'txn_3', card_token => '41111111111111111115')]
--- error_code eval
[200, 200, 200]
--- response_body eval
[(::answer('no_claim', 0)) x 3]



=== TEST 49: a webhook-id of the wrong shape: 400 invalid_value webhook-id
257 characters, a space, a non-ASCII byte; each signed as sent.
--- transaction eval
[::txn(), ::txn(), ::txn()]
--- webhook_id eval
['m' x 257, 'msg 1', "msg_\xc3\xa9"]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[400, 400, 400]
--- response_body eval
[('{"error":"invalid_value","field":"webhook-id"}') x 3]



=== TEST 50: a webhook-id of 256 characters is accepted and remembered
--- transaction eval
::txn()
--- webhook_id eval
'm' x 256
--- redis_init eval
$::SEED
--- response_body eval
::answer('credited', 500)
--- redis_after eval
[[['GET', 'hashpay:webhook_id:' . 'm' x 256], 'credited:500']]



=== TEST 51: methods other than POST: 405 with Allow: POST, before the signature
--- request eval
["GET /webhooks/card", "PUT /webhooks/card\n" . ::txn(), "DELETE /webhooks/card",
 "PATCH /webhooks/card\n{}"]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[405, 405, 405, 405]
--- response_headers eval
[("Allow: POST") x 4]
--- response_body eval
[('{"error":"method_not_allowed"}') x 4]
--- no_error_log
transaction signature refused



=== TEST 52: Redis unreachable: 503 redis_unavailable with Retry-After: 1
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- transaction eval
::txn()
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 503
--- response_headers
Retry-After: 1
Content-Type: application/json
--- response_body chomp
{"error":"redis_unavailable"}



=== TEST 53: Redis unreachable: a bad signature is still 401, a bad body 400
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- transaction eval
[::txn(), ::txn(amount_cents => 0)]
--- whsec eval
['C', 'A']
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[401, 400]
--- response_body eval
[$::BAD_SIG, '{"error":"out_of_range","field":"amount_cents"}']



=== TEST 54: Redis that never answers: 503 after timeout
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT connect_timeout=5s timeout=300ms;
--- transaction eval
::txn()
--- timeout: 3
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}



=== TEST 55: $hashpay_outcome: the outcome or the error code
--- http_config eval
"hashpay_redis 127.0.0.1:$HashpayTest::RedisPort;\n"
. "log_format hashpay_outcome '\$request_method \$status \$hashpay_outcome';\n"
--- config eval
::txn_config(more => "    access_log logs/outcome.log hashpay_outcome;\n")
--- transaction eval
[::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_1'), ::txn(txn_id => 'txn_3'),
 ::txn(txn_id => 'txn_4'), '{"txn_id":']
--- whsec eval
['A', 'A', 'A', 'C', 'A']
--- redis_init eval
$::SEED
--- error_code eval
[200, 200, 200, 401, 400]
--- after_each eval
[undef, undef, undef, undef, sub {
    select(undef, undef, undef, 0.3);
    my $f = Test::Nginx::Util::server_root() . '/logs/outcome.log';
    open(my $fh, '<', $f) or die "$f: $!";
    my @lines = <$fh>;
    close $fh;
    CORE::chomp(@lines);
    Test::More::is(CORE::join("|", @lines),
                   'POST 200 credited|POST 200 duplicate|POST 200 no_claim|'
                   . 'POST 401 bad_signature|POST 400 malformed_json',
                   '$hashpay_outcome per request');
}]



=== TEST 56: webhook-id sent twice: 401, nothing changes
Two of them make the request ambiguous: which one was signed is not for
the module to guess.  Refused before the body is read.
--- transaction eval
::txn()
--- extra_headers: webhook-id: msg_other
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('duplicate webhook-id header')



=== TEST 57: webhook-timestamp sent twice: 401, nothing changes
Two of them make the request ambiguous: which one was signed is not for
the module to guess.  Refused before the body is read.
--- transaction eval
::txn()
--- extra_headers: webhook-timestamp: 1700000000
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('duplicate webhook-timestamp header')



=== TEST 58: webhook-signature sent twice: 401, nothing changes
Two of them make the request ambiguous: which one was signed is not for
the module to guess.  Refused before the body is read.
--- transaction eval
::txn()
--- extra_headers: webhook-signature: v1,AAAA
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code: 401
--- response_body eval
$::BAD_SIG
--- error_log eval
::refused_log('duplicate webhook-signature header')
