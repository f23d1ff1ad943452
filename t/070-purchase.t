# Purchase offers, the intent half (SPEC sections 4, 7 and 10): an offer
# hashtag from a linked author creates a pending purchase, holds one unit
# for hashpay_confirm_ttl and mints a confirmation hashtag; otherwise
# intent.rejected says why, in the SPEC's order of checks, and nothing
# else changes.  Redelivery has no second effect; holds expire and their
# units sell again; a code is told "expired" until confirm_ttl +
# dedupe_ttl, "unknown_code" after.
#
# Offers and links are written straight into Redis (src/lua/README.md).
#
# Deliveries are built by HashpayFlow::dl() in the shape HASHPAY_SHAPE
# names: this file runs as it is for Account Activity, and through
# t/071-purchase-xaa.t and t/072-purchase-stream.t for the X Activity API
# and the Filtered Stream (SPEC section 11).  A Filtered Stream body holds
# one post, so every request here carries one tweet (bodies of several
# are t/030-delivery.t's subject).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use POSIX ();

# the account of the account-age tests: created 30 days and a minute
# before the file started, unix ms in whole seconds (v1.1's created_at has
# none), written as $CREATED_V1; a tweet at $CREATED + 30 days is a
# minute old (an old tweet is stale: SPEC section 10)
our $DAY = 86400000;
our $CREATED = POSIX::floor(($HashpayFlow::NOW_MS - 30 * $DAY - 60000)
                            / 1000) * 1000;
our $CREATED_V1 = HashpayFlow::v1_time($CREATED);

# no purchase, hold, code or pending key exists
our @NOTHING = (
    [['KEYS', 'hashpay:purchase*'], ''],
    [['KEYS', 'hashpay:holds:*'], ''],
    [['KEYS', 'hashpay:code:*'], ''],
    [['KEYS', 'hashpay:pending:*'], ''],
    [['KEYS', 'hashpay:user_pending:*'], ''],
);

::shape_ok();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: intent_created: a pending purchase, a hold, a code, one event
Every field of intent.created; numbers are JSON numbers; the purchase hash,
the hold (score expires_at), the code key (confirm_ttl + dedupe_ttl), the
pending key (confirm_ttl), user_pending and the tweet record per the
layout.
--- delivery eval
::dl(::tw(id => '1001', tags => ['BuyGiftCard25']))
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- error_code: 200
--- response_body eval
::results(['1001', 'intent_created'])
--- events eval
[::intent_created('1001', purchase_id => 'pur_1')]
--- after_each eval
[sub {
    my $p = ::purchase_of('pur_1');
    Test::More::like($p->{code}, $::CODE_RE, 'code of the alphabet');
    Test::More::is($p->{confirm_tag}, "#Confirm$p->{code}", 'confirm_tag');
    Test::More::is($p->{expires_at} - $p->{created_at}, 900000,
                   'expires_at = now + 15m');
    my ($data) = ::raw_events();
    Test::More::like($data, qr/"expires_at":$p->{expires_at},"price_cents":2500,"currency":"USD"\}$/,
                     'expires_at and price_cents are JSON numbers');
    Test::More::like($data, qr/"confirm_tag":"\Q$p->{confirm_tag}\E"/,
                     'the event carries the purchase\'s tag');
    Test::More::is(HashpayTest::redis('GET', "hashpay:code:$p->{code}"),
                   'pur_1', 'code key names the purchase');
    my $ttl = HashpayTest::redis('PTTL', "hashpay:code:$p->{code}");
    Test::More::ok($ttl > 173700000 - 5000 && $ttl <= 173700000,
                   "code lives confirm_ttl + dedupe_ttl ($ttl)");
    Test::More::is(HashpayTest::redis('ZSCORE', 'hashpay:holds:buygiftcard25',
                                      'pur_1'),
                   $p->{expires_at}, 'hold score is expires_at');
}]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'id', 'offer', 'offer_key', 'user_id',
   'screen_name', 'state', 'tweet_id', 'confirmed_at', 'confirm_tweet_id',
   'cancelled_at', 'price_cents', 'currency'],
  "pur_1\nBuyGiftCard25\nbuygiftcard25\n$::ALICE\nalice\npending\n1001\n\n\n\n2500\nUSD"],
 [['GET', "hashpay:pending:buygiftcard25:$::ALICE"], 'pur_1'],
 [['PTTL', "hashpay:pending:buygiftcard25:$::ALICE"], qr/^(89\d{4}|900000)$/],
 [['ZRANGE', "hashpay:user_pending:$::ALICE", '0', '-1'], 'pur_1'],
 [['GET', 'hashpay:tweet:1001'], 'intent_created:'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0']]



=== TEST 2: redelivery: duplicate, no second purchase, hold or event
The same tweet again, and the same tweet delivered for another user (AAA:
for_user_id bob; XAA: bob's post.mention.create; stream: another rule).
--- delivery eval
my $t = ::tw(id => '2001', tags => ['BuyGiftCard25']);
[::dl($t), ::dl($t), ::dl_for($::BOB, $t)]
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
[::results(['2001', 'intent_created']), ::results(['2001', 'duplicate']),
 ::results(['2001', 'duplicate'])]
--- events eval
[::intent_created('2001', purchase_id => 'pur_1')]
--- redis_after eval
[[['ZCARD', 'hashpay:holds:buygiftcard25'], '1'],
 [['GET', 'hashpay:purchase_seq'], '1'],
 [['KEYS', 'hashpay:code:*'], qr/^hashpay:code:\w{6}$/]]



=== TEST 3: not_linked: rejected, nothing but the event and the tweet record
--- delivery eval
::dl(::tw(id => '3001', tags => ['BuyGiftCard25']))
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::BOB)
--- response_body eval
::results(['3001', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('3001', 'not_linked')]
--- redis_after eval
[@::NOTHING, [['GET', 'hashpay:tweet:3001'], 'rejected:not_linked']]



=== TEST 4: offer_inactive: ended, not started yet, ended window
active 0; starts_at in the future; ends_at in the past; and an unlinked
author of an inactive offer is told not_linked (it comes first).
--- delivery eval
::dl_each(::tw(id => '4001', tags => ['Ended']),
          ::tw(id => '4002', tags => ['Later']),
          ::tw(id => '4003', tags => ['Over']),
          ::tw(id => '4004', user => $::BOB, tags => ['Ended']))
--- redis_init eval
::offer('Ended', active => 0, ended_at => 1700000000)
. ::offer('Later', starts_at => 4102444800)
. ::offer('Over', starts_at => 1000000000, ends_at => 1700000000)
. ::linked($::ALICE)
--- response_body eval
::results_each(['4001', 'rejected', 'offer_inactive'],
               ['4002', 'rejected', 'offer_inactive'],
               ['4003', 'rejected', 'offer_inactive'],
               ['4004', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('4001', 'offer_inactive', offer => 'Ended'),
 ::intent_rejected('4002', 'offer_inactive', offer => 'Later'),
 ::intent_rejected('4003', 'offer_inactive', offer => 'Over'),
 ::intent_rejected('4004', 'not_linked', offer => 'Ended', user => $::BOB)]
--- redis_after eval
[@::NOTHING]



=== TEST 5: a window that is open now: starts_at past, ends_at future
--- delivery eval
::dl(::tw(id => '5001', tags => ['Open']))
--- redis_init eval
::offer('Open', starts_at => 1000000000, ends_at => 4102444800)
. ::linked($::ALICE)
--- response_body eval
::results(['5001', 'intent_created'])
--- events eval
[::intent_created('5001', offer => 'Open')]



=== TEST 6: account_too_new at the tweet's timestamp_ms (v2: created_at)
min 30 days: the account is 30 days minus 1 ms old at the tweet (too new),
exactly 30 days old (acts); created_at absent or unparseable fails closed;
with min 0 an unknown created_at is no reason. Bob's offer is inactive:
offer_inactive comes before account_too_new.
--- delivery eval
::dl_each(
    ::tw(id => '6001', tags => ['Aged'], ts => $::CREATED + 30 * $::DAY - 1,
         created_at => $::CREATED_V1),
    ::tw(id => '6002', tags => ['Aged'], created_at => undef),
    ::tw(id => '6003', tags => ['Aged'], created_at => 'yesterday'),
    ::tw(id => '6004', tags => ['Any'], created_at => undef),
    ::tw(id => '6005', user => $::BOB, tags => ['Closed'], created_at => undef),
    ::tw(id => '6006', tags => ['Aged'], ts => $::CREATED + 30 * $::DAY,
         created_at => $::CREATED_V1))
--- redis_init eval
::offer('Aged', min_account_age_days => 30) . ::offer('Any')
. ::offer('Closed', min_account_age_days => 30, active => 0)
. ::linked($::ALICE) . ::linked($::BOB)
--- response_body eval
::results_each(['6001', 'rejected', 'account_too_new'],
               ['6002', 'rejected', 'account_too_new'],
               ['6003', 'rejected', 'account_too_new'],
               ['6004', 'intent_created'],
               ['6005', 'rejected', 'offer_inactive'],
               ['6006', 'intent_created'])
--- events eval
[::intent_rejected('6001', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('6002', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('6003', 'account_too_new', offer => 'Aged'),
 ::intent_created('6004', offer => 'Any', purchase_id => 'pur_1'),
 ::intent_rejected('6005', 'offer_inactive', offer => 'Closed', user => $::BOB),
 ::intent_created('6006', offer => 'Aged', purchase_id => 'pur_2')]



=== TEST 7: account age without timestamp_ms is judged on Redis's clock
An account created a day before now is too new for 30 days, one of 2007
is not.
--- delivery eval
use POSIX ();
my $yesterday = POSIX::strftime('%a %b %d %H:%M:%S +0000 %Y',
                                gmtime(time() - 86400));
::dl_each(::tw(id => '7001', tags => ['Aged'], ts => undef,
               created_at => $yesterday),
          ::tw(id => '7002', tags => ['Aged'], ts => undef))
--- redis_init eval
::offer('Aged', min_account_age_days => 30) . ::linked($::ALICE)
--- response_body eval
::results_each(['7001', 'rejected', 'account_too_new'],
               ['7002', 'intent_created'])
--- events eval
[::intent_rejected('7001', 'account_too_new', offer => 'Aged'),
 ::intent_created('7002', offer => 'Aged')]



=== TEST 8: pending: the event carries the pending purchase's confirm_tag
The second tweet finds the first purchase pending: no second hold.
--- delivery eval
::dl_each(::tw(id => '8001', tags => ['BuyGiftCard25']),
          ::tw(id => '8002', tags => ['buygiftcard25']))
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
::results_each(['8001', 'intent_created'], ['8002', 'rejected', 'pending'])
--- events eval
[::intent_created('8001', purchase_id => 'pur_1'),
 ::intent_rejected('8002', 'pending', confirm_tag => $::TAG_RE)]
--- after_each eval
[undef, sub {
    my $ev = HashpayTest::events();
    Test::More::is($ev->[1][1]{confirm_tag}, $ev->[0][1]{confirm_tag},
                   'pending names the first purchase\'s tag');
}]
--- redis_after eval
[[['ZCARD', 'hashpay:holds:buygiftcard25'], '1'],
 [['GET', 'hashpay:purchase_seq'], '1']]



=== TEST 9: order: account_too_new before pending, pending before limit_reached
Alice has a pending purchase of Aged (seeded) and is too young for it; bob
has a pending purchase of Gift and has bought his one already.
--- delivery eval
::dl_each(::tw(id => '9001', tags => ['Aged'], created_at => undef),
          ::tw(id => '9002', user => $::BOB, tags => ['Gift']))
--- redis_init eval
::offer('Aged', min_account_age_days => 30) . ::offer('Gift')
. ::linked($::ALICE) . ::linked($::BOB)
. ::purchase(id => 'pur_1', tag => 'Aged', code => 'AAAAAA')
. ::purchase(id => 'pur_2', tag => 'Gift', user => $::BOB, code => 'BBBBBB')
. "SET hashpay:bought:gift:$::BOB 1\n"
--- response_body eval
::results_each(['9001', 'rejected', 'account_too_new'],
               ['9002', 'rejected', 'pending'])
--- events eval
[::intent_rejected('9001', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('9002', 'pending', offer => 'Gift', user => $::BOB,
                   confirm_tag => '#ConfirmBBBBBB')]



=== TEST 10: an expired or confirmed purchase is not pending
Alice's purchase expired (expires_at in the past, its pending key still
there): she buys again.  Bob's was confirmed and his limit is 2: he buys
again.
--- delivery eval
::dl_each(::tw(id => '10001', tags => ['Gift']),
          ::tw(id => '10002', user => $::BOB, tags => ['Gift']))
--- redis_init eval
::offer('Gift', per_user_limit => 2, sold => 1) . ::linked($::ALICE)
. ::linked($::BOB)
. ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA', expires_at => 1000)
. ::purchase(id => 'pur_2', tag => 'Gift', user => $::BOB, code => 'BBBBBB',
             state => 'confirmed')
. "SET hashpay:pending:gift:$::BOB pur_2\nSET hashpay:bought:gift:$::BOB 1\n"
. "SET hashpay:purchase_seq 2\n"
--- response_body eval
::results_each(['10001', 'intent_created'], ['10002', 'intent_created'])
--- events eval
[::intent_created('10001', offer => 'Gift', purchase_id => 'pur_3'),
 ::intent_created('10002', offer => 'Gift', user => $::BOB,
                  purchase_id => 'pur_4')]
--- redis_after eval
[[['ZRANGE', 'hashpay:holds:gift', '0', '-1'], "pur_3\npur_4"]]



=== TEST 11: limit_reached counts confirmed purchases only
per_user_limit 1 and one bought: limit_reached; limit 2 and one bought:
acts; the default limit is 1.
--- delivery eval
::dl_each(::tw(id => '11001', tags => ['One']),
          ::tw(id => '11002', tags => ['Two']),
          ::tw(id => '11003', tags => ['Dflt']))
--- redis_init eval
::offer('One') . ::offer('Two', per_user_limit => 2)
. ::offer('Dflt', per_user_limit => undef)
. ::linked($::ALICE)
. "SET hashpay:bought:one:$::ALICE 1\nSET hashpay:bought:two:$::ALICE 1\n"
. "SET hashpay:bought:dflt:$::ALICE 1\n"
--- response_body eval
::results_each(['11001', 'rejected', 'limit_reached'],
               ['11002', 'intent_created'],
               ['11003', 'rejected', 'limit_reached'])
--- events eval
[::intent_rejected('11001', 'limit_reached', offer => 'One'),
 ::intent_created('11002', offer => 'Two'),
 ::intent_rejected('11003', 'limit_reached', offer => 'Dflt')]
--- redis_after eval
[[['KEYS', 'hashpay:holds:*'], 'hashpay:holds:two']]



=== TEST 12: sold_out: sold + live holds >= stock
Stock 1 sold 1; stock 2 with one sold and bob's live hold; stock 0. An
over-limit author of a sold-out offer is told limit_reached (it comes
first). Nothing else changes: bob's hold stays, no new hold.
--- delivery eval
::dl_each(::tw(id => '12001', tags => ['Sold']),
          ::tw(id => '12002', tags => ['Held']),
          ::tw(id => '12003', tags => ['None']),
          ::tw(id => '12004', tags => ['Mine']))
--- redis_init eval
::offer('Sold', stock => 1, sold => 1) . ::offer('Held', stock => 2, sold => 1)
. ::offer('None', stock => 0) . ::offer('Mine', stock => 1, sold => 1)
. ::linked($::ALICE) . ::linked($::BOB)
. ::purchase(id => 'pur_9', tag => 'Held', user => $::BOB, code => 'BBBBBB')
. "SET hashpay:bought:mine:$::ALICE 1\n"
--- response_body eval
::results_each(['12001', 'rejected', 'sold_out'],
               ['12002', 'rejected', 'sold_out'],
               ['12003', 'rejected', 'sold_out'],
               ['12004', 'rejected', 'limit_reached'])
--- events eval
[::intent_rejected('12001', 'sold_out', offer => 'Sold'),
 ::intent_rejected('12002', 'sold_out', offer => 'Held'),
 ::intent_rejected('12003', 'sold_out', offer => 'None'),
 ::intent_rejected('12004', 'limit_reached', offer => 'Mine')]
--- redis_after eval
[[['KEYS', 'hashpay:holds:*'], 'hashpay:holds:held'],
 [['ZRANGE', 'hashpay:holds:held', '0', '-1'], 'pur_9'],
 [['KEYS', 'hashpay:pending:*'], "hashpay:pending:held:$::BOB"],
 [['GET', 'hashpay:purchase_seq'], undef // '']]



=== TEST 13: an expired hold does not count: its unit sells again
Stock 1, bob's hold expired (score in the past): alice gets the unit; the
expired hold is released.
--- delivery eval
::dl(::tw(id => '13001', tags => ['Held']))
--- redis_init eval
::offer('Held', stock => 1) . ::linked($::ALICE) . ::linked($::BOB)
. ::purchase(id => 'pur_9', tag => 'Held', user => $::BOB, code => 'BBBBBB',
             expires_at => 1000)
. "SET hashpay:purchase_seq 9\n"
--- response_body eval
::results(['13001', 'intent_created'])
--- events eval
[::intent_created('13001', offer => 'Held', purchase_id => 'pur_10')]
--- redis_after eval
[[['ZRANGE', 'hashpay:holds:held', '0', '-1'], 'pur_10']]



=== TEST 14: price and currency come from the offer; the tag as written
The hashtag is written in another case; the event names the offer's tag.
--- delivery eval
::dl(::tw(id => '14001', tags => ['hello', 'BUYEURO']))
--- redis_init eval
::offer('BuyEuro', price_cents => 1999, currency => 'EUR') . ::linked($::ALICE)
--- response_body eval
::results(['14001', 'intent_created'])
--- events eval
[::intent_created('14001', offer => 'BuyEuro', price_cents => 1999,
                  currency => 'EUR')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'price_cents', 'currency', 'offer_key'],
  "1999\nEUR\nbuyeuro"]]



=== TEST 15: a cashback offer's hashtag saves a claim, not a purchase
No purchase, hold, code or pending key; the claim is t/077-cashback.t's
subject.
--- delivery eval
::dl(::tw(id => '15001', tags => ['Cash']))
--- redis_init eval
::offer('Cash', kind => 'cashback', price_cents => undef, merchant_id => 'm1',
        cashback_cents => 500, claimed => 0) . ::linked($::ALICE)
--- error_code: 200
--- response_body eval
::results(['15001', 'claim_saved'])
--- redis_after eval
[@::NOTHING, [['GET', 'hashpay:tweet:15001'], 'claim_saved:'],
 [['HGET', 'hashpay:claim:clm_1', 'state'], 'saved'],
 [['HMGET', 'hashpay:offer:cash', 'claimed', 'sold'], "1\n0"]]



=== TEST 16: expiry: a late confirmation is "expired", the unit sells again, a much later one is "unknown_code"
confirm_ttl 1s, dedupe_ttl 2s, stock 1. Alice's intent; 1.2 s later her
confirmation is expired; bob then gets the unit; 3.5 s after the intent
her code is gone, and so is her unconfirmed purchase: unknown_code.
The tweets carry no time: with a dedupe_ttl of 2 s, one older than 1 s
(the ttl less its margin) is stale.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_confirm_ttl 1s;
    hashpay_dedupe_ttl 2s;
}
--- delivery eval
[::dl(::tw(id => '16001', tags => ['Gift'], ts => undef)),
 ::dl(::tw(id => '16003', user => $::BOB, tags => ['Gift'],
          ts => undef))]
--- redis_init eval
::offer('Gift', stock => 1) . ::linked($::ALICE) . ::linked($::BOB)
--- response_body eval
[::results(['16001', 'intent_created']), ::results(['16003', 'intent_created'])]
--- after_each eval
[sub {
    $::CODE16 = ::code_of('pur_1');
    # before expiry bob finds the unit held
    my ($s, $b) = ::post(::dl(::tw(id => '16000', user => $::BOB,
                                   tags => ['Gift'], ts => undef)));
    Test::More::is($b, ::results(['16000', 'rejected', 'sold_out']),
                   'sold out while held');
    select(undef, undef, undef, 1.2);
    ($s, $b) = ::post(::dl(::tw(id => '16002', tags => ["Confirm$::CODE16"],
                                ts => undef)));
    Test::More::is($s, '200', 'late confirmation: 200');
    Test::More::is($b, ::results(['16002', 'rejected', 'expired']),
                   'late confirmation: expired');
 },
 sub {
    select(undef, undef, undef, 2.4);
    my ($s, $b) = ::post(::dl(::tw(id => '16004', tags => ["Confirm$::CODE16"],
                                   ts => undef)));
    Test::More::is($b, ::results(['16004', 'rejected', 'unknown_code']),
                   'much later confirmation: unknown_code');
 }]
--- events eval
[::intent_created('16001', offer => 'Gift', purchase_id => 'pur_1'),
 ::intent_rejected('16000', 'sold_out', offer => 'Gift', user => $::BOB),
 ::confirm_rejected('16002', qr/^#Confirm\w{6}$/, 'expired'),
 ::intent_created('16003', offer => 'Gift', user => $::BOB,
                  purchase_id => 'pur_2'),
 ::confirm_rejected('16004', qr/^#Confirm\w{6}$/, 'unknown_code')]
--- redis_after eval
[[['EXISTS', 'hashpay:purchase:pur_1'], '0'],
 [['HGET', 'hashpay:offer:gift', 'sold'], '0']]
--- timeout: 10



=== TEST 17: no offer named: ignored/no_offer, not recorded
--- delivery eval
::dl(::tw(id => '17001', tags => ['Nothing']))
--- redis_init eval
::offer('Gift') . ::linked($::ALICE)
--- response_body eval
::results(['17001', 'ignored', 'no_offer'])
--- events eval
[]
--- redis_after eval
[@::NOTHING, [['EXISTS', 'hashpay:tweet:17001'], '0']]
