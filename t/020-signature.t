# Signed deliveries: either header, every configured secret, both headers
# must verify when both are present; a bad or missing signature is 401 and
# touches Redis not at all.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: known-answer vector (secret "test-consumer-secret")
The signature of {"test_number":1,"test_string":"two"} is
sha256=HOCSlcCM0cHiLvLRJAo6KBigboYZ//SE8upMoWsyIgw= (openssl dgst -sha256
-hmac test-consumer-secret; the platform's own vector, secret "test", is
too short a secret for nginx -t and is a unit test): an object without
tweets is acknowledged with no results.
--- request
POST /webhooks/x
{"test_number":1,"test_string":"two"}
--- more_headers
x-twitter-webhooks-signature: sha256=HOCSlcCM0cHiLvLRJAo6KBigboYZ//SE8upMoWsyIgw=
--- error_code: 200
--- response_body chomp
{"results":[]}



=== TEST 2: the same vector, one byte changed in the body
--- request
POST /webhooks/x
{"test_number":2,"test_string":"two"}
--- more_headers
x-twitter-webhooks-signature: sha256=HOCSlcCM0cHiLvLRJAo6KBigboYZ//SE8upMoWsyIgw=
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- error_log
signature in "x-twitter-webhooks-signature" does not verify



=== TEST 3: no signature header: 401, nothing in Redis
--- delivery
@tweet_offer.json
--- signed_with: none
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- error_log
webhook without a signature header
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 4: signed with the wrong secret: 401, nothing in Redis
--- delivery
@tweet_offer.json
--- signed_with: not-the-secret
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 5: a signature of the wrong shape: 401
--- request eval
["POST /webhooks/x\n{}", "POST /webhooks/x\n{}", "POST /webhooks/x\n{}",
 "POST /webhooks/x\n{}", "POST /webhooks/x\n{}"]
--- more_headers eval
["x-twitter-webhooks-signature: " . substr(HashpayTest::sign('test-consumer-secret', '{}'), 7),
 "x-twitter-webhooks-signature: sha1=" . substr(HashpayTest::sign('test-consumer-secret', '{}'), 7),
 "x-twitter-webhooks-signature: " . HashpayTest::sign('test-consumer-secret', '{}') . "x",
 "x-twitter-webhooks-signature: " . substr(HashpayTest::sign('test-consumer-secret', '{}'), 0, -1),
 "x-twitter-webhooks-signature: SHA256=" . substr(HashpayTest::sign('test-consumer-secret', '{}'), 7)]
--- error_code eval
[401, 401, 401, 401, 401]



=== TEST 6: the oauth2 header alone verifies
--- delivery
{"for_user_id":"1","favorite_events":[]}
--- signature_header: x-twitter-webhooks-signature-oauth2
--- error_code: 200
--- response_body chomp
{"results":[]}



=== TEST 7: header names are case-insensitive
--- delivery
{"for_user_id":"1"}
--- signature_header: X-Twitter-Webhooks-Signature
--- error_code: 200



=== TEST 8: both headers present and both good
--- request
POST /webhooks/x
{"a":1}
--- more_headers eval
"x-twitter-webhooks-signature: " . HashpayTest::sign('test-consumer-secret', '{"a":1}') . "\n"
. "x-twitter-webhooks-signature-oauth2: " . HashpayTest::sign('test-consumer-secret', '{"a":1}')
--- error_code: 200



=== TEST 9: both headers present, the oauth2 one bad: 401
--- request
POST /webhooks/x
{"a":1}
--- more_headers eval
"x-twitter-webhooks-signature: " . HashpayTest::sign('test-consumer-secret', '{"a":1}') . "\n"
. "x-twitter-webhooks-signature-oauth2: " . HashpayTest::sign('nope', '{"a":1}')
--- error_code: 401
--- error_log
signature in "x-twitter-webhooks-signature-oauth2" does not verify



=== TEST 10: both headers present, the first one bad: 401
--- request
POST /webhooks/x
{"a":1}
--- more_headers eval
"x-twitter-webhooks-signature: " . HashpayTest::sign('nope', '{"a":1}') . "\n"
. "x-twitter-webhooks-signature-oauth2: " . HashpayTest::sign('test-consumer-secret', '{"a":1}')
--- error_code: 401



=== TEST 11: rotation: every configured secret verifies
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret new-consumer-secret;
    hashpay_consumer_secret old-consumer-secret;
}
--- delivery eval
['{"n":1}', '{"n":2}']
--- signed_with: old-consumer-secret
--- error_code eval
[200, 200]



=== TEST 12: rotation: the first secret verifies too, a third does not
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret new-consumer-secret;
    hashpay_consumer_secret old-consumer-secret;
}
--- request eval
["POST /webhooks/x\n{}", "POST /webhooks/x\n{}"]
--- more_headers eval
["x-twitter-webhooks-signature: " . HashpayTest::sign('new-consumer-secret', '{}'),
 "x-twitter-webhooks-signature: " . HashpayTest::sign('third-consumer-secret', '{}')]
--- error_code eval
[200, 401]



=== TEST 13: secrets from a file, one a line, white space ignored
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret_file secrets;
}
--- user_files
>>> ../conf/secrets

   first-consumer-secret

	second-consumer-secret
--- request eval
["POST /webhooks/x\n{}", "POST /webhooks/x\n{}", "POST /webhooks/x\n{}"]
--- more_headers eval
["x-twitter-webhooks-signature: " . HashpayTest::sign('first-consumer-secret', '{}'),
 "x-twitter-webhooks-signature: " . HashpayTest::sign('second-consumer-secret', '{}'),
 "x-twitter-webhooks-signature: " . HashpayTest::sign('first-consumer-secret ', '{}')]
--- error_code eval
[200, 200, 401]



=== TEST 14: the secret never reaches the log, even at debug level
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret Sup3rS3cretValue;
}
--- request eval
["POST /webhooks/x\n{}", "GET /webhooks/x?crc_token=challenge_string"]
--- more_headers eval
["x-twitter-webhooks-signature: " . HashpayTest::sign('wrong', '{}'), ""]
--- error_code eval
[401, 200]
--- no_error_log
Sup3rS3cretValue
