# Purchase offers, the confirmation half (SPEC sections 4, 7 and 10): a
# confirmation hashtag from the purchase's author, within its window, on an
# active offer, turns the hold into a sale (purchase.confirmed); otherwise
# confirm.rejected says why, in the SPEC's order of checks, and nothing
# else changes.  The lockout: 5 failed codes (unknown_code, not_owner) in a
# window of confirm_ttl from the first lock the author out, a correct code
# too.  A fresh tweet, a reply, and a retweet of the operator's tweet
# confirm; codes match case-insensitively; tags are written upper-cased.
#
# Purchases are seeded per src/lua/README.md (code 7KQ2XD), or created by
# a first request and confirmed with the code it minted.
#
# Deliveries are built by HashpayFlow::dl() in the shape HASHPAY_SHAPE
# names: this file runs as it is for Account Activity, and through
# t/073-confirm-xaa.t and t/074-confirm-stream.t for the X Activity API
# and the Filtered Stream (SPEC section 11).  A Filtered Stream body holds
# one post, so every request here carries one tweet (bodies of several
# are t/030-delivery.t's subject).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;

our $SEED = ::offer('BuyGiftCard25') . ::linked($::ALICE) . ::linked($::BOB)
            . ::purchase(id => 'pur_1', code => '7KQ2XD');

# a pending purchase is untouched: still pending, held, nothing sold
our @UNTOUCHED = (
    [['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirmed_at',
      'confirm_tweet_id'], "pending\n\n"],
    [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0'],
    [['ZRANGE', 'hashpay:holds:buygiftcard25', '0', '-1'], 'pur_1'],
    [['EXISTS', "hashpay:bought:buygiftcard25:$::ALICE"], '0'],
);

sub confirm {
    my ($id, $code, %o) = @_;
    return ::tw(id => $id, tags => ["Confirm$code"], %o);
}

# the example of "retweet to confirm" in each shape, and its post id (the
# stream body carries the X Activity API example's post and includes)
our $RT_CONFIRM = ::by_shape(
    aaa => '@tweet_retweet_confirm.json',
    xaa => '@xaa_post_repost_confirm.json',
    stream => HashpayV2::stream_from_xaa(
        HashpayTest::example('xaa_post_repost_confirm.json')));
our $RT_CONFIRM_ID = ::by_shape(aaa => '1301234567890123480',
                                xaa => '2000000000000000140',
                                stream => '2000000000000000140');

::shape_ok();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: intent, then its code: confirmed, the hold becomes a sale
The card token is the one linked at confirmation (alice re-linked another
card between the two tweets); price and currency those of the intent
(the offer's price changed in between); tweet_id is the intent's,
confirm_tweet_id the confirming tweet's.
--- delivery eval
::dl(::tw(id => '1001', tags => ['BuyGiftCard25']))
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- after_each eval
[sub {
    my $code = ::code_of('pur_1');
    HashpayTest::redis('HSET', "hashpay:link:$::ALICE", 'card_token', 'tok_new');
    HashpayTest::redis('HSET', 'hashpay:offer:buygiftcard25', 'price_cents',
                       '9999', 'currency', 'EUR');
    my ($s, $b) = ::post(::dl(::confirm('1002', $code)));
    Test::More::is($s, '200', 'confirmation: 200');
    Test::More::is($b, ::results(['1002', 'confirmed']), 'confirmation: confirmed');
    my $p = ::purchase_of('pur_1');
    Test::More::is($p->{state}, 'confirmed', 'state confirmed');
    Test::More::is($p->{confirm_tweet_id}, '1002', 'confirm_tweet_id');
    Test::More::like($p->{confirmed_at}, qr/^\d{13}$/, 'confirmed_at is ms');
    Test::More::is($p->{expires_at}, $p->{created_at} + 900000, 'expires_at kept');
    my (undef, $data) = ::raw_events();
    Test::More::like($data, qr/"price_cents":2500,"currency":"USD"/,
                     'price_cents a JSON number, fixed at intent');
}]
--- response_body eval
::results(['1001', 'intent_created'])
--- events eval
[::intent_created('1001', purchase_id => 'pur_1'),
 ::confirmed('1001', '1002', card_token => 'tok_new')]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0'],
 [['GET', "hashpay:bought:buygiftcard25:$::ALICE"], '1'],
 [['EXISTS', "hashpay:pending:buygiftcard25:$::ALICE"], '0'],
 [['ZCARD', "hashpay:user_pending:$::ALICE"], '0'],
 [['GET', 'hashpay:tweet:1002'], 'confirmed:']]



=== TEST 2: a seeded purchase confirmed; its redelivery is a duplicate
Codes match case-insensitively (#confirm7kq2xd); the second tweet with the
same code is already_confirmed; limit reached afterwards.
--- delivery eval
[::dl(::confirm('2001', '7kq2xd', tags => ['confirm7kq2xd'])),
 ::dl(::confirm('2001', '7kq2xd', tags => ['confirm7kq2xd'])),
 ::dl(::confirm('2002', '7KQ2XD')),
 ::dl(::tw(id => '2003', tags => ['BuyGiftCard25']))]
--- redis_init eval
$::SEED
--- response_body eval
[::results(['2001', 'confirmed']), ::results(['2001', 'duplicate']),
 ::results(['2002', 'rejected', 'already_confirmed']),
 ::results(['2003', 'rejected', 'limit_reached'])]
--- events eval
[::confirmed('9001', '2001'),
 ::confirm_rejected('2002', '#Confirm7KQ2XD', 'already_confirmed'),
 ::intent_rejected('2003', 'limit_reached')]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['GET', "hashpay:bought:buygiftcard25:$::ALICE"], '1'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 3: unknown_code: counts one failed attempt; confirm_tag upper-cased
--- delivery eval
::dl(::confirm('3001', 'ab12cd', tags => ['CONFIRMab12cd']))
--- redis_init eval
$::SEED
--- response_body eval
::results(['3001', 'rejected', 'unknown_code'])
--- events eval
[::confirm_rejected('3001', '#ConfirmAB12CD', 'unknown_code')]
--- redis_after eval
[@::UNTOUCHED, [['GET', "hashpay:attempts:$::ALICE"], '1'],
 [['PTTL', "hashpay:attempts:$::ALICE"], qr/^(89\d{4}|900000)$/]]



=== TEST 4: not_owner: bob tweets alice's code; counts for bob
Also when bob is not linked at all: not_owner comes before not_linked.
--- delivery eval
::dl_each(::confirm('4001', '7KQ2XD', user => $::BOB),
          ::confirm('4002', '7KQ2XD', user => $::CAROL))
--- redis_init eval
$::SEED
--- response_body eval
::results_each(['4001', 'rejected', 'not_owner'],
               ['4002', 'rejected', 'not_owner'])
--- events eval
[::confirm_rejected('4001', '#Confirm7KQ2XD', 'not_owner', user => $::BOB),
 ::confirm_rejected('4002', '#Confirm7KQ2XD', 'not_owner', user => $::CAROL)]
--- redis_after eval
[@::UNTOUCHED, [['GET', "hashpay:attempts:$::BOB"], '1'],
 [['GET', "hashpay:attempts:$::CAROL"], '1'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 5: not_linked: the author's link is gone; does not count
--- delivery eval
::dl(::confirm('5001', '7KQ2XD'))
--- redis_init eval
$::SEED . "DEL hashpay:link:$::ALICE\n"
--- response_body eval
::results(['5001', 'rejected', 'not_linked'])
--- events eval
[::confirm_rejected('5001', '#Confirm7KQ2XD', 'not_linked')]
--- redis_after eval
[@::UNTOUCHED, [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 6: not_linked: a cancelled purchase, even with a link again
Also not_linked comes before already_confirmed: a confirmed purchase of a
user whose link is gone.
--- delivery eval
::dl_each(::confirm('6001', 'CCCCCC'),
          ::confirm('6002', 'DDDDDD', user => $::BOB))
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
. ::purchase(id => 'pur_1', code => 'CCCCCC', state => 'cancelled')
. ::purchase(id => 'pur_2', code => 'DDDDDD', state => 'confirmed', user => $::BOB)
--- response_body eval
::results_each(['6001', 'rejected', 'not_linked'],
               ['6002', 'rejected', 'not_linked'])
--- events eval
[::confirm_rejected('6001', '#ConfirmCCCCCC', 'not_linked'),
 ::confirm_rejected('6002', '#ConfirmDDDDDD', 'not_linked', user => $::BOB)]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0']]



=== TEST 7: already_confirmed comes before expired
--- delivery eval
::dl(::confirm('7001', 'CCCCCC'))
--- redis_init eval
::offer('BuyGiftCard25', sold => 1) . ::linked($::ALICE)
. ::purchase(id => 'pur_1', code => 'CCCCCC', state => 'confirmed',
             expires_at => 1000)
--- response_body eval
::results(['7001', 'rejected', 'already_confirmed'])
--- events eval
[::confirm_rejected('7001', '#ConfirmCCCCCC', 'already_confirmed')]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1']]



=== TEST 8: expired: after expires_at; before offer_inactive; no sale
The offer of the second purchase has ended too: expired wins.
--- delivery eval
::dl_each(::confirm('8001', 'CCCCCC'), ::confirm('8002', 'DDDDDD'))
--- redis_init eval
::offer('BuyGiftCard25') . ::offer('Ended', active => 0) . ::linked($::ALICE)
. ::purchase(id => 'pur_1', code => 'CCCCCC', expires_at => 1000)
. ::purchase(id => 'pur_2', code => 'DDDDDD', expires_at => 1000, tag => 'Ended')
--- response_body eval
::results_each(['8001', 'rejected', 'expired'],
               ['8002', 'rejected', 'expired'])
--- events eval
[::confirm_rejected('8001', '#ConfirmCCCCCC', 'expired'),
 ::confirm_rejected('8002', '#ConfirmDDDDDD', 'expired')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirmed_at'], "pending\n"],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 9: offer_inactive: the offer ended while the purchase was pending
Ended (active 0) and past its ends_at: the hold stays until it expires.
--- delivery eval
::dl_each(::confirm('9001', 'CCCCCC'), ::confirm('9002', 'DDDDDD'))
--- redis_init eval
::offer('BuyGiftCard25', active => 0) . ::offer('Over', ends_at => 1700000000)
. ::linked($::ALICE)
. ::purchase(id => 'pur_1', code => 'CCCCCC')
. ::purchase(id => 'pur_2', code => 'DDDDDD', tag => 'Over')
--- response_body eval
::results_each(['9001', 'rejected', 'offer_inactive'],
               ['9002', 'rejected', 'offer_inactive'])
--- events eval
[::confirm_rejected('9001', '#ConfirmCCCCCC', 'offer_inactive'),
 ::confirm_rejected('9002', '#ConfirmDDDDDD', 'offer_inactive')]
--- redis_after eval
[@::UNTOUCHED[0, 2], [['HGET', 'hashpay:offer:over', 'sold'], '0'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 10: lockout: 5 failed codes, then a correct one is refused
Three unknown codes and two not_owner (bob's code) make 5; the 6th, the
correct code, is too_many_attempts and changes nothing; the count stays 5.
--- delivery eval
::dl_each(::confirm('10001', 'AAAAA2'), ::confirm('10002', 'AAAAA3'),
          ::confirm('10003', 'AAAAA4'), ::confirm('10004', 'BBBBBB'),
          ::confirm('10005', 'BBBBBB'), ::confirm('10006', '7KQ2XD'))
--- redis_init eval
$::SEED . ::offer('Other')
. ::purchase(id => 'pur_2', code => 'BBBBBB', user => $::BOB, tag => 'Other')
--- response_body eval
::results_each(['10001', 'rejected', 'unknown_code'],
               ['10002', 'rejected', 'unknown_code'],
               ['10003', 'rejected', 'unknown_code'],
               ['10004', 'rejected', 'not_owner'],
               ['10005', 'rejected', 'not_owner'],
               ['10006', 'rejected', 'too_many_attempts'])
--- events eval
[::confirm_rejected('10001', '#ConfirmAAAAA2', 'unknown_code'),
 ::confirm_rejected('10002', '#ConfirmAAAAA3', 'unknown_code'),
 ::confirm_rejected('10003', '#ConfirmAAAAA4', 'unknown_code'),
 ::confirm_rejected('10004', '#ConfirmBBBBBB', 'not_owner'),
 ::confirm_rejected('10005', '#ConfirmBBBBBB', 'not_owner'),
 ::confirm_rejected('10006', '#Confirm7KQ2XD', 'too_many_attempts')]
--- redis_after eval
[@::UNTOUCHED, [['GET', "hashpay:attempts:$::ALICE"], '5'],
 [['EXISTS', "hashpay:attempts:$::BOB"], '0']]



=== TEST 11: only unknown_code and not_owner count; redeliveries never
Four unknown codes, one of them delivered three times, and an expired and
a not_linked-free (another user's) rejection: the count is 4 and the
correct code confirms.
--- delivery eval
[::dl(::confirm('11001', 'AAAAA2')), ::dl(::confirm('11001', 'AAAAA2')),
 ::dl(::confirm('11001', 'AAAAA2')),
 @{ ::dl_each(::confirm('11002', 'AAAAA3'), ::confirm('11003', 'AAAAA4'),
              ::confirm('11004', 'AAAAA5'), ::confirm('11005', 'EEEEEE'),
              ::confirm('11006', '7KQ2XD')) }]
--- redis_init eval
$::SEED . ::purchase(id => 'pur_2', code => 'EEEEEE', tag => 'Other',
                     expires_at => 1000) . ::offer('Other')
--- response_body eval
[::results(['11001', 'rejected', 'unknown_code']),
 ::results(['11001', 'duplicate']), ::results(['11001', 'duplicate']),
 @{ ::results_each(['11002', 'rejected', 'unknown_code'],
                   ['11003', 'rejected', 'unknown_code'],
                   ['11004', 'rejected', 'unknown_code'],
                   ['11005', 'rejected', 'expired'],
                   ['11006', 'confirmed']) }]
--- redis_after eval
[[['GET', "hashpay:attempts:$::ALICE"], '4'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'confirmed'],
 [['XLEN', 'hashpay:events'], '6']]



=== TEST 12: the lockout window runs confirm_ttl from the first failure
confirm_ttl 1s: 5 failures (one request each), a correct code refused
0.6 s later (not extending the window), accepted once 1.2 s have passed
since the first failure.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_confirm_ttl 1s;
}
--- delivery eval
[@{ ::dl_each(map { ::confirm("1200$_", "AAAAA$_") } 2 .. 6) },
 ::dl(::confirm('12007', '7KQ2XD')),
 ::dl(::confirm('12008', '7KQ2XD'))]
--- redis_init eval
$::SEED
--- after_each eval
[undef, undef, undef, undef,
 sub { select(undef, undef, undef, 0.6) },
 sub {
    Test::More::is(HashpayTest::redis('GET', "hashpay:attempts:$::ALICE"),
                   '5', 'a refusal for too_many_attempts does not count');
    select(undef, undef, undef, 0.6);
 }]
--- response_body eval
[@{ ::results_each(map { ["1200$_", 'rejected', 'unknown_code'] } 2 .. 6) },
 ::results(['12007', 'rejected', 'too_many_attempts']),
 ::results(['12008', 'confirmed'])]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'confirmed']]



=== TEST 13: confirmation by a reply to the operator's tweet
--- delivery eval
::dl(::confirm('13001', '7KQ2XD', set => {
    in_reply_to_status_id_str => '1301234567890123470',
    in_reply_to_user_id_str => $::OPERATOR }))
--- redis_init eval
$::SEED
--- response_body eval
::results(['13001', 'confirmed'])
--- events eval
[::confirmed('9001', '13001')]



=== TEST 14: the retweet-to-confirm example confirms
tweet_retweet_confirm.json (AAA), xaa_post_repost_confirm.json (XAA; the
stream body carries its post and includes).  On behalf of the retweeting
author (alice); the code is read from the retweeted tweet (v2: the
reposted post in includes.tweets).
--- delivery eval
$::RT_CONFIRM
--- redis_init eval
$::SEED
--- response_body eval
::results([$::RT_CONFIRM_ID, 'confirmed'])
--- events eval
[::confirmed('9001', $::RT_CONFIRM_ID)]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1']]



=== TEST 15: a retweet of someone else's tweet with the code does not confirm
Bob's tweet carries alice's code; alice retweets it: ignored/retweet.
--- delivery eval
::dl(::confirm('15001', '7KQ2XD', set => {
    retweeted_status => ::confirm('15000', '7KQ2XD', user => $::BOB) }))
--- redis_init eval
$::SEED
--- response_body eval
::results(['15001', 'ignored', 'retweet'])
--- events eval
[]
--- redis_after eval
[@::UNTOUCHED]



=== TEST 16: a confirmation hashtag wins over an offer hashtag in the same tweet
--- delivery eval
::dl(::tw(id => '16001', tags => ['BuyGiftCard25', 'Confirm7KQ2XD']))
--- redis_init eval
$::SEED
--- response_body eval
::results(['16001', 'confirmed'])
--- events eval
[::confirmed('9001', '16001')]



=== TEST 17: a retweet of the operator's tweet built by tw() confirms
The retweeted tweet (the operator's, with alice's code) carries the
hashtag; the retweet's own text has none.
--- delivery eval
::dl(::tw(id => '17001', set => {
    retweeted_status => ::confirm('17000', '7KQ2XD', user => $::OPERATOR) }))
--- redis_init eval
$::SEED
--- response_body eval
::results(['17001', 'confirmed'])
--- events eval
[::confirmed('9001', '17001')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id'],
  "confirmed\n17001"],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]
