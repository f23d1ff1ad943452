# State that grows stays bounded (issue 12, point 4; src/lua/README.md,
# "Keys" and "Work"): for each key that grew without limit, its bound now,
# and that reaching it changes nothing else.
#
#   user_pending:<user>   a sorted set by expires_at: an intent drops the
#                         expired members and gives the key the TTL of its
#                         last one; unlinking reads the live ones only
#   purchase:<id>         pending: expires confirm_ttl + dedupe_ttl after
#                         the intent (the admin GET is 404 then);
#                         confirmed, cancelled: no TTL (records of money)
#   claims:<user>:<merchant_id>:<currency>
#                         what a card transaction reads: the claims of its
#                         merchant and currency only, however many others
#                         the user has; unlinking deletes every index
#   offers                paged (t/081-admin-offers.t counts the reads)
#
# Work is counted with Redis's INFO commandstats (CONFIG RESETSTAT first):
# one HMGET per purchase or claim a script looks at.  "Nothing else
# changed" compares every key (type, content, whether it expires) with a
# snapshot taken after a first request that writes nothing.
#
# Tweets carry no timestamp_ms: a tweet without a time is never stale,
# whatever hashpay_dedupe_ttl (SPEC section 10).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

# webhook (confirm and dedupe ttls in it only), admin, card transactions
sub conf {
    my (%o) = @_;
    my $ttl = '';
    $ttl .= "    hashpay_confirm_ttl $o{confirm};\n" if $o{confirm};
    $ttl .= "    hashpay_dedupe_ttl $o{dedupe};\n" if $o{dedupe};
    return "location = /webhooks/x {\n    hashpay_webhook;\n"
        . "    hashpay_consumer_secret test-consumer-secret;\n"
        . "    hashpay_operator_accounts 15234567;\n$ttl}\n\n"
        . "location /admin/ {\n    hashpay_admin;\n"
        . "    hashpay_admin_token test-admin-token;\n}\n\n"
        . HashpayTxn::txn_config();
}

# a tweet of alice's (or $o{user}'s) with these hashtags, no timestamp_ms
sub t {
    my ($id, @tags) = @_;
    return ::tw(id => $id, tags => \@tags, ts => undef);
}

# a delivery that writes nothing: no hashtag names an offer
our $NOTHING = ::dl(::t('900', 'Nothing'));

# an admin request now: (status, body)
sub admin {
    my ($method, $uri) = @_;
    my ($status, $head, $body) = HashpayTxn::http($method, "/admin/$uri",
                                                  '', 'Authorization: Bearer test-admin-token');
    return ($status, $body);
}

# every key now, "key => type|ttl|content" (HashpayTxn::snapshot), as a hash
sub keys_now {
    return { map { /^(\S+) => (.*)$/ ? ($1 => $2) : () }
             split /\n/, HashpayTxn::snapshot() };
}

our $BEFORE;

sub mark {
    $BEFORE = keys_now();
    HashpayTest::redis('CONFIG', 'RESETSTAT');
}

# every key but these is as it was at mark(); these are checked by the test
sub unchanged_but {
    my ($what, @changed) = @_;
    my %skip = map { ("hashpay:$_" => 1) } @changed;
    my $now = keys_now();
    my (%a, %b);
    $a{$_} = $BEFORE->{$_} for grep { !$skip{$_} } keys %$BEFORE;
    $b{$_} = $now->{$_} for grep { !$skip{$_} } keys %$now;
    Test::More::is(join("\n", map { "$_ => $b{$_}" } sort keys %b),
                   join("\n", map { "$_ => $a{$_}" } sort keys %a),
                   "$what: nothing else changed");
}

# Redis commands since mark(): { name => calls }
sub calls {
    my %n;
    for (split /\r?\n/, HashpayTest::redis('INFO', 'commandstats')) {
        $n{$1} = $2 if /^cmdstat_(\w+):calls=(\d+)/;
    }
    return \%n;
}

# redis_init lines: n expired members of alice's user_pending (no purchase
# hash: those expired with their own TTL), scores in 2023
sub expired_members {
    my ($n) = @_;
    return join '', map {
        "ZADD hashpay:user_pending:$::ALICE " . (1700000000000 + $_)
        . " pur_old$_\n"
    } 1 .. $n;
}

::shape_ok();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: 200 expired intents in user_pending, then one more: the set holds the live ones only
Alice has 200 expired members (no hash), an expired pending purchase of
hers that still has its hash (pur_3), and a live one (pur_4, Other). Her
intent on Gift drops the 201 expired members and keeps pur_4; the key
expires with its last member (pur_4's expires_at). pur_3's hash is left
to its own TTL.
--- config eval
::conf()
--- delivery eval
[$::NOTHING, ::dl(::t('1001', 'Gift'))]
--- redis_init eval
::offer('Gift') . ::offer('Other') . ::offer('Third') . ::linked($::ALICE)
. ::expired_members(200)
. ::purchase(id => 'pur_3', tag => 'Third', code => 'CCCCCC',
             expires_at => 1700000000500)
. ::purchase(id => 'pur_4', tag => 'Other', code => 'DDDDDD',
             expires_at => 4102444800000)
. "SET hashpay:purchase_seq 4\n"
--- response_body eval
[::results(['900', 'ignored', 'no_offer']), ::results(['1001', 'intent_created'])]
--- events eval
[::intent_created('1001', offer => 'Gift', purchase_id => 'pur_5')]
--- after_each eval
[sub {
    ::mark();
    Test::More::is(HashpayTest::redis('ZCARD', "hashpay:user_pending:$::ALICE"),
                   '202', 'before: 200 + pur_3 + pur_4');
 },
 sub {
    my $p = ::purchase_of('pur_5');
    Test::More::is(HashpayTest::redis('ZRANGE', "hashpay:user_pending:$::ALICE",
                                      '0', '-1', 'WITHSCORES'),
                   "pur_5\n$p->{expires_at}\npur_4\n4102444800000",
                   'after: the live ones, scored by expires_at');
    my $ttl = HashpayTest::redis('PTTL', "hashpay:user_pending:$::ALICE");
    my $want = 4102444800000 - $p->{created_at};
    Test::More::ok($ttl > $want - 5000 && $ttl <= $want,
                   "user_pending expires with pur_4 ($ttl ms, ~$want)");
    my $code = $p->{code};
    ::unchanged_but('one intent', 'purchase:pur_5', "code:$code",
                    'holds:gift', "pending:gift:$::ALICE", 'purchase_seq',
                    "user_pending:$::ALICE", 'tweet:1001', 'events',
                    'event_seq');
 }]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_3', 'state', 'expires_at'], "pending\n1700000000500"],
 [['ZRANGE', 'hashpay:holds:third', '0', '-1'], 'pur_3'],
 [['HGET', 'hashpay:purchase:pur_4', 'state'], 'pending'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], 'pur_5'],
 [['GET', "hashpay:pending:gift:$::ALICE"], 'pur_5'],
 [['GET', 'hashpay:purchase_seq'], '5']]



=== TEST 2: a lone intent: user_pending lives confirm_ttl, the purchase and its code confirm_ttl + dedupe_ttl
Defaults: 15 min and 48 h. 100 expired members before: one member after.
--- config eval
::conf()
--- delivery eval
[$::NOTHING, ::dl(::t('2001', 'Gift'))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . ::expired_members(100)
--- response_body eval
[::results(['900', 'ignored', 'no_offer']), ::results(['2001', 'intent_created'])]
--- events eval
[::intent_created('2001', offer => 'Gift', purchase_id => 'pur_1')]
--- after_each eval
[\&::mark,
 sub {
    my $p = ::purchase_of('pur_1');
    my %want = ("hashpay:user_pending:$::ALICE" => 900000,
                "hashpay:pending:gift:$::ALICE" => 900000,
                'hashpay:purchase:pur_1' => 173700000,
                "hashpay:code:$p->{code}" => 173700000);
    for my $k (sort keys %want) {
        my $ttl = HashpayTest::redis('PTTL', $k);
        Test::More::ok($ttl > $want{$k} - 5000 && $ttl <= $want{$k},
                       "$k expires in $want{$k} ms ($ttl)");
    }
    ::unchanged_but('one intent', 'purchase:pur_1', "code:$p->{code}",
                    'holds:gift', "pending:gift:$::ALICE", 'purchase_seq',
                    "user_pending:$::ALICE", 'tweet:2001', 'events',
                    'event_seq');
 }]
--- redis_after eval
[[['ZRANGE', "hashpay:user_pending:$::ALICE", '0', '-1'], 'pur_1'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending']]



=== TEST 3: an intent that expires unconfirmed: expired, then gone with its code (admin 404); the unit sells again
confirm_ttl 1s, dedupe_ttl 1s. At 1.3 s the purchase reads expired and
user_pending is gone; at 2.3 s the purchase, its code and the tweet
record are gone. Bob's intent then trims the stale hold and takes the
unit (stock 1). Nothing else is left behind.
--- config eval
::conf(confirm => '1s', dedupe => '1s')
--- delivery eval
[::dl(::t('3001', 'Gift')), ::dl(::tw(id => '3002', user => $::BOB, tags => ['Gift'], ts => undef))]
--- redis_init eval
::offer('Gift', stock => 1) . ::linked($::ALICE) . ::linked($::BOB)
--- response_body eval
[::results(['3001', 'intent_created']), ::results(['3002', 'intent_created'])]
--- events eval
[::intent_created('3001', offer => 'Gift', purchase_id => 'pur_1'),
 ::intent_created('3002', offer => 'Gift', purchase_id => 'pur_2', user => $::BOB)]
--- after_each eval
[sub {
    my $code = ::code_of('pur_1');
    my ($s, $b) = ::admin('GET', 'purchases/pur_1');
    Test::More::like("$s $b", qr/^200 \{"id":"pur_1",.*"state":"pending",/,
                     'at once: pending');
    select(undef, undef, undef, 1.3);
    ($s, $b) = ::admin('GET', 'purchases/pur_1');
    Test::More::like("$s $b", qr/^200 \{"id":"pur_1",.*"state":"expired",/,
                     'at 1.3 s: expired');
    Test::More::is(HashpayTest::redis('EXISTS', "hashpay:user_pending:$::ALICE"),
                   '0', 'at 1.3 s: user_pending gone with its last member');
    select(undef, undef, undef, 1.0);
    ($s, $b) = ::admin('GET', 'purchases/pur_1');
    Test::More::is("$s $b", '404 {"error":"not_found"}', 'at 2.3 s: 404');
    Test::More::is(HashpayTest::redis('EXISTS', 'hashpay:purchase:pur_1',
                                      "hashpay:code:$code",
                                      "hashpay:pending:gift:$::ALICE",
                                      'hashpay:tweet:3001'),
                   '0', 'at 2.3 s: purchase, code, pending key, tweet record gone');
    Test::More::is(HashpayTest::redis('ZRANGE', 'hashpay:holds:gift', '0', '-1'),
                   'pur_1', 'the stale hold waits for the next intent');
 }, undef]
--- redis_after eval
[[['KEYS', 'hashpay:*'],
  qr/\A(?:hashpay:(?:offer:gift|offers|link:$::ALICE|card:tok_3457|link:$::BOB|card:tok_3458|events|event_seq|purchase_seq|holds:gift|purchase:pur_2|code:\w{6}|pending:gift:$::BOB|user_pending:$::BOB|tweet:3002)(?:\n|\z)){15}\z/],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], 'pur_2'],
 [['ZRANGE', "hashpay:user_pending:$::BOB", '0', '-1'], 'pur_2'],
 [['HGET', 'hashpay:offer:gift', 'sold'], '0']]
--- timeout: 10



=== TEST 4: a confirmed purchase has no TTL; its code keeps its own; user_pending goes
--- config eval
::conf()
--- delivery eval
[::dl(::t('4001', 'Gift'))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE)
--- response_body eval
::results(['4001', 'intent_created'])
--- after_each eval
[sub {
    my $code = ::code_of('pur_1');
    Test::More::ok(HashpayTest::redis('PTTL', 'hashpay:purchase:pur_1') > 0,
                   'pending: the purchase expires');
    my ($s, $b) = ::post(::dl(::t('4002', "Confirm$code")));
    Test::More::is($b, ::results(['4002', 'confirmed']), 'confirmed');
    Test::More::is(HashpayTest::redis('PTTL', 'hashpay:purchase:pur_1'), '-1',
                   'confirmed: no TTL');
    my $ttl = HashpayTest::redis('PTTL', "hashpay:code:$code");
    Test::More::ok($ttl > 173700000 - 5000 && $ttl <= 173700000,
                   "the code still expires ($ttl)");
    ($s, $b) = ::admin('GET', 'purchases/pur_1');
    Test::More::like("$s $b", qr/^200 \{"id":"pur_1",.*"state":"confirmed",/,
                     'admin: confirmed');
 }]
--- events eval
[::intent_created('4001', offer => 'Gift', purchase_id => 'pur_1'),
 ::confirmed('4001', '4002', offer => 'Gift')]
--- redis_after eval
[[['EXISTS', "hashpay:user_pending:$::ALICE", "hashpay:pending:gift:$::ALICE"], '0'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'confirmed'],
 [['HGET', 'hashpay:offer:gift', 'sold'], '1']]



=== TEST 5: a purchase cancelled by unlinking has no TTL; an expired-refused confirmation keeps the TTL
Alice's pur_1 is cancelled by the admin DELETE of her link. Bob's pur_2
(confirm_ttl 1s) is confirmed too late: refused expired, his purchase
still expires.
--- config eval
::conf(confirm => '1s')
--- delivery eval
[::dl(::t('5001', 'Gift')), ::dl(::tw(id => '5002', user => $::BOB, tags => ['Gift'], ts => undef))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . ::linked($::BOB)
--- response_body eval
[::results(['5001', 'intent_created']), ::results(['5002', 'intent_created'])]
--- after_each eval
[sub {
    my ($s, $b) = ::admin('DELETE', "links/$::ALICE");
    Test::More::is("$s $b", qq(200 {"user_id":"$::ALICE","deleted":true,"purchases_cancelled":1,"claims_voided":0}),
                   'unlinked: one purchase cancelled');
    Test::More::is(HashpayTest::redis('PTTL', 'hashpay:purchase:pur_1'), '-1',
                   'cancelled: no TTL');
 },
 sub {
    my $code = ::code_of('pur_2');
    select(undef, undef, undef, 1.2);
    my ($s, $b) = ::post(::dl(::tw(id => '5003', user => $::BOB,
                                   tags => ["Confirm$code"], ts => undef)));
    Test::More::is($b, ::results(['5003', 'rejected', 'expired']), 'too late');
    my $ttl = HashpayTest::redis('PTTL', 'hashpay:purchase:pur_2');
    Test::More::ok($ttl > 172800000 - 5000 && $ttl <= 172801000,
                   "refused: still expires ($ttl)");
 }]
--- events eval
[::intent_created('5001', offer => 'Gift', purchase_id => 'pur_1'),
 ::cancelled('pur_1', offer => 'Gift'),
 ::intent_created('5002', offer => 'Gift', purchase_id => 'pur_2', user => $::BOB),
 ::confirm_rejected('5003', qr/^#Confirm\w{6}$/, 'expired', user => $::BOB)]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['HGET', 'hashpay:purchase:pur_2', 'state'], 'pending'],
 [['EXISTS', "hashpay:user_pending:$::ALICE", "hashpay:user_pending:$::BOB"], '0'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], '']]
--- timeout: 10



=== TEST 6: unlinking reads the live pending purchases only, not the expired history
200 expired members and two live purchases: two HMGETs, two cancelled;
the key goes; nothing else changes.
--- config eval
::conf()
--- request eval
["GET /ping", "DELETE /admin/links/$::ALICE"]
--- more_headers eval
['', 'Authorization: Bearer test-admin-token']
--- redis_init eval
::offer('Gift') . ::offer('Other') . ::linked($::ALICE) . ::linked($::BOB)
. ::expired_members(200)
. ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA')
. ::purchase(id => 'pur_2', tag => 'Other', code => 'BBBBBB')
. ::purchase(id => 'pur_3', tag => 'Other', code => 'CCCCCC', user => $::BOB)
--- error_code eval
[204, 200]
--- response_body eval
['', qq({"user_id":"$::ALICE","deleted":true,"purchases_cancelled":2,"claims_voided":0})]
--- after_each eval
[\&::mark,
 sub {
    my $n = ::calls();
    Test::More::is($n->{hmget}, 2, 'two purchases read');
    ::unchanged_but('unlink', 'purchase:pur_1', 'purchase:pur_2',
                    'holds:gift', 'holds:other', "pending:gift:$::ALICE",
                    "pending:other:$::ALICE", "user_pending:$::ALICE",
                    "link:$::ALICE", 'card:tok_3457', 'events', 'event_seq');
 }]
--- events eval
[::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other')]
--- redis_after eval
[[['EXISTS', "hashpay:user_pending:$::ALICE", "hashpay:link:$::ALICE",
   'hashpay:card:tok_3457', "hashpay:pending:gift:$::ALICE",
   "hashpay:pending:other:$::ALICE"], '0'],
 [['HMGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['HMGET', 'hashpay:purchase:pur_2', 'state'], 'cancelled'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], ''],
 [['ZRANGE', 'hashpay:holds:other', '0', '-1'], 'pur_3'],
 [['ZRANGE', "hashpay:user_pending:$::BOB", '0', '-1'], 'pur_3']]



=== TEST 7: a transaction among claims at 50 merchants reads its merchant's and currency's claims only
Alice has one claim at each of mch_00 .. mch_49 (clm_1 .. clm_50, USD),
an EUR claim at mch_25 (clm_51) and a newer USD one there (clm_60);
clm_26 (mch_25, USD) needs 5000. A 2500 USD transaction at mch_25 reads
clm_26 (not eligible) and clm_60 (redeemed), and clm_60's offer: three
HMGETs, whatever her other claims.
--- config eval
::conf()
--- transaction eval
[{ request => 'GET /ping', headers => '' },
 ::txn(merchant_id => 'mch_25')]
--- redis_init eval
CORE::join('', map { ::cashback_offer(sprintf('Cb%02d', $_), merchant_id => sprintf('mch_%02d', $_)) } 0 .. 49)
. ::linked($::ALICE)
. CORE::join('', map { ::claim(id => 'clm_' . ($_ + 1), tag => sprintf('Cb%02d', $_), merchant_id => sprintf('mch_%02d', $_),
                         $_ == 25 ? (min_spend_cents => 5000) : ()) } 0 .. 49)
. ::claim(id => 'clm_51', tag => 'Cb25', merchant_id => 'mch_25', currency => 'EUR')
. ::claim(id => 'clm_60', tag => 'Cb25', merchant_id => 'mch_25')
--- error_code eval
[204, 200]
--- response_body eval
['', ::answer('credited', 500)]
--- after_each eval
[\&::mark,
 sub {
    my $n = ::calls();
    Test::More::is($n->{hmget}, 3, 'two claims and one offer read');
    ::unchanged_but('one transaction', 'claim:clm_60', "claims:$::ALICE",
                    "claims:$::ALICE:mch_25:USD", 'offer:cb25', 'txn:txn_1',
                    'webhook_id:msg_2', 'events', 'event_seq');
 }]
--- events eval
[::credited('clm_60', 'txn_1', offer => 'Cb25')]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_60', 'state', 'txn_id'], "redeemed\ntxn_1"],
 [['ZRANGE', "hashpay:claims:$::ALICE:mch_25:USD", '0', '-1'], 'clm_26'],
 [['ZRANGE', "hashpay:claims:$::ALICE:mch_25:EUR", '0', '-1'], 'clm_51'],
 [['ZCARD', "hashpay:claims:$::ALICE"], '51'],
 [['ZSCORE', "hashpay:claims:$::ALICE", 'clm_60'], ''],
 [['HGET', 'hashpay:offer:cb25', 'redeemed'], '1']]



=== TEST 8: a transaction at a merchant where the user has no claim reads none
--- config eval
::conf()
--- transaction eval
[{ request => 'GET /ping', headers => '' },
 ::txn(merchant_id => 'mch_none'), ::txn(txn_id => 'txn_2', merchant_id => 'mch_07', currency => 'EUR')]
--- redis_init eval
CORE::join('', map { ::cashback_offer(sprintf('Cb%02d', $_), merchant_id => sprintf('mch_%02d', $_)) } 0 .. 49)
. ::linked($::ALICE)
. CORE::join('', map { ::claim(id => 'clm_' . ($_ + 1), tag => sprintf('Cb%02d', $_), merchant_id => sprintf('mch_%02d', $_)) } 0 .. 49)
--- error_code eval
[204, 200, 200]
--- response_body eval
['', ::answer('no_claim', 0), ::answer('no_claim', 0)]
--- after_each eval
[\&::mark, undef,
 sub {
    my $n = ::calls();
    Test::More::is($n->{hmget} // 0, 0, 'no claim read');
    ::unchanged_but('two transactions', 'txn:txn_1', 'webhook_id:msg_2',
                    'txn:txn_2', 'webhook_id:msg_3');
 }]
--- events eval
[]
--- redis_after eval
[[['ZCARD', "hashpay:claims:$::ALICE"], '50'],
 [['MGET', 'hashpay:txn:txn_1', 'hashpay:txn:txn_2'], "no_claim:0\nno_claim:0"]]



=== TEST 9: a claim saved by a tweet is indexed; unlinking voids claims at every merchant and currency and deletes every index
Alice: the claim of her tweet (CoffeeBack, mch_coffee USD) and planted
ones at mch_tea (USD, EUR) and mch_coffee (EUR). Bob's claim and index
stay.
--- config eval
::conf()
--- delivery eval
[$::NOTHING, ::dl(::t('9001', 'CoffeeBack'))]
--- redis_init eval
::cashback_offer('CoffeeBack') . ::cashback_offer('TeaBack', merchant_id => 'mch_tea')
. ::linked($::ALICE) . ::linked($::BOB)
. ::claim(id => 'clm_1', tag => 'TeaBack', merchant_id => 'mch_tea')
. ::claim(id => 'clm_2', tag => 'TeaBack', merchant_id => 'mch_tea', currency => 'EUR')
. ::claim(id => 'clm_3', tag => 'CoffeeBack', currency => 'EUR')
. ::claim(id => 'clm_4', user => $::BOB)
. "SET hashpay:claim_seq 4\n"
--- response_body eval
[::results(['900', 'ignored', 'no_offer']), ::results(['9001', 'claim_saved'])]
--- after_each eval
[\&::mark,
 sub {
    Test::More::is(HashpayTest::redis('ZRANGE', "hashpay:claims:$::ALICE:mch_coffee:USD",
                                      '0', '-1', 'WITHSCORES'),
                   "clm_5\n5", 'the saved claim is in its index');
    HashpayTest::redis('CONFIG', 'RESETSTAT');
    my ($s, $b) = ::admin('DELETE', "links/$::ALICE");
    Test::More::is("$s $b", qq(200 {"user_id":"$::ALICE","deleted":true,"purchases_cancelled":0,"claims_voided":4}),
                   'unlinked: four claims voided');
    Test::More::is(::calls()->{hmget}, 4, 'one read per claim');
    Test::More::is(HashpayTest::redis('KEYS', "hashpay:claims:$::ALICE*"), '',
                   "no claims key of alice's left");
    ::unchanged_but('claim, then unlink', map({ "claim:clm_$_" } 1 .. 3),
                    'claim:clm_5', 'claim_seq', "claims:$::ALICE",
                    "claims:$::ALICE:mch_tea:USD", "claims:$::ALICE:mch_tea:EUR",
                    "claims:$::ALICE:mch_coffee:EUR",
                    "claims:$::ALICE:mch_coffee:USD",
                    'offer:coffeeback', "bought:coffeeback:$::ALICE",
                    "link:$::ALICE", 'card:tok_3457', 'tweet:9001', 'events',
                    'event_seq');
 }]
--- events eval
[::claim_saved('clm_5')]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_1', 'state', 'voided_at'], qr/^void\n\d{13}$/],
 [['HMGET', 'hashpay:claim:clm_2', 'state', 'voided_at'], qr/^void\n\d{13}$/],
 [['HMGET', 'hashpay:claim:clm_3', 'state', 'voided_at'], qr/^void\n\d{13}$/],
 [['HMGET', 'hashpay:claim:clm_5', 'state', 'voided_at'], qr/^void\n\d{13}$/],
 [['HGET', 'hashpay:claim:clm_4', 'state'], 'saved'],
 [['ZRANGE', "hashpay:claims:$::BOB", '0', '-1'], 'clm_4'],
 [['ZRANGE', "hashpay:claims:$::BOB:mch_coffee:USD", '0', '-1'], 'clm_4']]
