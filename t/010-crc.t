# The CRC challenge: answered without Redis, only for tokens shaped like the
# platform's (the endpoint must not become a signing oracle).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: known answer (secret "test-consumer-secret", token challenge_string)
Computed apart from the module:
printf %s challenge_string | openssl dgst -sha256 -hmac test-consumer-secret -binary | base64
(the platform's own example, secret "test", is too short a secret for
nginx -t: it is a unit test, t/unit/test_sig.c).
--- request
GET /webhooks/x?crc_token=challenge_string
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body chomp
{"response_token":"sha256=wbxoN8scmhw5dqzftzpj6g3uAnVpSktqxDDUHYNfIqA="}



=== TEST 2: the token is percent-decoded, "+" stays "+"
The answer signs "abc+/de=f0" decoded from "abc%2B%2Fde%3Df0"... and "+"
as is: "abc+def0" stays "abc+def0".
--- request eval
["GET /webhooks/x?crc_token=abc%2B%2Fdef0%3D",
 "GET /webhooks/x?crc_token=abc+/def0="]
--- error_code eval
[200, 200]
--- response_body eval
['{"response_token":"sha256=' . `printf %s 'abc+/def0=' | openssl dgst -sha256 -hmac test-consumer-secret -binary | base64 | tr -d '\n'` . '"}',
 '{"response_token":"sha256=' . `printf %s 'abc+/def0=' | openssl dgst -sha256 -hmac test-consumer-secret -binary | base64 | tr -d '\n'` . '"}']



=== TEST 3: base64url alphabet and padding are accepted
--- request
GET /webhooks/x?crc_token=ab-_cd-_ef==
--- error_code: 200
--- response_body eval
'{"response_token":"sha256=' . `printf %s 'ab-_cd-_ef==' | openssl dgst -sha256 -hmac test-consumer-secret -binary | base64 | tr -d '\n'` . '"}'



=== TEST 4: missing crc_token
--- request
GET /webhooks/x?other=1
--- error_code: 400
--- response_body chomp
{"error":"required","field":"crc_token"}



=== TEST 5: tokens that are not base64-shaped are refused
--- request eval
["GET /webhooks/x?crc_token=short",
 "GET /webhooks/x?crc_token=" . ("a" x 257),
 "GET /webhooks/x?crc_token=has%20space8",
 "GET /webhooks/x?crc_token=quote%22here",
 "GET /webhooks/x?crc_token=%7B%22json%22%3A1%7D",
 "GET /webhooks/x?crc_token=pad=in=middle",
 "GET /webhooks/x?crc_token=abcdefgh===",
 "GET /webhooks/x?crc_token=bad%escape1",
 "GET /webhooks/x?crc_token=truncated%4",
 "GET /webhooks/x?crc_token=nul%00inside",
 "GET /webhooks/x?crc_token=%C3%A9t%C3%A9t%C3%A9t%C3%A9",
 "GET /webhooks/x?crc_token="]
--- error_code eval
[(400) x 12]
--- response_body eval
[('{"error":"invalid_value","field":"crc_token"}') x 12]



=== TEST 6: the longest and shortest tokens that are accepted
--- request eval
["GET /webhooks/x?crc_token=" . ("a" x 256),
 "GET /webhooks/x?crc_token=abcdefgh"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/^\{"response_token":"sha256=[A-Za-z0-9+\/]{43}="\}$/,
 qr/^\{"response_token":"sha256=[A-Za-z0-9+\/]{43}="\}$/]



=== TEST 7: with several secrets, the first answers the CRC
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_consumer_secret other-consumer-secret;
}
--- request
GET /webhooks/x?crc_token=challenge_string
--- response_body chomp
{"response_token":"sha256=wbxoN8scmhw5dqzftzpj6g3uAnVpSktqxDDUHYNfIqA="}



=== TEST 8: CRC works while Redis is down
--- http_config
hashpay_redis 127.0.0.1:1 connect_timeout=50ms;
--- request
GET /webhooks/x?crc_token=challenge_string
--- error_code: 200
--- response_body chomp
{"response_token":"sha256=wbxoN8scmhw5dqzftzpj6g3uAnVpSktqxDDUHYNfIqA="}



=== TEST 9: the CRC writes nothing to Redis
--- request
GET /webhooks/x?crc_token=challenge_string
--- error_code: 200
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 10: $hashpay_outcome is "crc"
--- http_config eval
"hashpay_redis 127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT};
log_format hp '\$hashpay_outcome';"
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    access_log logs/hp.log hp;
}
location = /log {
    alias logs/hp.log;
}
--- request eval
["GET /webhooks/x?crc_token=challenge_string", "GET /log"]
--- response_body eval
['{"response_token":"sha256=wbxoN8scmhw5dqzftzpj6g3uAnVpSktqxDDUHYNfIqA="}',
 "crc\n"]
