# Cashback under concurrency (SPEC sections 2 and 10): two worker
# processes, many signed card transactions at the same instant.  A claim is
# redeemed once, whatever races for it; a transaction delivered many times
# at once credits once and every other delivery is "duplicate" with the
# same cents; claims saved at once never exceed the offer's stock.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

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

location = /ping {
    return 204;
}
CONFIG

# a signed transaction: [webhook-id, body]
sub signed {
    my ($id, %f) = @_;
    return [ $id, ::txn(%f) ];
}

# sends one [webhook-id, body] now: (status, body)
sub send_txn {
    my ($req) = @_;
    my ($id, $body) = @$req;
    my $ts = time();
    my ($status, undef, $rbody) = ::http('POST', '/webhooks/card', $body,
        'Content-Type: application/json', "webhook-id: $id",
        "webhook-timestamp: $ts",
        'webhook-signature: ' . ::sw_sign($::SECRET_A, $id, $ts, $body));
    return ($status, $rbody);
}

# "<status> <body>" => how many
sub tally {
    my %n;
    $n{"$_->[0] $_->[1]"}++ for @_;
    return \%n;
}

# a webhook answer's single result: "<status> <outcome>[:<reason>]"
sub result {
    my ($status, $body) = @{ $_[0] };
    my ($o, $r) = $body =~ /"outcome":"(\w+)"(?:,"reason":"(\w+)")?/;
    return "$status " . ($o // '?') . (defined $r ? ":$r" : '');
}

our @USERS = map { '12972345678901' . (30000 + $_) } 1 .. 30;

sub count_events {
    my ($type) = @_;
    return scalar grep { $_->[0] eq $type } @{ HashpayTest::events() };
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: one claim, 20 transactions on the card at once: one credited
Every transaction is eligible on its own; only the first redeems the claim,
the 19 others find none.
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::cashback_offer('CoffeeBack', claimed => 1) . ::linked($::ALICE)
. ::claim(id => 'clm_1')
--- after_each eval
[sub {
    my @r = ::post_many([ map { ::signed("msg_r1_$_", txn_id => "txn_r1_$_") }
                          1 .. 20 ], send => \&::send_txn);
    my $t = ::tally(@r);
    Test::More::is($t->{'200 ' . ::answer('credited', 500)}, 1, 'one credited');
    Test::More::is($t->{'200 ' . ::answer('no_claim', 0)}, 19, '19 no_claim');
    Test::More::is(::count_events('cashback.credited'), 1,
                   'one cashback.credited');
    my $c = ::claim_of('clm_1');
    Test::More::is($c->{state}, 'redeemed', 'the claim is redeemed');
    Test::More::like($c->{txn_id}, qr/^txn_r1_\d+$/, 'by one transaction');
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:coffeeback', 'redeemed'], '1'],
 [['EXISTS', "hashpay:claims:$::ALICE"], '0'],
 [['KEYS', 'hashpay:txn:*'], qr/\A(hashpay:txn:txn_r1_\d+\n?){20}\z/]]
--- timeout: 30



=== TEST 2: one transaction delivered 20 times at once: credited once
Ten redeliveries keep the webhook-id, ten come under new message ids: one
delivery credits 500, the 19 others are "duplicate" with 500.
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::cashback_offer('CoffeeBack', claimed => 2) . ::linked($::ALICE)
. ::claim(id => 'clm_1') . ::claim(id => 'clm_2')
--- after_each eval
[sub {
    my @reqs = ((map { ::signed('msg_same', txn_id => 'txn_once') } 1 .. 10),
                (map { ::signed("msg_new_$_", txn_id => 'txn_once') } 1 .. 10));
    my @r = ::post_many(\@reqs, send => \&::send_txn);
    my $t = ::tally(@r);
    Test::More::is($t->{'200 ' . ::answer('credited', 500)}, 1, 'one credited');
    Test::More::is($t->{'200 ' . ::answer('duplicate', 500)}, 19,
                   '19 duplicates with the first cents');
    Test::More::is(::count_events('cashback.credited'), 1,
                   'one cashback.credited');
    Test::More::is(::claim_of('clm_1')->{state}, 'redeemed', 'oldest redeemed');
    Test::More::is(::claim_of('clm_2')->{state}, 'saved', 'next one kept');
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:coffeeback', 'redeemed'], '1'],
 [['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1'], 'clm_2'],
 [['GET', 'hashpay:txn:txn_once'], 'credited:500']]
--- timeout: 30



=== TEST 3: three claims, ten transactions at once: three credited, each claim once
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::cashback_offer('CoffeeBack', claimed => 3) . ::linked($::ALICE)
. ::claim(id => 'clm_1') . ::claim(id => 'clm_2') . ::claim(id => 'clm_3')
--- after_each eval
[sub {
    my @r = ::post_many([ map { ::signed("msg_r3_$_", txn_id => "txn_r3_$_") }
                          1 .. 10 ], send => \&::send_txn);
    my $t = ::tally(@r);
    Test::More::is($t->{'200 ' . ::answer('credited', 500)}, 3, '3 credited');
    Test::More::is($t->{'200 ' . ::answer('no_claim', 0)}, 7, '7 no_claim');
    my %by = map { ::claim_of($_)->{txn_id} => 1 } qw(clm_1 clm_2 clm_3);
    Test::More::is(scalar(keys %by), 3, 'three different transactions');
    Test::More::is(::count_events('cashback.credited'), 3,
                   '3 cashback.credited');
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:coffeeback', 'redeemed'], '3'],
 [['EXISTS', "hashpay:claims:$::ALICE"], '0']]
--- timeout: 30



=== TEST 4: 30 claimants at once against a stock of 5: 5 claims
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::cashback_offer('CoffeeBack', stock => 5)
. CORE::join('', map { ::linked($_, "tok_$_", "u$_") } @::USERS)
--- after_each eval
[sub {
    my @r = ::post_many([ map { ::dl(::tw(id => 93000 + $_,
                                          user => $::USERS[$_],
                                          tags => ['CoffeeBack'])) }
                          0 .. $#::USERS ]);
    my %n;
    $n{::result($_)}++ for @r;
    Test::More::is($n{'200 claim_saved'}, 5, '5 claims saved');
    Test::More::is($n{'200 rejected:sold_out'}, 25, '25 sold_out');
    Test::More::is(::count_events('claim.saved'), 5, '5 claim.saved');
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:coffeeback', 'claimed'], '5'],
 [['KEYS', 'hashpay:claim:*'], qr/\A(hashpay:claim:clm_\d\n?){5}\z/]]
--- timeout: 30
