# Admin purchases: GET of a purchase hash written per src/lua/README.md.

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

=== TEST 1: pending, expired (pending past expires_at), confirmed, cancelled, unknown
--- redis_init
HSET hashpay:purchase:pur_1 id pur_1 offer BuyGiftCard25 offer_key buygiftcard25 user_id 2244994945 state pending tweet_id 1301234567890123457 confirm_tag #Confirm7KQ2XD code 7KQ2XD expires_at 99999999999999 confirmed_at ""
HSET hashpay:purchase:pur_2 id pur_2 offer Gift user_id 2 state pending tweet_id 9 confirm_tag #ConfirmAAAAAA expires_at 1700000000000
HSET hashpay:purchase:pur_3 id pur_3 offer Gift user_id 3 state confirmed tweet_id 10 confirm_tag #ConfirmBBBBBB expires_at 1700000000000 confirmed_at 1699999999000
HSET hashpay:purchase:pur_4 id pur_4 offer Gift user_id 4 state cancelled tweet_id 11 confirm_tag #ConfirmCCCCCC expires_at 99999999999999
--- request eval
["GET /admin/purchases/pur_1", "GET /admin/purchases/pur_2",
 "GET /admin/purchases/pur_3", "GET /admin/purchases/pur_4",
 "GET /admin/purchases/pur_5"]
--- error_code eval
[200, 200, 200, 200, 404]
--- response_body eval
['{"id":"pur_1","offer":"BuyGiftCard25","user_id":"2244994945","state":"pending","tweet_id":"1301234567890123457","confirm_tag":"#Confirm7KQ2XD","expires_at":99999999999999,"confirmed_at":null}',
 '{"id":"pur_2","offer":"Gift","user_id":"2","state":"expired","tweet_id":"9","confirm_tag":"#ConfirmAAAAAA","expires_at":1700000000000,"confirmed_at":null}',
 '{"id":"pur_3","offer":"Gift","user_id":"3","state":"confirmed","tweet_id":"10","confirm_tag":"#ConfirmBBBBBB","expires_at":1700000000000,"confirmed_at":1699999999000}',
 '{"id":"pur_4","offer":"Gift","user_id":"4","state":"cancelled","tweet_id":"11","confirm_tag":"#ConfirmCCCCCC","expires_at":99999999999999,"confirmed_at":null}',
 '{"error":"not_found"}']



=== TEST 2: Redis down: 503
--- http_config
hashpay_redis 127.0.0.1:1;
--- request
GET /admin/purchases/pur_1
--- error_code: 503
--- response_headers
Retry-After: 1
