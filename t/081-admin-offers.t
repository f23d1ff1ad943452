# Admin offers: PUT 201/200, GET, list, DELETE then GET then re-PUT,
# counters surviving, state checks in Redis, validation changing nothing,
# 413, 503 with a dead Redis.

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
    client_max_body_size 1k;
}
CONFIG
    $block->set_value('more_headers', "Authorization: Bearer test-admin-token")
        unless defined $block->more_headers;
});
run_tests();

__DATA__

=== TEST 1: PUT creates (201), PUT again replaces (200), GET and list show it
--- request eval
["PUT /admin/offers/BuyGiftCard25\n{\"title\":\"Gift card \$25\",\"price_cents\":2500,\"stock\":10}",
 "PUT /admin/offers/BuyGiftCard25\n{\"title\":\"Gift card\",\"price_cents\":2400,\"stock\":12,\"currency\":\"EUR\"}",
 "GET /admin/offers/buygiftcard25",
 "GET /admin/offers"]
--- error_code eval
[201, 200, 200, 200]
--- response_body_like eval
[qr/^\{"tag":"BuyGiftCard25","kind":"purchase","title":"Gift card \$25","price_cents":2500,"currency":"USD","stock":10,"per_user_limit":1,"starts_at":null,"ends_at":null,"min_account_age_days":0,"active":true,"ended_at":null,"created_at":\d{13},"updated_at":\d{13},"sold":0,"held":0,"available":10\}$/,
 qr/^\{"tag":"BuyGiftCard25","kind":"purchase","title":"Gift card","price_cents":2400,"currency":"EUR","stock":12,.*"sold":0,"held":0,"available":12\}$/,
 qr/^\{"tag":"BuyGiftCard25",.*"available":12\}$/,
 qr/^\{"offers":\[\{"tag":"BuyGiftCard25",.*"available":12\}\]\}$/]
--- redis_after eval
[[['SMEMBERS', 'hashpay:offers'], 'buygiftcard25'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'stock'], '12'],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 2: counters survive PUT; held counts live holds only; stock below committed is 422
--- redis_init
HSET hashpay:offer:gift tag Gift kind purchase title t price_cents 1 currency USD stock 10 per_user_limit 1 starts_at "" ends_at "" min_account_age_days 0 active 1 sold 3 redeemed 0 created_at 1 updated_at 1
ZADD hashpay:holds:gift 99999999999999 pur_1 99999999999999 pur_2 1 pur_old
SADD hashpay:offers gift
--- request eval
["GET /admin/offers/GIFT",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":4}",
 "PUT /admin/offers/gift\n{\"title\":\"t2\",\"price_cents\":1,\"stock\":5}"]
--- error_code eval
[200, 422, 200]
--- response_body_like eval
[qr/"sold":3,"held":2,"available":5\}$/,
 qr/^\{"error":"stock_below_committed","field":"stock"\}$/,
 qr/^\{"tag":"gift",.*"title":"t2",.*"created_at":1,.*"sold":3,"held":2,"available":0\}$/]
--- redis_after eval
[[['HGET', 'hashpay:offer:gift', 'sold'], '3'],
 [['HGET', 'hashpay:offer:gift', 'stock'], '5']]



=== TEST 3: kind is immutable; nothing changes
--- redis_init
HSET hashpay:offer:gift tag gift kind purchase title t price_cents 1 stock 10 sold 0 active 1
--- request
PUT /admin/offers/gift
{"kind":"cashback","title":"t","stock":1,"merchant_id":"m","cashback_cents":1}
--- error_code: 422
--- response_body chomp
{"error":"kind_immutable","field":"kind"}
--- redis_after eval
[[['HGET', 'hashpay:offer:gift', 'kind'], 'purchase'],
 [['HGET', 'hashpay:offer:gift', 'stock'], '10']]



=== TEST 4: DELETE ends it, GET still shows it, a second DELETE keeps ended_at, PUT re-opens it
--- request eval
["PUT /admin/offers/Gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "DELETE /admin/offers/gift", "GET /admin/offers/gift",
 "PUT /admin/offers/Gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "DELETE /admin/offers/nope"]
--- error_code eval
[201, 200, 200, 200, 404]
--- response_body_like eval
[qr/"active":true,"ended_at":null/,
 qr/"active":false,"ended_at":\d{10},/,
 qr/"active":false,"ended_at":\d{10},/,
 qr/"active":true,"ended_at":null/,
 qr/^\{"error":"not_found"\}$/]
--- redis_after eval
[[['HGET', 'hashpay:offer:gift', 'active'], '1']]



=== TEST 5: a cashback offer
--- request
PUT /admin/offers/Cash5
{"kind":"cashback","title":"5 off","stock":100,"merchant_id":"m_42","cashback_cents":500,"min_spend_cents":2000}
--- error_code: 201
--- response_body_like chomp
^\{"tag":"Cash5","kind":"cashback","title":"5 off","currency":"USD","stock":100,"per_user_limit":1,"starts_at":null,"ends_at":null,"min_account_age_days":0,"merchant_id":"m_42","cashback_cents":500,"min_spend_cents":2000,"active":true,"ended_at":null,"created_at":\d{13},"updated_at":\d{13},"claimed":0,"held":0,"available":100,"redeemed":0\}$



=== TEST 6: every validation error answers 422/400 and writes nothing
--- request eval
["PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1,\"x\":1}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1.0,\"stock\":1}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":9007199254740993,\"stock\":1}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"stock\":1}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1,\"merchant_id\":\"m\"}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1,\"stock\":2}",
 "PUT /admin/offers/gift\n[1]",
 "PUT /admin/offers/gift\n" . ('[' x 33) . (']' x 33),
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1,\"ends_at\":5,\"starts_at\":5}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":\"5\",\"stock\":1}",
 "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1,\"currency\":\"usd\"}",
 "PUT /admin/offers/gift\n"]
--- error_code eval
[422, 422, 422, 422, 422, 400, 400, 400, 422, 422, 422, 400]
--- response_body eval
['{"error":"unknown_field","field":"x"}',
 '{"error":"invalid_type","field":"price_cents"}',
 '{"error":"out_of_range","field":"price_cents"}',
 '{"error":"required","field":"price_cents"}',
 '{"error":"not_applicable","field":"merchant_id"}',
 '{"error":"malformed_json"}', '{"error":"malformed_json"}',
 '{"error":"malformed_json"}',
 '{"error":"invalid_value","field":"ends_at"}',
 '{"error":"invalid_type","field":"price_cents"}',
 '{"error":"invalid_value","field":"currency"}',
 '{"error":"malformed_json"}']
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 7: a body over client_max_body_size is 413 JSON, nothing written
--- request eval
"PUT /admin/offers/gift\n{\"title\":\"" . ('a' x 2000) . "\",\"price_cents\":1,\"stock\":1}"
--- error_code: 413
--- response_body chomp
{"error":"body_too_large"}
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 8: Redis down: 503 redis_unavailable with Retry-After
--- http_config
hashpay_redis 127.0.0.1:1;
--- request eval
["GET /admin/offers", "PUT /admin/offers/gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}"]
--- error_code eval
[503, 503]
--- response_headers eval
["Retry-After: 1", "Retry-After: 1"]
--- response_body eval
['{"error":"redis_unavailable"}', '{"error":"redis_unavailable"}']
