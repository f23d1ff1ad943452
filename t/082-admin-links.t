# Admin links: PUT 201/200, GET (last 4 only), DELETE through unlink.lua,
# card_already_linked, looks_like_pan written nowhere (logs included).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

no_shuffle();
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', <<'CONFIG') unless defined $block->config;
location /admin/ {
    hashpay_admin;
    hashpay_admin_token test-admin-token;
}
CONFIG
    $block->set_value('more_headers', "Authorization: Bearer test-admin-token")
        unless defined $block->more_headers;
});
run_tests();

__DATA__

=== TEST 1: PUT 201, GET, PUT again 200 (same card keeps linked_at), DELETE, GET 404, DELETE 404
--- request eval
["PUT /admin/links/2244994945\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice\"}",
 "GET /admin/links/2244994945",
 "PUT /admin/links/2244994945\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice2\"}",
 "DELETE /admin/links/2244994945",
 "GET /admin/links/2244994945",
 "DELETE /admin/links/2244994945"]
--- error_code eval
[201, 200, 200, 200, 404, 404]
--- response_body_like eval
[qr/^\{"user_id":"2244994945","screen_name":"alice","card_token_last4":"4242","linked_at":\d{13}\}$/,
 qr/^\{"user_id":"2244994945","screen_name":"alice","card_token_last4":"4242","linked_at":\d{13}\}$/,
 qr/^\{"user_id":"2244994945","screen_name":"alice2","card_token_last4":"4242","linked_at":\d{13}\}$/,
 qr/^\{"user_id":"2244994945","deleted":true,"purchases_cancelled":0,"claims_voided":0\}$/,
 qr/^\{"error":"not_found"\}$/, qr/^\{"error":"not_found"\}$/]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 2: a card linked to another user is 422; changing card frees the old token
--- redis_init
HSET hashpay:link:1 user_id 1 card_token tok_aaaa screen_name a linked_at 5
SET hashpay:card:tok_aaaa 1
--- request eval
["PUT /admin/links/2\n{\"card_token\":\"tok_aaaa\",\"screen_name\":\"b\"}",
 "PUT /admin/links/1\n{\"card_token\":\"tok_bbbb\",\"screen_name\":\"a\"}"]
--- error_code eval
[422, 200]
--- response_body_like eval
[qr/^\{"error":"card_already_linked","field":"card_token"\}$/,
 qr/"card_token_last4":"bbbb","linked_at":\d{13}\}$/]
--- redis_after eval
[[['EXISTS', 'hashpay:link:2'], '0'], [['EXISTS', 'hashpay:card:tok_aaaa'], '0'],
 [['GET', 'hashpay:card:tok_bbbb'], '1']]



=== TEST 3: a card number is 422 looks_like_pan, stored nowhere, logged nowhere (debug)
--- log_level: debug
--- request eval
["PUT /admin/links/7\n{\"card_token\":\"4111111111111111\",\"screen_name\":\"pan\"}",
 "PUT /admin/links/7\n{\"card_token\":\"5555-5555-5555-4444\",\"screen_name\":\"pan\"}"]
--- error_code eval
[422, 422]
--- response_body eval
['{"error":"looks_like_pan","field":"card_token"}',
 '{"error":"looks_like_pan","field":"card_token"}']
--- no_error_log
4111111111111111
5555-5555-5555-4444
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 4: validation of link bodies changes nothing
--- request eval
["PUT /admin/links/7\n{\"card_token\":\"tok\",\"screen_name\":\"a\"}",
 "PUT /admin/links/7\n{\"card_token\":\"tok en\",\"screen_name\":\"a\"}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_1\"}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_1\",\"screen_name\":\"a\",\"pan\":1}",
 "PUT /admin/links/7\n{\"card_token\":5,\"screen_name\":\"a\"}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_1\",\"screen_name\":\"a\"",
 "PUT /admin/links/7\n{\"card_token\":\"" . ('x' x 201) . "\",\"screen_name\":\"a\"}"]
--- error_code eval
[422, 422, 422, 422, 422, 400, 422]
--- response_body eval
['{"error":"invalid_value","field":"card_token"}',
 '{"error":"invalid_value","field":"card_token"}',
 '{"error":"required","field":"screen_name"}',
 '{"error":"unknown_field","field":"pan"}',
 '{"error":"invalid_type","field":"card_token"}',
 '{"error":"malformed_json"}',
 '{"error":"invalid_value","field":"card_token"}']
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 5: Redis down: DELETE and PUT are 503
--- http_config
hashpay_redis 127.0.0.1:1;
--- request eval
["DELETE /admin/links/7", "PUT /admin/links/7\n{\"card_token\":\"tok_1\",\"screen_name\":\"a\"}"]
--- error_code eval
[503, 503]
--- response_headers eval
["Retry-After: 1", "Retry-After: 1"]
