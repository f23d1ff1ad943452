# What a signed delivery does (SPEC sections 4, 7 and 10): the examples of
# t/data/examples, which tweets act and on which hashtag, tweets that do
# nothing, malformed events and bodies, idempotency per id_str, the
# confirmation lockout, the 200 body and $hashpay_outcome.
#
# Offers and links are written straight into Redis (the admin API comes
# later); an offer from an unlinked author is rejected/not_linked, a
# confirmation whose code is not in Redis is rejected/unknown_code.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use JSON::PP ();

# post times: a minute before the file started (an old post is stale:
# SPEC section 10; t/033-stale.t)
our $TS = $HashpayTest::NOW_MS - 60000;

our $ALICE = '1297234567890123457';
our $BOB = '1297234567890123458';
our $OPERATOR = '15234567';

# a tweet_create_events[] entry: id, user (id_str), name (screen_name),
# tags (hashtag texts), then top-level fields to set (undef: delete);
# timestamp_ms is $TS as a string
sub tw {
    my (%o) = @_;
    my $user = $o{user} // $ALICE;
    my $t = {
        id_str => $o{id},
        text => 'a tweet',
        truncated => JSON::PP::false,
        user => {
            id_str => $user,
            screen_name => $o{name} // ($user eq $ALICE ? 'alice' : 'bob'),
            created_at => 'Wed May 23 06:01:13 +0000 2007',
        },
        entities => {
            hashtags => [ map { { text => $_, indices => [0, 1] } }
                          @{ $o{tags} || [] } ],
            user_mentions => [],
            urls => [],
        },
        timestamp_ms => "$::TS",
    };
    for my $k (keys %{ $o{set} || {} }) {
        if (defined $o{set}{$k}) {
            $t->{$k} = $o{set}{$k};
        } else {
            delete $t->{$k};
        }
    }
    return $t;
}

# a delivery body: tweets (hashes, or raw JSON text), for_user_id alice
sub dl {
    my $for = ref $_[0] ? $ALICE : shift;
    return '{"for_user_id":"' . $for . '","tweet_create_events":['
           . join(',', map { ref $_ ? JSON::PP->new->canonical->ascii->encode($_)
                                    : $_ } @_)
           . ']}';
}

# the exact 200 body: [tweet_id (undef: null), outcome, reason], ...
sub results {
    return '{"results":[' . join(',', map {
        my ($id, $outcome, $reason) = @$_;
        '{"tweet_id":' . (defined $id ? "\"$id\"" : 'null')
        . ',"outcome":"' . $outcome . '"'
        . (defined $reason ? ',"reason":"' . $reason . '"' : '') . '}'
    } @_) . ']}';
}

# intent.rejected / confirm.rejected as --- events expects them
sub not_linked {
    my ($tweet, $offer, $user) = @_;
    $user //= $ALICE;
    return ['intent.rejected', { offer => $offer, user_id => $user,
             screen_name => ($user eq $ALICE ? 'alice' : 'bob'),
             tweet_id => $tweet, reason => 'not_linked' }];
}

sub confirm_rejected {
    my ($tweet, $tag, $reason, $user) = @_;
    return ['confirm.rejected', { user_id => $user // $ALICE,
             tweet_id => $tweet, confirm_tag => $tag, reason => $reason }];
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: example tweet_offer.json, author not linked: rejected/not_linked
The outcome is recorded for hashpay_dedupe_ttl (48h by default) and one
intent.rejected reports it; the offer is named by its own tag.
--- delivery
@tweet_offer.json
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25 title Gift
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123457","outcome":"rejected","reason":"not_linked"}]}
--- events eval
[::not_linked('1301234567890123457', 'BuyGiftCard25')]
--- redis_after eval
[[['EXISTS', 'hashpay:tweet:1301234567890123457'], '1'],
 [['PTTL', 'hashpay:tweet:1301234567890123457'], qr/^17[0-2]\d{6}$/]]



=== TEST 2: example tweet_offer.json with no such offer: ignored/no_offer, twice
Ignored tweets are not recorded: the redelivery is ignored again, not
duplicate, and Redis stays empty.
--- delivery eval
['@tweet_offer.json', '@tweet_offer.json']
--- error_code eval
[200, 200]
--- response_body eval
[('{"results":[{"tweet_id":"1301234567890123457","outcome":"ignored","reason":"no_offer"}]}') x 2]
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 3: example tweet_operator_reply.json: ignored/operator
The operator's reply carries a confirmation hashtag; it must not loop back
(nothing counted, nothing recorded).
--- delivery
@tweet_operator_reply.json
--- error_code: 200
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123460","outcome":"ignored","reason":"operator"}]}
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 4: the same reply where 15234567 is not an operator account acts
Counter-proof of TEST 3: with other operator accounts, the reply's
confirmation hashtag is a (failed) confirmation by 15234567.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_operator_accounts 1 99999999;
}
--- delivery
@tweet_operator_reply.json
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123460","outcome":"rejected","reason":"unknown_code"}]}
--- events eval
[::confirm_rejected('1301234567890123460', '#Confirm7KQ2XD', 'unknown_code', '15234567')]



=== TEST 5: example tweet_confirm.json (lower-cased, numeric timestamp_ms)
The code is not in Redis: unknown_code; confirm_tag carries the configured
prefix and the upper-cased code; the failure counts one attempt.
--- delivery
@tweet_confirm.json
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123470","outcome":"rejected","reason":"unknown_code"}]}
--- events eval
[::confirm_rejected('1301234567890123470', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', 'hashpay:attempts:1297234567890123457'], '1'],
 [['EXISTS', 'hashpay:tweet:1301234567890123470'], '1']]



=== TEST 6: example tweet_retweet_confirm.json confirms for the retweeting author
A retweet of the operator's tweet carrying a confirmation hashtag acts on
behalf of alice, not of the operator.
--- delivery
@tweet_retweet_confirm.json
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123480","outcome":"rejected","reason":"unknown_code"}]}
--- events eval
[::confirm_rejected('1301234567890123480', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', 'hashpay:attempts:1297234567890123457'], '1'],
 [['EXISTS', 'hashpay:attempts:15234567'], '0']]



=== TEST 7: retweets that never act: ignored/retweet, nothing written
A retweet of a customer's offer tweet, a retweet of an operator tweet that
has only an offer hashtag, and a retweet whose own entities carry a
confirmation hashtag that the retweeted (non-operator) tweet lacks.
--- delivery eval
::dl(::tw(id => '7001', tags => ['BuyGiftCard25'],
          set => { retweeted_status => ::tw(id => '7000', user => $::BOB,
                                             tags => ['BuyGiftCard25']) }),
     ::tw(id => '7002', tags => ['BuyGiftCard25'],
          set => { retweeted_status => ::tw(id => '7000', user => $::OPERATOR,
                                             tags => ['BuyGiftCard25']) }),
     ::tw(id => '7003', tags => ['Confirm7KQ2XD'],
          set => { retweeted_status => ::tw(id => '7000', user => $::BOB,
                                             tags => ['Confirm7KQ2XD']) }))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['7001', 'ignored', 'retweet'], ['7002', 'ignored', 'retweet'],
          ['7003', 'ignored', 'retweet'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 8: retweet to confirm reads retweeted_status, and its extended_tweet
The code is the retweeted operator tweet's (7KQ2XD), not the one in the
retweet's own entities; a truncated retweeted tweet is read from its
extended_tweet.
--- delivery eval
::dl(::tw(id => '8001', tags => ['Confirm222222'],
          set => { retweeted_status => ::tw(id => '8000', user => $::OPERATOR,
                                             tags => ['Confirm7KQ2XD']) }),
     ::tw(id => '8002', tags => [],
          set => { retweeted_status => ::tw(id => '8000', user => $::OPERATOR,
                     tags => [],
                     set => { truncated => JSON::PP::true,
                              extended_tweet => { full_text => 'x',
                                entities => { hashtags => [
                                  { text => 'confirm3pq4rs', indices => [0, 1] }
                                ] } } }) }))
--- response_body eval
::results(['8001', 'rejected', 'unknown_code'],
          ['8002', 'rejected', 'unknown_code'])
--- events eval
[::confirm_rejected('8001', '#Confirm7KQ2XD', 'unknown_code'),
 ::confirm_rejected('8002', '#Confirm3PQ4RS', 'unknown_code')]



=== TEST 9: example tweet_quote.json: the quoted offer hashtag does not act
The quote has no hashtag of its own: ignored/no_hashtag, nothing recorded.
--- delivery
@tweet_quote.json
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123500","outcome":"ignored","reason":"no_hashtag"}]}
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 10: a quote acts on its own hashtags only
The quoted tweet's confirmation hashtag does not win over the quote's own
offer hashtag.
--- delivery eval
::dl(::tw(id => '10001', tags => ['BuyGiftCard25'],
          set => { is_quote_status => JSON::PP::true,
                   quoted_status => ::tw(id => '10000', user => $::OPERATOR,
                                         tags => ['Confirm7KQ2XD']) }))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['10001', 'rejected', 'not_linked'])
--- events eval
[::not_linked('10001', 'BuyGiftCard25')]



=== TEST 11: example tweet_truncated_extended.json acts on extended_tweet's hashtag
--- delivery
@tweet_truncated_extended.json
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123490","outcome":"rejected","reason":"not_linked"}]}
--- events eval
[::not_linked('1301234567890123490', 'BuyGiftCard25')]



=== TEST 12: extended_tweet is read only when the tweet is truncated
Truncated: the extended hashtags replace the short ones (Other is not
considered first). Not truncated: extended_tweet is ignored.
--- delivery eval
::dl(::tw(id => '12001', tags => ['Other'],
          set => { truncated => JSON::PP::true,
                   extended_tweet => { full_text => 'x', entities => {
                     hashtags => [ { text => 'BuyGiftCard25', indices => [0, 1] } ] } } }),
     ::tw(id => '12002', tags => [],
          set => { extended_tweet => { full_text => 'x', entities => {
                     hashtags => [ { text => 'BuyGiftCard25', indices => [0, 1] } ] } } }))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:offer:other tag Other
--- response_body eval
::results(['12001', 'rejected', 'not_linked'], ['12002', 'ignored', 'no_hashtag'])
--- events eval
[::not_linked('12001', 'BuyGiftCard25')]



=== TEST 13: example favorite_events.json: acknowledged, no results, nothing written
Its favorited status carries a confirmation hashtag, which must not act.
--- delivery
@favorite_events.json
--- error_code: 200
--- response_body chomp
{"results":[]}
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 14: timestamp_ms as a string, as a number, or absent all act
A timestamp that is neither a digit string nor a non-negative integer is
malformed.
--- delivery eval
::dl(::tw(id => '14001', tags => ['BuyGiftCard25'],
          set => { timestamp_ms => "$::TS" }),
     ::tw(id => '14002', tags => ['BuyGiftCard25'],
          set => { timestamp_ms => $::TS + 1000 }),
     ::tw(id => '14003', tags => ['BuyGiftCard25'],
          set => { timestamp_ms => undef }),
     ::tw(id => '14004', tags => ['BuyGiftCard25'],
          set => { timestamp_ms => '13606021x3000' }),
     ::tw(id => '14005', tags => ['BuyGiftCard25'],
          set => { timestamp_ms => -1 }))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['14001', 'rejected', 'not_linked'], ['14002', 'rejected', 'not_linked'],
          ['14003', 'rejected', 'not_linked'], ['14004', 'ignored', 'malformed'],
          ['14005', 'ignored', 'malformed'])
--- events eval
[::not_linked('14001', 'BuyGiftCard25'), ::not_linked('14002', 'BuyGiftCard25'),
 ::not_linked('14003', 'BuyGiftCard25')]



=== TEST 15: hashtags match offers case-insensitively
--- delivery eval
::dl(::tw(id => '15001', tags => ['BUYGIFTCARD25']),
     ::tw(id => '15002', tags => ['buygiftcard25']),
     ::tw(id => '15003', tags => ['bUyGiFtCaRd25']))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['15001', 'rejected', 'not_linked'], ['15002', 'rejected', 'not_linked'],
          ['15003', 'rejected', 'not_linked'])
--- events eval
[::not_linked('15001', 'BuyGiftCard25'), ::not_linked('15002', 'BuyGiftCard25'),
 ::not_linked('15003', 'BuyGiftCard25')]



=== TEST 16: only ASCII letters are folded
#BUYGİFTCARD25 (U+0130) is not #buygiftcard25; #CAFé matches the offer
café, #CAFÉ does not.
--- delivery eval
::dl(::tw(id => '16001', tags => ["BUYG\x{130}FTCARD25"]),
     ::tw(id => '16002', tags => ["CAF\x{e9}"]),
     ::tw(id => '16003', tags => ["CAF\x{c9}"]))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:offer:café tag Café
--- response_body eval
::results(['16001', 'ignored', 'no_offer'], ['16002', 'rejected', 'not_linked'],
          ['16003', 'ignored', 'no_offer'])



=== TEST 17: the first offer hashtag in the tweet's order wins
Non-offer hashtags before it are passed over; one action per tweet.
--- delivery eval
::dl(::tw(id => '17001', tags => ['hello', 'Beta', 'Alpha']),
     ::tw(id => '17002', tags => ['Alpha', 'Beta']))
--- redis_init
HSET hashpay:offer:alpha tag Alpha
HSET hashpay:offer:beta tag Beta
--- response_body eval
::results(['17001', 'rejected', 'not_linked'], ['17002', 'rejected', 'not_linked'])
--- events eval
[::not_linked('17001', 'Beta'), ::not_linked('17002', 'Alpha')]



=== TEST 18: a confirmation hashtag wins over an offer hashtag before it
--- delivery eval
::dl(::tw(id => '18001', tags => ['BuyGiftCard25', 'Confirm7KQ2XD']))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['18001', 'rejected', 'unknown_code'])
--- events eval
[::confirm_rejected('18001', '#Confirm7KQ2XD', 'unknown_code')]



=== TEST 19: only the prefix + exactly 6 letters or digits is a confirmation hashtag
#Confirmed, 7 and 5 characters, and a "_" are ordinary hashtags (offers of
those names act as offers); any case of prefix and code confirms, written
back as #Confirm + the upper-cased code.
--- delivery eval
::dl(::tw(id => '19001', tags => ['Confirmed']),
     ::tw(id => '19002', tags => ['Confirm7KQ2XDA']),
     ::tw(id => '19003', tags => ['Confirm7KQ2X']),
     ::tw(id => '19004', tags => ['Confirm7KQ_2X']),
     ::tw(id => '19005', tags => ['CONFIRMab12cd']),
     ::tw(id => '19006', tags => ['confirmOOOOOO']))
--- redis_init
HSET hashpay:offer:confirmed tag Confirmed
HSET hashpay:offer:confirm7kq2xda tag Confirm7KQ2XDA
HSET hashpay:offer:confirm7kq_2x tag Confirm7KQ_2X
--- response_body eval
::results(['19001', 'rejected', 'not_linked'], ['19002', 'rejected', 'not_linked'],
          ['19003', 'ignored', 'no_offer'], ['19004', 'rejected', 'not_linked'],
          ['19005', 'rejected', 'unknown_code'], ['19006', 'rejected', 'unknown_code'])
--- events eval
[::not_linked('19001', 'Confirmed'), ::not_linked('19002', 'Confirm7KQ2XDA'),
 ::not_linked('19004', 'Confirm7KQ_2X'),
 ::confirm_rejected('19005', '#ConfirmAB12CD', 'unknown_code'),
 ::confirm_rejected('19006', '#ConfirmOOOOOO', 'unknown_code')]



=== TEST 20: hashpay_confirm_prefix decides what a confirmation hashtag is
With prefix "Pay", #Confirm7KQ2XD is an ordinary hashtag and #pay7kq2xd
confirms.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_confirm_prefix Pay;
}
--- delivery eval
::dl(::tw(id => '20001', tags => ['Confirm7KQ2XD']),
     ::tw(id => '20002', tags => ['pay7kq2xd']))
--- redis_init
HSET hashpay:offer:confirm7kq2xd tag Confirm7KQ2XD
--- response_body eval
::results(['20001', 'rejected', 'not_linked'], ['20002', 'rejected', 'unknown_code'])
--- events eval
[::not_linked('20001', 'Confirm7KQ2XD'),
 ::confirm_rejected('20002', '#Pay7KQ2XD', 'unknown_code')]



=== TEST 21: all of 200 hashtags are considered
Only the 200th names an offer; in the second tweet the confirmation
hashtag is the 200th, after an offer hashtag.
--- delivery eval
::dl(::tw(id => '21001', tags => [(map { "tag$_" } 1 .. 199), 'BuyGiftCard25']),
     ::tw(id => '21002', tags => ['BuyGiftCard25', (map { "tag$_" } 1 .. 198),
                                  'Confirm7KQ2XD']))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['21001', 'rejected', 'not_linked'], ['21002', 'rejected', 'unknown_code'])
--- events eval
[::not_linked('21001', 'BuyGiftCard25'),
 ::confirm_rejected('21002', '#Confirm7KQ2XD', 'unknown_code')]



=== TEST 22: tweets without hashtags: ignored/no_hashtag, not recorded
Empty list, no entities at all, and only an empty hashtag text.
--- delivery eval
::dl(::tw(id => '22001', tags => []),
     ::tw(id => '22002', set => { entities => undef }),
     ::tw(id => '22003', tags => ['']))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(['22001', 'ignored', 'no_hashtag'], ['22002', 'ignored', 'no_hashtag'],
          ['22003', 'ignored', 'no_hashtag'])
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 23: a tweet acts for its author only, not for the user it mentions
Bob's tweet arrives for alice (for_user_id, mention); alice is linked, bob
is not: the rejection is bob's.
--- delivery eval
::dl(::tw(id => '23001', user => $::BOB, tags => ['BuyGiftCard25'],
          set => { in_reply_to_user_id_str => $::ALICE, text => '@alice #BuyGiftCard25' }))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
--- response_body eval
::results(['23001', 'rejected', 'not_linked'])
--- events eval
[::not_linked('23001', 'BuyGiftCard25', $::BOB)]



=== TEST 24: malformed events are ignored and logged, the others act
Each bad event has one field that hashpay reads of the wrong type; the
tweet's "text", which hashpay does not read, may be anything. No malformed
event is recorded.
--- delivery eval
::dl(::tw(id => '24001', tags => ['BuyGiftCard25']),
     ::tw(id => '24o02', tags => ['BuyGiftCard25']),
     ::tw(id => '24003', tags => ['BuyGiftCard25'],
          set => { id_str => undef, id => 24003 }),
     ::tw(id => '24004', tags => ['BuyGiftCard25'], set => { user => undef }),
     ::tw(id => '24005', tags => ['BuyGiftCard25'],
          set => { user => { id_str => 1297234567890123457, screen_name => 'alice' } }),
     ::tw(id => '24006', set => { entities => { hashtags => ['BuyGiftCard25'] } }),
     ::tw(id => '24007', set => { entities => { hashtags => [ { text => 25 } ] } }),
     ::tw(id => '24008', set => { entities => { hashtags => { text => 'BuyGiftCard25' } } }),
     ::tw(id => '24009', tags => ['BuyGiftCard25'],
          set => { user => { id_str => $::ALICE, screen_name => [ 'alice' ] } }),
     ::tw(id => '24010', tags => ['BuyGiftCard25'],
          set => { retweeted_status => 'yes' }),
     '"not a tweet"',
     ::tw(id => '24012', tags => ['BuyGiftCard25'], set => { text => 42 }))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code: 200
--- response_body eval
::results(['24001', 'rejected', 'not_linked'], [undef, 'ignored', 'malformed'],
          [undef, 'ignored', 'malformed'], ['24004', 'ignored', 'malformed'],
          ['24005', 'ignored', 'malformed'], ['24006', 'ignored', 'malformed'],
          ['24007', 'ignored', 'malformed'], ['24008', 'ignored', 'malformed'],
          ['24009', 'ignored', 'malformed'], ['24010', 'ignored', 'malformed'],
          [undef, 'ignored', 'malformed'], ['24012', 'rejected', 'not_linked'])
--- events eval
[::not_linked('24001', 'BuyGiftCard25'), ::not_linked('24012', 'BuyGiftCard25')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], qr/\A(hashpay:tweet:24001\nhashpay:tweet:24012|hashpay:tweet:24012\nhashpay:tweet:24001)\z/]]
--- error_log
ignored: malformed "id_str"
ignored: malformed "user"
ignored: malformed "user.id_str"
ignored: malformed "entities.hashtags[]"
ignored: malformed "entities.hashtags[].text"
ignored: malformed "entities.hashtags"
ignored: malformed "user.screen_name"
ignored: malformed "retweeted_status"
ignored: malformed "tweet_create_events[]"



=== TEST 25: a body that is not a JSON object: 400, nothing written
An array (even one wrapping a good delivery), a string, a number, null,
true.
--- delivery eval
['[]',
 '[' . ::dl(::tw(id => '25001', tags => ['BuyGiftCard25'])) . ']',
 '"tweet_create_events"', '42', 'null', 'true']
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code eval
[(400) x 6]
--- response_body eval
[('{"error":"malformed_json"}') x 6]
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 26: tweet_create_events not an array: 400, nothing of the body acts
The object form wraps a good tweet.
--- delivery eval
['{"for_user_id":"1","tweet_create_events":{"0":'
   . JSON::PP->new->canonical->encode(::tw(id => '26001', tags => ['BuyGiftCard25'])) . '}}',
 '{"tweet_create_events":"tweets"}',
 '{"tweet_create_events":null}', '{"tweet_create_events":1}']
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code eval
[(400) x 4]
--- response_body eval
[('{"error":"malformed_json"}') x 4]
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 27: invalid, truncated and empty JSON: 400
Every body is correctly signed; none is JSON (truncated, trailing comma,
single quotes, two documents, invalid UTF-8, empty, blank).
--- delivery eval
[substr(::dl(::tw(id => '27001', tags => ['BuyGiftCard25'])), 0, -2),
 '{"tweet_create_events":[],}', "{'tweet_create_events':[]}",
 '{"a":1} {"b":2}', "{\"a\":\"\xff\xfe\"}", '', ' ']
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code eval
[(400) x 7]
--- response_body eval
[('{"error":"malformed_json"}') x 7]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 28: an unknown field with a large integer is not an error
Unknown fields are normal in X payloads (SPEC 10): a number beyond 64 bits
in one of them is still valid JSON, and the tweet acts.
--- delivery eval
::dl(::tw(id => '28001', tags => ['BuyGiftCard25'],
          set => { text => 'big' })) =~ s/"text":"big"/"view_count":184467440737095516160/r
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code: 200
--- response_body eval
::results(['28001', 'rejected', 'not_linked'])



=== TEST 29: idempotency is per id_str, whatever for_user_id
The tweet arrives for bob, then again for alice: duplicate, one event. An
id differing only beyond 2^53 is another tweet; the same tweet twice in one
delivery acts once.
--- delivery eval
[::dl($::BOB, ::tw(id => '1301234567890123457', user => $::BOB, tags => ['BuyGiftCard25'])),
 ::dl($::ALICE, ::tw(id => '1301234567890123457', user => $::BOB, tags => ['BuyGiftCard25'])),
 ::dl(::tw(id => '1301234567890123458', user => $::BOB, tags => ['BuyGiftCard25']),
      ::tw(id => '1301234567890123458', user => $::BOB, tags => ['BuyGiftCard25']))]
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code eval
[200, 200, 200]
--- response_body eval
[::results(['1301234567890123457', 'rejected', 'not_linked']),
 ::results(['1301234567890123457', 'duplicate']),
 ::results(['1301234567890123458', 'rejected', 'not_linked'],
           ['1301234567890123458', 'duplicate'])]
--- events eval
[::not_linked('1301234567890123457', 'BuyGiftCard25', $::BOB),
 ::not_linked('1301234567890123458', 'BuyGiftCard25', $::BOB)]



=== TEST 30: lockout: 5 unknown codes, then too_many_attempts, which is not counted
The sixth confirmation of the delivery is refused; a redelivery of a
counted tweet is a duplicate (no second count), a seventh is refused too;
another author is not locked out. The window is hashpay_confirm_ttl (15m).
--- delivery eval
[::dl(map { ::tw(id => "3000$_", tags => ["Confirm22222$_"]) } 1 .. 6),
 ::dl(::tw(id => '30001', tags => ['Confirm222221']),
      ::tw(id => '30007', tags => ['Confirm222227']),
      ::tw(id => '30008', user => $::BOB, tags => ['Confirm222228']))]
--- error_code eval
[200, 200]
--- response_body eval
[::results((map { ["3000$_", 'rejected', 'unknown_code'] } 1 .. 5),
           ['30006', 'rejected', 'too_many_attempts']),
 ::results(['30001', 'duplicate'], ['30007', 'rejected', 'too_many_attempts'],
           ['30008', 'rejected', 'unknown_code'])]
--- events eval
[(map { ::confirm_rejected("3000$_", "#Confirm22222$_", 'unknown_code') } 1 .. 5),
 ::confirm_rejected('30006', '#Confirm222226', 'too_many_attempts'),
 ::confirm_rejected('30007', '#Confirm222227', 'too_many_attempts'),
 ::confirm_rejected('30008', '#Confirm222228', 'unknown_code', $::BOB)]
--- redis_after eval
[[['GET', 'hashpay:attempts:1297234567890123457'], '5'],
 [['PTTL', 'hashpay:attempts:1297234567890123457'], qr/^(8\d{5}|900000)$/],
 [['GET', 'hashpay:attempts:1297234567890123458'], '1']]



=== TEST 31: the lockout refuses a correct code too, and never extends its window
Alice is locked out (5 failures, 60s left): her live code is refused. Bob
has 4 failures: his fifth counts without restarting the window, his sixth
is refused.
--- delivery eval
::dl(::tw(id => '31001', tags => ['Confirm7KQ2XD']),
     ::tw(id => '31002', user => $::BOB, tags => ['Confirm222222']),
     ::tw(id => '31003', user => $::BOB, tags => ['Confirm333333']))
--- redis_init
SET hashpay:code:7KQ2XD 1
SET hashpay:attempts:1297234567890123457 5 PX 60000
SET hashpay:attempts:1297234567890123458 4 PX 60000
--- response_body eval
::results(['31001', 'rejected', 'too_many_attempts'],
          ['31002', 'rejected', 'unknown_code'],
          ['31003', 'rejected', 'too_many_attempts'])
--- events eval
[::confirm_rejected('31001', '#Confirm7KQ2XD', 'too_many_attempts'),
 ::confirm_rejected('31002', '#Confirm222222', 'unknown_code', $::BOB),
 ::confirm_rejected('31003', '#Confirm333333', 'too_many_attempts', $::BOB)]
--- redis_after eval
[[['GET', 'hashpay:attempts:1297234567890123457'], '5'],
 [['PTTL', 'hashpay:attempts:1297234567890123457'], qr/^[1-6]\d{4}$/],
 [['GET', 'hashpay:attempts:1297234567890123458'], '5'],
 [['PTTL', 'hashpay:attempts:1297234567890123458'], qr/^[1-6]\d{4}$/]]



=== TEST 32: a redelivered failed confirmation is not counted twice
--- delivery eval
['@tweet_confirm.json', '@tweet_confirm.json']
--- response_body eval
['{"results":[{"tweet_id":"1301234567890123470","outcome":"rejected","reason":"unknown_code"}]}',
 '{"results":[{"tweet_id":"1301234567890123470","outcome":"duplicate"}]}']
--- events eval
[::confirm_rejected('1301234567890123470', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', 'hashpay:attempts:1297234567890123457'], '1']]



=== TEST 33: $hashpay_outcome in a log_format: a rejected tweet
--- http_config eval
"hashpay_redis 127.0.0.1:" . HashpayTest::redis_port() . ";\n"
. "log_format hashpay 'hp \$request_method \$status outcome=\$hashpay_outcome';\n"
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    access_log logs/access.log hashpay;
}
--- delivery
@tweet_offer.json
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123457","outcome":"rejected","reason":"not_linked"}]}
--- access_log
hp POST 200 outcome=rejected



=== TEST 34: $hashpay_outcome in a log_format: an ignored tweet
--- http_config eval
"hashpay_redis 127.0.0.1:" . HashpayTest::redis_port() . ";\n"
. "log_format hashpay 'hp \$request_method \$status outcome=\$hashpay_outcome';\n"
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    access_log logs/access.log hashpay;
}
--- delivery
@tweet_quote.json
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123500","outcome":"ignored","reason":"no_hashtag"}]}
--- access_log
hp POST 200 outcome=ignored



=== TEST 35: other methods: 405 with Allow and a JSON error, Redis untouched
--- request eval
["PUT /webhooks/x\n{}", "DELETE /webhooks/x", "PATCH /webhooks/x\n{}",
 "OPTIONS /webhooks/x"]
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code eval
[(405) x 4]
--- response_headers eval
[("Allow: GET, POST\nContent-Type: application/json") x 4]
--- response_body eval
[('{"error":"method_not_allowed"}') x 4]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 36: HEAD is another method: 405 with Allow, no body
--- request
HEAD /webhooks/x
--- error_code: 405
--- response_headers
Allow: GET, POST
--- response_body chomp



=== TEST 37: a body nginx buffered to a temporary file acts like any other
Three tweets of 200 hashtags (about 20 KB) with a 1 KB body buffer.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_body_buffer_size 1k;
    client_max_body_size 256k;
}
--- delivery eval
::dl(map { ::tw(id => "3700$_", tags => [(map { "filler$_" } 1 .. 199), 'BuyGiftCard25']) } 1 .. 3)
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- response_body eval
::results(map { ["3700$_", 'rejected', 'not_linked'] } 1 .. 3)
--- events eval
[map { ::not_linked("3700$_", 'BuyGiftCard25') } 1 .. 3]



=== TEST 38: a body over client_max_body_size: 413, nothing written
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_max_body_size 1k;
}
--- delivery eval
::dl(map { ::tw(id => "3800$_", tags => [(map { "filler$_" } 1 .. 30), 'BuyGiftCard25']) } 1 .. 3)
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code: 413
--- response_body chomp
{"error":"body_too_large"}
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 39: hashpay_prefix: every key the delivery touches starts with it
--- http_config eval
"hashpay_redis 127.0.0.1:" . HashpayTest::redis_port() . ";\nhashpay_prefix shop;\n"
--- delivery
@tweet_offer.json
--- redis_init
HSET shop:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:offer:buygiftcard25 tag Wrong
--- response_body chomp
{"results":[{"tweet_id":"1301234567890123457","outcome":"rejected","reason":"not_linked"}]}
--- redis_after eval
[[['XLEN', 'shop:events'], '1'],
 [['EXISTS', 'shop:tweet:1301234567890123457'], '1'],
 [['KEYS', 'hashpay:*'], 'hashpay:offer:buygiftcard25']]



=== TEST 40: Redis unreachable: 503 with Retry-After, so that X redelivers
--- http_config
hashpay_redis 127.0.0.1:1 connect_timeout=50ms;
--- delivery
@tweet_offer.json
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}
