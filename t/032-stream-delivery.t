# Filtered Stream webhook deliveries (SPEC section 11): {"data": <post>,
# "includes": {...}, "matching_rules": [...]}, told apart by the top-level
# matching_rules.  The example stream_post_offer.json (not linked, linked,
# no offer); the top-level includes name the author (screen_name, account
# age) and carry the reposted post; matching_rules of any type; data not
# an object is 400 and nothing acts; a malformed post is ignored/malformed
# and logged; the same post by stream, X Activity API and Account Activity
# is one post; edits; a stream confirmation of a pending purchase; 401 and
# 503.
#
# The reading of a v2 post itself (every field, every malformed case) is
# t/031-xaa-delivery.t's: the stream shares it.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use HashpayPost;

our $GIFT = "HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25\n";

# alice linked, the offer, and her pending purchase pur_1 of code 7KQ2XD
our $PENDING = ::offer('BuyGiftCard25') . ::linked($::ALICE)
               . ::purchase(id => 'pur_1', code => '7KQ2XD');

# a stream body of alice's post with the offer hashtag
sub sgood {
    my ($id, %o) = @_;
    return ::stream(::p2(id => $id, tags => ['BuyGiftCard25']), %o);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: example stream_post_offer.json, author not linked: rejected/not_linked
The offer hashtag is lower-cased in the post; the event names the offer as
written, the author by the username of the top-level includes; the
outcome is recorded under the post id.
--- delivery
@stream_post_offer.json
--- redis_init eval
::offer('BuyGiftCard25')
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body eval
::res(['2000000000000000180', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('2000000000000000180', 'not_linked')]
--- redis_after eval
[[['GET', 'hashpay:tweet:2000000000000000180'], 'rejected:not_linked'],
 [['PTTL', 'hashpay:tweet:2000000000000000180'], qr/^17[0-2]\d{6}$/],
 [['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:2000000000000000180']]



=== TEST 2: example stream_post_offer.json, author linked: intent_created, held
--- delivery
@stream_post_offer.json
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
::res(['2000000000000000180', 'intent_created'])
--- events eval
[::intent_created('2000000000000000180', purchase_id => 'pur_1')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'tweet_id', 'user_id', 'screen_name',
   'state', 'offer'],
  "2000000000000000180\n$::ALICE\nalice\npending\nBuyGiftCard25"],
 [['ZRANGE', 'hashpay:holds:buygiftcard25', '0', '-1'], 'pur_1'],
 [['GET', 'hashpay:tweet:2000000000000000180'], 'intent_created:']]



=== TEST 3: example stream_post_offer.json with no such offer: ignored/no_offer, twice, nothing written
--- delivery eval
['@stream_post_offer.json', '@stream_post_offer.json']
--- error_code eval
[200, 200]
--- response_body eval
[(::res(['2000000000000000180', 'ignored', 'no_offer'])) x 2]
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 4: the top-level includes name the author: screen_name and account age
Alice's username as the top-level includes write it; bob's account is 30
days less 1 ms old at his post (Aged needs 30); an "includes" inside data
is not read (carol: screen_name ""); a wrapped entry is read (dave, not
linked).
--- delivery eval
my $dave = '1297234567890123460';
my $at = $::NOW_MS - 60000;
[::stream(::p2(id => '4001', tags => ['Gift']),
          includes => { users => [::u2($::ALICE, username => 'Alice_S')] }),
 ::stream(::p2(id => '4002', author => $::BOB, tags => ['Aged'],
               at => ::iso($at)),
          includes => { users => [::u2($::BOB,
                                       created => ::iso($at - 30 * 86400000 + 1))] }),
 ::stream(::p2(id => '4003', author => $::CAROL, tags => ['Gift'],
               set => { includes => { users => [::u2($::CAROL)] } }),
          includes => undef),
 ::stream(::p2(id => '4004', author => $dave, tags => ['Gift']),
          includes => { users => [ { data => ::u2($dave, username => 'dave_w') } ] })]
--- redis_init eval
::offer('Gift') . ::offer('Aged', min_account_age_days => 30)
. ::linked($::ALICE) . ::linked($::BOB) . ::linked($::CAROL)
--- response_body eval
[::res(['4001', 'intent_created']), ::res(['4002', 'rejected', 'account_too_new']),
 ::res(['4003', 'intent_created']), ::res(['4004', 'rejected', 'not_linked'])]
--- events eval
[::with(::intent_created('4001', offer => 'Gift', purchase_id => 'pur_1'), screen_name => 'Alice_S'),
 ::intent_rejected('4002', 'account_too_new', offer => 'Aged', user => $::BOB),
 ::with(::intent_created('4003', offer => 'Gift', user => $::CAROL, purchase_id => 'pur_2'),
        screen_name => ''),
 ::with(::intent_rejected('4004', 'not_linked', offer => 'Gift', user => '1297234567890123460'),
        screen_name => 'dave_w')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'screen_name'], 'Alice_S']]



=== TEST 5: matching_rules of any type make a Filtered Stream body
An empty list, an object, a string, null, a number, a list of odd
entries: each body's post acts.
--- delivery eval
[map { ::sgood(5001 + $_->[0], rules => $_->[1]) }
     [0, []], [1, {}], [2, 'rule'], [3, $::NULL], [4, 7], [5, [1, 'x', $::NULL]]]
--- redis_init eval
$::GIFT
--- error_code eval
[(200) x 6]
--- response_body eval
[map { ::res([$_, 'rejected', 'not_linked']) } 5001 .. 5006]
--- events eval
[map { ::intent_rejected($_, 'not_linked') } 5001 .. 5006]



=== TEST 6: data not an object: 400, nothing written
A string, a number, null, true, an array holding a good post, and no data
at all.
--- delivery eval
my $rules = '"matching_rules":[{"id":"1","tag":"t"}]';
[map({ '{"data":' . $_ . ',' . $rules . '}' }
     '"post"', '42', 'null', 'true',
     '[' . ::js(::p2(id => '6001', tags => ['BuyGiftCard25'])) . ']'),
 '{' . $rules . ',"includes":{"users":[]}}']
--- redis_init eval
$::GIFT
--- error_code eval
[(400) x 6]
--- response_body eval
[('{"error":"malformed_json"}') x 6]
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 7: a malformed post: id a number: ignored/malformed, tweet_id null, logged, nothing written
--- delivery eval
::stream(::p2(id => '7001', tags => ['BuyGiftCard25'], set => { id => 7001 }))
--- redis_init eval
$::GIFT
--- error_code: 200
--- response_body eval
::res([undef, 'ignored', 'malformed'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]
--- error_log
tweet #0 "" ignored: malformed "id"



=== TEST 8: a malformed post: the top-level includes not an object: ignored/malformed, logged
--- delivery eval
::sgood('8001', includes => [ { users => [::u2($::ALICE)] } ])
--- redis_init eval
$::GIFT
--- response_body eval
::res(['8001', 'ignored', 'malformed'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]
--- error_log
tweet #0 "8001" ignored: malformed "includes"



=== TEST 9: a malformed post: a hashtag's tag not a string: ignored/malformed, logged
--- delivery eval
::stream(::p2(id => '9001', set => { entities => { hashtags => [ { tag => 'BuyGiftCard25' }, { tag => 9 } ] } }))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['9001', 'ignored', 'malformed'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]
--- error_log
tweet #0 "9001" ignored: malformed "entities.hashtags[].tag"



=== TEST 10: matching_rules wins over data: an X Activity API event sent as stream data is a post without id
The event object read as a post has no "id": ignored/malformed, its
payload does not act; Account Activity tweets beside it are not read.
--- delivery eval
my $b = ::js({ data => ::xp(id => '10001', tags => ['BuyGiftCard25']),
               matching_rules => [],
               tweet_create_events => [::tw(id => '10002', tags => ['BuyGiftCard25'])] });
$b
--- redis_init eval
$::GIFT
--- response_body eval
::res([undef, 'ignored', 'malformed'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]
--- error_log
tweet #0 "" ignored: malformed "id"



=== TEST 11: the same post by stream, X Activity API and Account Activity: one effect
Stream first, then the others answer duplicate; X Activity API first,
then the stream answers duplicate.
--- delivery eval
[::sgood('11001'), ::xaa1(::xp(id => '11001', tags => ['BuyGiftCard25'])),
 ::dl(::tw(id => '11001', tags => ['BuyGiftCard25'])),
 ::xaa1(::xp(id => '11002', tags => ['BuyGiftCard25'])), ::sgood('11002')]
--- redis_init eval
$::GIFT
--- response_body eval
[::res(['11001', 'rejected', 'not_linked']), ::res(['11001', 'duplicate']),
 ::res(['11001', 'duplicate']),
 ::res(['11002', 'rejected', 'not_linked']), ::res(['11002', 'duplicate'])]
--- events eval
[::intent_rejected('11001', 'not_linked'), ::intent_rejected('11002', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], qr/\A(hashpay:tweet:1100[12]\n?){2}\z/]]



=== TEST 12: an edit of a stream post that acted: duplicate, the purchase keeps the original id
--- delivery eval
['@stream_post_offer.json',
 ::stream(::p2(id => '2000000000000000189', tags => ['BuyGiftCard25'],
               history => ['2000000000000000180', '2000000000000000189']))]
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
[::res(['2000000000000000180', 'intent_created']),
 ::res(['2000000000000000189', 'duplicate'])]
--- events eval
[::intent_created('2000000000000000180', purchase_id => 'pur_1')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'tweet_id'], '2000000000000000180'],
 [['KEYS', 'hashpay:purchase:*'], 'hashpay:purchase:pur_1']]



=== TEST 13: a stream confirmation of a pending purchase: confirmed
The code 7KQ2XD, lower-cased in the post; purchase.confirmed carries the
intent's tweet_id and the stream post's id.
--- delivery eval
::stream(::p2(id => '13001', tags => ['confirm7kq2xd'], mentions => [$::OPERATOR]))
--- redis_init eval
$::PENDING
--- response_body eval
::res(['13001', 'confirmed'])
--- events eval
[::confirmed('9001', '13001')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id', 'tweet_id'],
  "confirmed\n13001\n9001"],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0'],
 [['GET', "hashpay:bought:buygiftcard25:$::ALICE"], '1'],
 [['GET', 'hashpay:tweet:13001'], 'confirmed:']]



=== TEST 14: a stream repost of the operator's post (in the top-level includes.tweets) confirms
--- delivery eval
::stream(::p2(id => '14001', refs => [['retweeted', '14000']]),
         includes => { users => [::u2($::ALICE)],
                       tweets => [::p2(id => '14000', author => $::OPERATOR,
                                       tags => ['Confirm7KQ2XD'])] })
--- redis_init eval
$::PENDING
--- response_body eval
::res(['14001', 'confirmed'])
--- events eval
[::confirmed('9001', '14001')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id'], "confirmed\n14001"]]



=== TEST 15: a stream post by an operator account: ignored/operator, nothing written
--- delivery eval
::stream(::p2(id => '15001', author => $::OPERATOR, tags => ['Confirm7KQ2XD', 'BuyGiftCard25']))
--- redis_init eval
$::PENDING
--- response_body eval
::res(['15001', 'ignored', 'operator'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '9'], [['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending']]



=== TEST 16: an unsigned stream body: 401, nothing written
--- delivery
@stream_post_offer.json
--- signed_with: none
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- redis_after eval
[[['DBSIZE'], '4'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 17: Redis unreachable: a stream body is answered 503 with Retry-After
--- http_config
hashpay_redis 127.0.0.1:1 connect_timeout=50ms;
--- delivery
@stream_post_offer.json
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}
