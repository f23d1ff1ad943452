# Revokes (SPEC sections 4, 7, 10 and 11): the X Activity API's
# oauth.revoke (payload.user_id withdrew the app's access) does what
# t/060-revoke.t shows for Account Activity's user_event.revoke: the link
# goes (link.revoked), pending purchases are cancelled (intent.cancelled),
# claims are voided; a redelivery changes nothing.  Then the two rules
# newer than t/060-revoke.t, for both shapes: a revoke whose date_time is
# earlier than the link's linked_at changes nothing; a revoke that acted is
# remembered as hashpay:revoke:<user>:<date_time ms> for
# hashpay_dedupe_ttl, so the same revoke replayed after the user linked
# again changes nothing (whichever shape brings it); a revoke without a
# parseable date_time acts and is not remembered; a revoke of a user
# without a link changes nothing and is not remembered.  Malformed
# oauth.revoke payloads change nothing and are logged.
#
# Revokes produce no result entry: every 200 here is {"results":[]}.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use HashpayCashback;
use HashpayPost;

# the date_time of xaa_oauth_revoke.json, and as unix ms
our $AT = '2026-12-01T10:40:12+00:00';
our $AT_MS = '1796121612000';
our $KEY = "hashpay:revoke:$::ALICE:$AT_MS";

# an hour later
our $AT2 = '2026-12-01T11:40:12+00:00';
our $KEY2 = "hashpay:revoke:$::ALICE:1796125212000";

# alice: pur_1 pending (Gift), pur_2 pending (Other), pur_3 expired
# (Third), pur_4 confirmed (Fourth), clm_1 saved (CoffeeBack), clm_2
# redeemed (TeaBack); bob: pur_5 pending (Gift), clm_3 saved (CoffeeBack).
# Both linked at 1700000000000 (2023).
our $SEED = ::offer('Gift', stock => 2) . ::offer('Other') . ::offer('Third')
    . ::offer('Fourth', sold => 1)
    . ::cashback_offer('CoffeeBack', claimed => 2)
    . ::cashback_offer('TeaBack', claimed => 1, redeemed => 1)
    . ::linked($::ALICE) . ::linked($::BOB)
    . ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA')
    . ::purchase(id => 'pur_2', tag => 'Other', code => 'BBBBBB')
    . ::purchase(id => 'pur_3', tag => 'Third', code => 'CCCCCC',
                 expires_at => 1000)
    . ::purchase(id => 'pur_4', tag => 'Fourth', code => 'DDDDDD',
                 state => 'confirmed')
    . ::purchase(id => 'pur_5', tag => 'Gift', code => 'EEEEEE',
                 user => $::BOB)
    . ::claim(id => 'clm_1', tag => 'CoffeeBack', tweet_id => '8001')
    . ::claim(id => 'clm_2', tag => 'TeaBack', tweet_id => '8002',
              state => 'redeemed')
    . ::claim(id => 'clm_3', tag => 'CoffeeBack', tweet_id => '8003',
              user => $::BOB)
    . "SET hashpay:purchase_seq 5\nSET hashpay:claim_seq 3\n";

# alice linked at $AT_MS + $d ms, with one pending purchase (Gift) and one
# saved claim (and its index by merchant): 13 keys
sub linked_at {
    my ($d) = @_;
    return ::offer('Gift') . ::cashback_offer('CoffeeBack', claimed => 1)
        . "HSET hashpay:link:$::ALICE user_id $::ALICE card_token tok_3457 "
        . "screen_name alice linked_at " . ($AT_MS + $d) . "\n"
        . "SET hashpay:card:tok_3457 $::ALICE\n"
        . ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA')
        . ::claim(id => 'clm_1');
}

# what a revoke that changed nothing leaves of linked_at()
our @KEPT = (
    [['DBSIZE'], '13'],
    [['EXISTS', 'hashpay:events'], '0'],
    [['HMGET', "hashpay:link:$::ALICE", 'card_token', 'linked_at'], qr/^tok_3457\n\d{13}$/],
    [['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending'],
    [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], 'pur_1'],
    [['HGET', 'hashpay:claim:clm_1', 'state'], 'saved'],
    [['KEYS', 'hashpay:revoke:*'], ''],
);

# alice links again (linked_at 1700000000000, before any revoke here),
# with a new card and a new pending purchase pur_9
sub relink {
    ::seed(::linked($::ALICE, 'tok_new')
           . ::purchase(id => 'pur_9', tag => 'Gift', code => 'ZZZZZZ'));
}

# an Account Activity revoke (date_time undef: absent)
sub aaa_revoke {
    my ($user, $dt) = @_;
    my $r = { target => { app_id => '13090192' },
              source => { user_id => $user } };
    $r->{date_time} = $dt if defined $dt;
    return ::js({ user_event => { revoke => $r } });
}

# an X Activity API revoke body
sub xaa_revoke {
    return ::xaa1(::xrevoke(@_));
}

# the events of a revoke of alice that acted on linked_at() / relink()
sub acted {
    my ($pur) = @_;
    return (['link.revoked', { user_id => $::ALICE }],
            ::cancelled($pur, offer => 'Gift'));
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: example xaa_oauth_revoke.json: the link goes, purchases cancelled, claims voided; the redelivery changes nothing
link.revoked, then one intent.cancelled per live pending purchase; the
expired and the confirmed purchase stay as they are; the saved claim is
void, the redeemed one stays; bob is untouched. The revoke is remembered
for 48h under its user and date_time.
--- delivery eval
['@xaa_oauth_revoke.json', '@xaa_oauth_revoke.json']
--- redis_init eval
$::SEED
--- error_code eval
[200, 200]
--- response_body eval
['{"results":[]}', '{"results":[]}']
--- events eval
[['link.revoked', { user_id => $::ALICE }],
 ::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE", 'hashpay:card:tok_3457'], '0'],
 [['HMGET', 'hashpay:purchase:pur_1', 'state', 'cancelled_at'], qr/^cancelled\n\d{13}$/],
 [['HMGET', 'hashpay:purchase:pur_2', 'state', 'cancelled_at'], qr/^cancelled\n\d{13}$/],
 [['HGET', 'hashpay:purchase:pur_3', 'state'], 'pending'],
 [['HGET', 'hashpay:purchase:pur_4', 'state'], 'confirmed'],
 [['HGET', 'hashpay:purchase:pur_5', 'state'], 'pending'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], 'pur_5'],
 [['ZCARD', 'hashpay:holds:other'], '0'],
 [['EXISTS', "hashpay:user_pending:$::ALICE"], '0'],
 [['HMGET', 'hashpay:claim:clm_1', 'state', 'voided_at'], qr/^void\n\d{13}$/],
 [['HMGET', 'hashpay:claim:clm_2', 'state', 'voided_at'], "redeemed\n"],
 [['HGET', 'hashpay:claim:clm_3', 'state'], 'saved'],
 [['EXISTS', "hashpay:claims:$::ALICE"], '0'],
 [['ZRANGE', "hashpay:claims:$::BOB", '0', '-1'], 'clm_3'],
 [['HGET', "hashpay:link:$::BOB", 'card_token'], 'tok_3458'],
 [['KEYS', 'hashpay:revoke:*'], $::KEY],
 [['GET', $::KEY], '1'],
 [['PTTL', $::KEY], qr/^17[0-2]\d{6}$/]]



=== TEST 2: oauth.revoke of a user without a link: 200, no event, nothing written, not remembered
--- delivery eval
::xaa_revoke($::ALICE, $::AT)
--- redis_init eval
::linked($::BOB)
--- error_code: 200
--- response_body chomp
{"results":[]}
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '2'], [['EXISTS', "hashpay:link:$::BOB"], '1']]



=== TEST 3: a revoke of a user without a link is not remembered: once linked, the same revoke acts
--- delivery eval
[::xaa_revoke($::ALICE, $::AT), ::xaa_revoke($::ALICE, $::AT)]
--- after_each eval
[sub { ::relink() }]
--- response_body eval
['{"results":[]}', '{"results":[]}']
--- events eval
[::acted('pur_9')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['KEYS', 'hashpay:revoke:*'], $::KEY]]



=== TEST 4: oauth.revoke older than the link (date_time 1 ms before linked_at): nothing changes
The user linked again after revoking: the link, its purchase and its
claim stay, no event, nothing remembered.
--- delivery eval
::xaa_revoke($::ALICE, $::AT)
--- redis_init eval
::linked_at(1)
--- response_body chomp
{"results":[]}
--- events eval
[]
--- redis_after eval
[@::KEPT]



=== TEST 5: oauth.revoke at the link's linked_at exactly is not older: it acts
--- delivery eval
::xaa_revoke($::ALICE, $::AT)
--- redis_init eval
::linked_at(0)
--- response_body chomp
{"results":[]}
--- events eval
[::acted('pur_1')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['HGET', 'hashpay:claim:clm_1', 'state'], 'void'],
 [['KEYS', 'hashpay:revoke:*'], $::KEY]]



=== TEST 6: the same oauth.revoke replayed after the user linked again changes nothing
The replay (also with the same instant written as .000Z, and in +01:00)
leaves the new link and its pending purchase; the first revoke's record
keeps its 48h.
--- delivery eval
[::xaa_revoke($::ALICE, $::AT), ::xaa_revoke($::ALICE, $::AT),
 ::xaa_revoke($::ALICE, '2026-12-01T10:40:12.000Z'),
 ::xaa_revoke($::ALICE, '2026-12-01T11:40:12+01:00')]
--- redis_init eval
$::SEED
--- after_each eval
[sub { ::relink() }]
--- response_body eval
[('{"results":[]}') x 4]
--- events eval
[['link.revoked', { user_id => $::ALICE }],
 ::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other')]
--- redis_after eval
[[['HMGET', "hashpay:link:$::ALICE", 'card_token', 'linked_at'], "tok_new\n1700000000000"],
 [['GET', 'hashpay:card:tok_new'], $::ALICE],
 [['HGET', 'hashpay:purchase:pur_9', 'state'], 'pending'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], "pur_5\npur_9"],
 [['KEYS', 'hashpay:revoke:*'], $::KEY],
 [['GET', $::KEY], '1'],
 [['PTTL', $::KEY], qr/^17[0-2]\d{6}$/]]



=== TEST 7: an oauth.revoke with another date_time after relinking acts again
Two revokes, an hour apart, each remembered.
--- delivery eval
[::xaa_revoke($::ALICE, $::AT), ::xaa_revoke($::ALICE, $::AT2)]
--- redis_init eval
::linked_at(-1000)
--- after_each eval
[sub { ::relink() }]
--- events eval
[::acted('pur_1'), ::acted('pur_9')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['HGET', 'hashpay:purchase:pur_9', 'state'], 'cancelled'],
 [['KEYS', 'hashpay:revoke:*'], qr/\A(\Q$::KEY\E|\Q$::KEY2\E)\n(\Q$::KEY\E|\Q$::KEY2\E)\z/],
 [['PTTL', $::KEY2], qr/^17[0-2]\d{6}$/]]



=== TEST 8: oauth.revoke without date_time acts and is not remembered: after relinking it acts again
--- delivery eval
[::xaa_revoke($::ALICE), ::xaa_revoke($::ALICE)]
--- redis_init eval
::linked_at(-1000)
--- after_each eval
[sub { ::relink() }]
--- response_body eval
['{"results":[]}', '{"results":[]}']
--- events eval
[::acted('pur_1'), ::acted('pur_9')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['KEYS', 'hashpay:revoke:*'], '']]



=== TEST 9: oauth.revoke with an unparseable date_time acts and is not remembered
A word, unix ms as a number, a date without time; each acts after the
relink before it (which seeds pur_9 pending again). The first is not
older than the link of linked_at() although the link is 1 ms after the
revoke's instant: there is no time to compare.
--- delivery eval
[::xaa_revoke($::ALICE, 'yesterday'), ::xaa_revoke($::ALICE, 1796121612000),
 ::xaa_revoke($::ALICE, '2026-12-01')]
--- redis_init eval
::linked_at(1)
--- after_each eval
[sub { ::relink() }, sub { ::relink() }]
--- events eval
[::acted('pur_1'), ::acted('pur_9'), ::acted('pur_9')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['KEYS', 'hashpay:revoke:*'], '']]



=== TEST 10: the revoke record follows hashpay_dedupe_ttl
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_dedupe_ttl 10m;
}
--- delivery
@xaa_oauth_revoke.json
--- redis_init eval
::linked($::ALICE)
--- events eval
[['link.revoked', { user_id => $::ALICE }]]
--- redis_after eval
[[['GET', $::KEY], '1'],
 [['PTTL', $::KEY], qr/^(5\d{5}|600000)$/]]



=== TEST 11: malformed oauth.revoke: 200, the link stays, no event, nothing remembered
payload missing, a string, an array, null; user_id a number, not digits,
empty, 21 digits, missing.
--- delivery eval
my $ev = sub { ::xaa1(::xe('oauth.revoke', @_, includes => undef)) };
[$ev->('x', set => { payload => undef }), $ev->($::ALICE), $ev->([ { user_id => $::ALICE } ]),
 $ev->($::NULL),
 $ev->({ user_id => 1297234567890123457, date_time => $::AT }),
 $ev->({ user_id => '1297234567890123457x', date_time => $::AT }),
 $ev->({ user_id => '', date_time => $::AT }),
 $ev->({ user_id => '129723456789012345700', date_time => $::AT }),
 $ev->({ date_time => $::AT })]
--- redis_init eval
::linked_at(-1000)
--- error_code eval
[(200) x 9]
--- response_body eval
[('{"results":[]}') x 9]
--- events eval
[]
--- redis_after eval
[@::KEPT]



=== TEST 12: malformed oauth.revoke payloads are logged with the field they got wrong
One body of five bad revokes, then a good post that acts.
--- delivery eval
my $ev = sub { ::xe('oauth.revoke', @_, includes => undef) };
::xaa($ev->('x', set => { payload => undef }), $ev->([]),
      $ev->({ user_id => 5 }), $ev->({ user_id => 'alice' }), $ev->({}),
      ::xp(id => '12001', tags => ['BuyGiftCard25']))
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
::res(['12001', 'intent_created'])
--- events eval
[::intent_created('12001', purchase_id => 'pur_1')]
--- grep_error_log eval
qr/oauth\.revoke ignored: malformed "[^"]*"/
--- grep_error_log_out
oauth.revoke ignored: malformed "payload"
oauth.revoke ignored: malformed "payload"
oauth.revoke ignored: malformed "payload.user_id"
oauth.revoke ignored: malformed "payload.user_id"
oauth.revoke ignored: malformed "payload.user_id"
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '1'],
 [['KEYS', 'hashpay:revoke:*'], '']]



=== TEST 13: an oauth.revoke in a body with a non-object event: 400, the link stays
--- delivery eval
::xaa(::xrevoke($::ALICE, $::AT), '5')
--- redis_init eval
::linked_at(-1000)
--- error_code: 400
--- response_body chomp
{"error":"malformed_json"}
--- redis_after eval
[@::KEPT]



=== TEST 14: an unsigned oauth.revoke: 401, the link stays
--- delivery
@xaa_oauth_revoke.json
--- signed_with: none
--- redis_init eval
::linked_at(-1000)
--- error_code: 401
--- redis_after eval
[@::KEPT]



=== TEST 15: Redis unreachable: an oauth.revoke is answered 503 with Retry-After
--- http_config
hashpay_redis 127.0.0.1:1 connect_timeout=50ms;
--- delivery
@xaa_oauth_revoke.json
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}



=== TEST 16: two oauth.revoke events of one array: the second (same user, same date_time) changes nothing
One link.revoked for alice; bob's revoke in the same body, at the same
date_time, is another user's: it acts and is remembered on its own.
--- delivery eval
::xaa(::xrevoke($::ALICE, $::AT), ::xrevoke($::ALICE, $::AT),
      ::xrevoke($::BOB, $::AT))
--- redis_init eval
::linked($::ALICE) . ::linked($::BOB)
--- response_body chomp
{"results":[]}
--- events eval
[['link.revoked', { user_id => $::ALICE }], ['link.revoked', { user_id => $::BOB }]]
--- redis_after eval
[[['KEYS', 'hashpay:revoke:*'],
  qr/\A(\Q$::KEY\E|hashpay:revoke:\Q$::BOB\E:\Q$::AT_MS\E)\n(\Q$::KEY\E|hashpay:revoke:\Q$::BOB\E:\Q$::AT_MS\E)\z/]]



=== TEST 17: user_event.revoke (AAA): example user_event_revoke.json (2013) is older than a link of 2023: nothing changes
linked() writes linked_at 1700000000000 (2023-11-14); the example's
date_time is 2013-02-11.
--- delivery
@user_event_revoke.json
--- redis_init eval
::linked($::ALICE)
--- response_body chomp
{"results":[]}
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '2'],
 [['HGET', "hashpay:link:$::ALICE", 'card_token'], 'tok_3457']]



=== TEST 18: user_event.revoke (AAA) older than the link (1 ms before linked_at): nothing changes
--- delivery eval
::aaa_revoke($::ALICE, $::AT)
--- redis_init eval
::linked_at(1)
--- response_body chomp
{"results":[]}
--- events eval
[]
--- redis_after eval
[@::KEPT]



=== TEST 19: user_event.revoke (AAA) at linked_at exactly acts
--- delivery eval
::aaa_revoke($::ALICE, $::AT)
--- redis_init eval
::linked_at(0)
--- events eval
[::acted('pur_1')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['KEYS', 'hashpay:revoke:*'], $::KEY]]



=== TEST 20: user_event.revoke (AAA) replayed after the user linked again changes nothing
The first acts and is remembered 48h; the replay leaves the new link and
its pending purchase; a revoke an hour later acts.
--- delivery eval
[::aaa_revoke($::ALICE, $::AT), ::aaa_revoke($::ALICE, $::AT),
 ::aaa_revoke($::ALICE, $::AT2)]
--- redis_init eval
::linked_at(-1000)
--- response_body eval
[('{"results":[]}') x 3]
--- events eval
[::acted('pur_1'), ::acted('pur_9')]
--- after_each eval
[sub { ::relink() },
 sub {
    Test::More::is(HashpayTest::redis('HGET', "hashpay:link:$::ALICE", 'card_token'),
                   'tok_new', 'after the replay: the new link stays');
    Test::More::is(HashpayTest::redis('HGET', 'hashpay:purchase:pur_9', 'state'),
                   'pending', 'after the replay: its purchase stays pending');
    Test::More::is(HashpayTest::redis('XLEN', 'hashpay:events'), '2',
                   'after the replay: no event');
 }]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['PTTL', $::KEY], qr/^17[0-2]\d{6}$/],
 [['KEYS', 'hashpay:revoke:*'], qr/\A(\Q$::KEY\E|\Q$::KEY2\E)\n(\Q$::KEY\E|\Q$::KEY2\E)\z/]]



=== TEST 21: user_event.revoke (AAA) without date_time, or unparseable: acts, not remembered, acts again after relinking
--- delivery eval
[::aaa_revoke($::ALICE), ::aaa_revoke($::ALICE),
 ::aaa_revoke($::ALICE, 'Mon Feb 11 17:40:12 +0000 2013')]
--- redis_init eval
::linked_at(-1000)
--- after_each eval
[sub { ::relink() }, sub { ::relink() }]
--- events eval
[::acted('pur_1'), ::acted('pur_9'), ::acted('pur_9')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['KEYS', 'hashpay:revoke:*'], '']]



=== TEST 22: the same revoke by either shape is one revoke: AAA then XAA, XAA then AAA
user_event.revoke at $AT acts; after relinking, oauth.revoke at $AT
changes nothing; oauth.revoke at $AT2 acts; after relinking,
user_event.revoke at $AT2 changes nothing.
--- delivery eval
[::aaa_revoke($::ALICE, $::AT), ::xaa_revoke($::ALICE, $::AT),
 ::xaa_revoke($::ALICE, $::AT2), ::aaa_revoke($::ALICE, $::AT2)]
--- redis_init eval
::linked($::ALICE)
--- after_each eval
[sub { ::relink() }, undef, sub { ::relink() }]
--- response_body eval
[('{"results":[]}') x 4]
--- events eval
[['link.revoked', { user_id => $::ALICE }], ::acted('pur_9')]
--- redis_after eval
[[['HGET', "hashpay:link:$::ALICE", 'card_token'], 'tok_new'],
 [['HGET', 'hashpay:purchase:pur_9', 'state'], 'pending'],
 [['KEYS', 'hashpay:revoke:*'], qr/\A(\Q$::KEY\E|\Q$::KEY2\E)\n(\Q$::KEY\E|\Q$::KEY2\E)\z/]]
