# user_event.revoke (SPEC sections 4, 7 and 10): the user withdrew the
# app's access; their link goes and one link.revoked reports it. A revoke
# for a user without a link changes nothing; a malformed one is ignored
# and logged; the tweets delivered with it are processed as usual.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

our $ALICE = '1297234567890123457';
our $BOB = '1297234567890123458';

# a revoke body; source and target as JSON text
sub revoke {
    my ($source, $target) = @_;
    $target //= '{"app_id":"13090192"}';
    return '{"user_event":{"revoke":{"date_time":"2013-02-11T17:40:12+00:00",'
           . '"target":' . $target . ',"source":' . $source . '}}}';
}

# a tweet by bob with one hashtag, as JSON text, timed a minute before
# the file started (an old tweet is stale: SPEC section 10)
sub tweet {
    my ($id, $tag) = @_;
    my $ts = $HashpayTest::NOW_MS - 60000;
    return '{"id_str":"' . $id . '","text":"#' . $tag . '","truncated":false,'
           . '"user":{"id_str":"' . $BOB . '","screen_name":"bob"},'
           . '"entities":{"hashtags":[{"text":"' . $tag . '","indices":[0,1]}]},'
           . '"timestamp_ms":"' . $ts . '"}';
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: example user_event_revoke.json: the link goes, one link.revoked
The redelivery finds no link: no second event. Another user's link stays.
--- delivery eval
['@user_event_revoke.json', '@user_event_revoke.json']
--- redis_init
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
HSET hashpay:link:1297234567890123458 card_token tok_efgh screen_name bob
--- error_code eval
[200, 200]
--- response_body eval
['{"results":[]}', '{"results":[]}']
--- events eval
[['link.revoked', { user_id => '1297234567890123457' }]]
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457'], '0'],
 [['HGET', 'hashpay:link:1297234567890123458', 'card_token'], 'tok_efgh']]



=== TEST 2: revoke of a user without a link: 200, no event, no link created
--- delivery
@user_event_revoke.json
--- redis_init
HSET hashpay:link:1297234567890123458 card_token tok_efgh screen_name bob
--- error_code: 200
--- response_body chomp
{"results":[]}
--- events eval
[]
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457'], '0'],
 [['EXISTS', 'hashpay:link:1297234567890123458'], '1']]



=== TEST 3: a revoke alongside tweets: both act, each once
Bob's offer tweet is rejected (not_linked), his other tweet names no offer,
alice's link goes: two events, intent.rejected and link.revoked (in either
order); the redelivery adds none.
--- delivery eval
my $body = '{"for_user_id":"' . $::BOB . '","tweet_create_events":['
           . ::tweet('3001', 'BuyGiftCard25') . ',' . ::tweet('3002', 'Hello')
           . '],"user_event":{"revoke":{"source":{"user_id":"' . $::ALICE
           . '"}}}}';
[$body, $body]
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
--- error_code eval
[200, 200]
--- response_body eval
['{"results":[{"tweet_id":"3001","outcome":"rejected","reason":"not_linked"},{"tweet_id":"3002","outcome":"ignored","reason":"no_offer"}]}',
 '{"results":[{"tweet_id":"3001","outcome":"duplicate"},{"tweet_id":"3002","outcome":"ignored","reason":"no_offer"}]}']
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457'], '0'],
 [['XLEN', 'hashpay:events'], '2'],
 [['XRANGE', 'hashpay:events', '-', '+'],
  qr/^type\nlink\.revoked\ndata\n\{[^\n]*"user_id":"1297234567890123457"/m],
 [['XRANGE', 'hashpay:events', '-', '+'],
  qr/^type\nintent\.rejected\ndata\n\{[^\n]*"tweet_id":"3001"/m]]



=== TEST 4: malformed revokes are ignored: 200, the link stays, no event
source.user_id a number, not digits, empty, too long for an id; source
missing; revoke not an object.
--- delivery eval
[::revoke('{"user_id":1297234567890123457}'),
 ::revoke('{"user_id":"1297234567890123457x"}'),
 ::revoke('{"user_id":""}'),
 ::revoke('{"user_id":"1297234567890123457000000"}'),
 '{"user_event":{"revoke":{"target":{"app_id":"13090192"}}}}',
 '{"user_event":{"revoke":"1297234567890123457"}}']
--- redis_init
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
--- error_code eval
[(200) x 6]
--- response_body eval
[('{"results":[]}') x 6]
--- events eval
[]
--- redis_after eval
[[['HGET', 'hashpay:link:1297234567890123457', 'card_token'], 'tok_abcd']]



=== TEST 5: a malformed revoke is logged with the field it got wrong
--- delivery eval
::revoke('{"user_id":1297234567890123457}')
--- redis_init
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
--- error_code: 200
--- error_log
user_event.revoke ignored: malformed "user_event.revoke.source.user_id"
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457'], '1']]



=== TEST 6: the target is not read: a revoke with an odd target still acts
The user is named by source.user_id; target.app_id as a number, or no
target at all, does not make the revoke malformed.
--- delivery eval
[::revoke('{"user_id":"' . $::ALICE . '"}', '{"app_id":13090192}'),
 '{"user_event":{"revoke":{"source":{"user_id":"' . $::BOB . '"}}}}']
--- redis_init
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
HSET hashpay:link:1297234567890123458 card_token tok_efgh screen_name bob
--- error_code eval
[200, 200]
--- events eval
[['link.revoked', { user_id => '1297234567890123457' }],
 ['link.revoked', { user_id => '1297234567890123458' }]]
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457', 'hashpay:link:1297234567890123458'], '0']]



=== TEST 7: a revoke in a body whose tweet_create_events is not an array: 400
Nothing of a bad body acts: the link stays.
--- delivery eval
'{"tweet_create_events":{},"user_event":{"revoke":{"source":{"user_id":"'
. $::ALICE . '"}}}}'
--- redis_init
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
--- error_code: 400
--- response_body chomp
{"error":"malformed_json"}
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457'], '1'],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 8: an unsigned revoke: 401, the link stays
--- delivery
@user_event_revoke.json
--- signed_with: none
--- redis_init
HSET hashpay:link:1297234567890123457 card_token tok_abcd screen_name alice
--- error_code: 401
--- redis_after eval
[[['EXISTS', 'hashpay:link:1297234567890123457'], '1'],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 9: Redis unreachable: a revoke is answered 503 with Retry-After
--- http_config
hashpay_redis 127.0.0.1:1 connect_timeout=50ms;
--- delivery
@user_event_revoke.json
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}
