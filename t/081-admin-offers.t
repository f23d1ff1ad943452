# Admin offers: PUT 201/200, GET, list, DELETE then GET then re-PUT,
# counters surviving, state checks in Redis, validation changing nothing,
# 413, 503 with a dead Redis; the list in pages (?limit=, ?cursor=,
# next_cursor: SPEC section 6), each page reading only its own offers,
# bad query arguments 422 before Redis is asked.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

# redis_init lines for purchase offers o000 .. o<n-1> (tags as PUT
# writes them: the hash and the member of hashpay:offers, score 0)
sub offers {
    my ($n) = @_;
    return join '', map {
        my $t = sprintf 'o%03d', $_;
        "HSET hashpay:offer:$t tag $t kind purchase title t price_cents 1 "
        . "currency USD stock 5 per_user_limit 1 min_account_age_days 0 "
        . "active 1 sold 0 redeemed 0 created_at 1 updated_at 1\n"
        . "ZADD hashpay:offers 0 $t\n"
    } 0 .. $n - 1;
}

# the exact body of a page: offers o<from> .. o<to>, then next_cursor
# (undef: null)
sub page {
    my ($from, $to, $next) = @_;
    my $offers = join ',', map {
        my $t = sprintf 'o%03d', $_;
        qq({"tag":"$t","kind":"purchase","title":"t","price_cents":1,)
        . qq("currency":"USD","stock":5,"per_user_limit":1,"starts_at":null,)
        . qq("ends_at":null,"min_account_age_days":0,"active":true,)
        . qq("ended_at":null,"created_at":1,"updated_at":1,"sold":0,)
        . qq("held":0,"available":5})
    } $from .. $to;
    return '{"offers":[' . $offers . '],"next_cursor":'
           . (defined $next ? qq("$next") : 'null') . '}';
}

# Redis commands run since the last CONFIG RESETSTAT: { name => calls }
sub calls {
    my %n;
    for (split /\r?\n/, HashpayTest::redis('INFO', 'commandstats')) {
        $n{$1} = $2 if /^cmdstat_(\w+):calls=(\d+)/;
    }
    return \%n;
}

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
 qr/^\{"offers":\[\{"tag":"BuyGiftCard25",.*"available":12\}\],"next_cursor":null\}$/]
--- redis_after eval
[[['ZRANGE', 'hashpay:offers', '0', '-1', 'WITHSCORES'], "buygiftcard25\n0"],
 [['HGET', 'hashpay:offer:buygiftcard25', 'stock'], '12'],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 2: counters survive PUT; held counts live holds only; stock below committed is 422
--- redis_init
HSET hashpay:offer:gift tag Gift kind purchase title t price_cents 1 currency USD stock 10 per_user_limit 1 starts_at "" ends_at "" min_account_age_days 0 active 1 sold 3 redeemed 0 created_at 1 updated_at 1
ZADD hashpay:holds:gift 99999999999999 pur_1 99999999999999 pur_2 1 pur_old
ZADD hashpay:offers 0 gift
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



=== TEST 9: 250 offers: pages of 100, 100 and 50, next_cursor then null
Each page reads its own offers only: 100 HGETALLs for a page of 100 (the
offer views), not 250.
--- redis_init eval
::offers(250) . "CONFIG RESETSTAT\n"
--- request eval
["GET /admin/offers", "GET /admin/offers?cursor=o099",
 "GET /admin/offers?cursor=o199"]
--- error_code eval
[200, 200, 200]
--- response_body eval
[::page(0, 99, 'o099'), ::page(100, 199, 'o199'), ::page(200, 249)]
--- after_each eval
[sub {
    my $n = ::calls();
    Test::More::is($n->{hgetall}, 100, 'first page: 100 offers read');
    Test::More::is($n->{zrangebylex}, 1, 'first page: one ZRANGEBYLEX');
    Test::More::is($n->{smembers} // 0, 0, 'no SMEMBERS');
    HashpayTest::redis('CONFIG', 'RESETSTAT');
 }, undef,
 sub {
    my $n = ::calls();
    Test::More::is($n->{hgetall}, 150, 'pages 2 and 3: 150 offers read');
 }]
--- redis_after eval
[[['ZCARD', 'hashpay:offers'], '250'],
 [['DBSIZE'], '251'],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 10: limit: 1, 1000 (all 250), 50 after a cursor, exactly the rest (no empty page)
--- redis_init eval
::offers(250)
--- request eval
["GET /admin/offers?limit=1", "GET /admin/offers?limit=1000",
 "GET /admin/offers?limit=50&cursor=o099", "GET /admin/offers?cursor=o099&limit=50",
 "GET /admin/offers?limit=125", "GET /admin/offers?limit=125&cursor=o124",
 "GET /admin/offers?limit=0100"]
--- error_code eval
[200, 200, 200, 200, 200, 200, 200]
--- response_body eval
[::page(0, 0, 'o000'), ::page(0, 249), ::page(100, 149, 'o149'),
 ::page(100, 149, 'o149'), ::page(0, 124, 'o124'), ::page(125, 249),
 ::page(0, 99, 'o099')]



=== TEST 11: a cursor at or past the end: an empty page; no offers at all: an empty page
--- redis_init eval
::offers(3)
--- request eval
["GET /admin/offers?cursor=o002", "GET /admin/offers?cursor=zzz",
 "GET /admin/offers?cursor=o0015", "GET /admin/offers?cursor=a"]
--- response_body eval
['{"offers":[],"next_cursor":null}', '{"offers":[],"next_cursor":null}',
 ::page(2, 2), ::page(0, 2)]



=== TEST 12: tag order is the lower-cased tags' byte order, across pages; ended offers listed
Digits sort before "_", "_" before letters; tags shown as written.
--- request eval
["PUT /admin/offers/b_2\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "PUT /admin/offers/A1\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "PUT /admin/offers/_x\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "PUT /admin/offers/9z\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "PUT /admin/offers/B1\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "DELETE /admin/offers/a1",
 "GET /admin/offers?limit=2", "GET /admin/offers?limit=2&cursor=_x",
 "GET /admin/offers?limit=2&cursor=b1"]
--- error_code eval
[201, 201, 201, 201, 201, 200, 200, 200, 200]
--- response_body_like eval
[qr/^\{"tag":"b_2"/, qr/^\{"tag":"A1"/, qr/^\{"tag":"_x"/, qr/^\{"tag":"9z"/,
 qr/^\{"tag":"B1"/, qr/"active":false/,
 qr/^\{"offers":\[\{"tag":"9z",[^{}]*\},\{"tag":"_x",[^{}]*\}\],"next_cursor":"_x"\}$/,
 qr/^\{"offers":\[\{"tag":"A1",[^{}]*"active":false,[^{}]*\},\{"tag":"B1",[^{}]*\}\],"next_cursor":"b1"\}$/,
 qr/^\{"offers":\[\{"tag":"b_2",[^{}]*\}\],"next_cursor":null\}$/]
--- redis_after eval
[[['ZRANGE', 'hashpay:offers', '0', '-1', 'WITHSCORES'],
  "9z\n0\n_x\n0\na1\n0\nb1\n0\nb_2\n0"],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 13: a second PUT of a tag keeps one member in the list's index
--- request eval
["PUT /admin/offers/Gift\n{\"title\":\"t\",\"price_cents\":1,\"stock\":1}",
 "PUT /admin/offers/GIFT\n{\"title\":\"t\",\"price_cents\":1,\"stock\":2}",
 "GET /admin/offers"]
--- error_code eval
[201, 200, 200]
--- response_body_like eval
[qr/^\{"tag":"Gift"/, qr/^\{"tag":"GIFT"/,
 qr/^\{"offers":\[\{"tag":"GIFT",[^{}]*"stock":2,[^{}]*\}\],"next_cursor":null\}$/]
--- redis_after eval
[[['ZRANGE', 'hashpay:offers', '0', '-1', 'WITHSCORES'], "gift\n0"],
 [['DBSIZE'], '2']]



=== TEST 14: a bad limit: 422 with field limit, Redis never asked
limit is decimal digits worth 1-1000: anything else that is not digits is
invalid_value, digits out of range are out_of_range.
--- redis_init eval
::offers(2) . "CONFIG RESETSTAT\n"
--- request eval
["GET /admin/offers?limit=0", "GET /admin/offers?limit=1001",
 "GET /admin/offers?limit=99999999999999999999999999",
 "GET /admin/offers?limit=000",
 "GET /admin/offers?limit=", "GET /admin/offers?limit",
 "GET /admin/offers?limit=abc", "GET /admin/offers?limit=-1",
 "GET /admin/offers?limit=+5", "GET /admin/offers?limit=1.5",
 "GET /admin/offers?limit=%31", "GET /admin/offers?limit=10x",
 "GET /admin/offers?limit=%20%31",
 "GET /admin/offers?limit=0&cursor=!"]
--- error_code eval
[422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422]
--- response_body eval
['{"error":"out_of_range","field":"limit"}',
 '{"error":"out_of_range","field":"limit"}',
 '{"error":"out_of_range","field":"limit"}',
 '{"error":"out_of_range","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"invalid_value","field":"limit"}',
 '{"error":"out_of_range","field":"limit"}']
--- after_each eval
[(undef) x 13, sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha} // 0, 0, 'no script ran');
    Test::More::is($n->{eval} // 0, 0, 'no EVAL either');
 }]
--- redis_after eval
[[['DBSIZE'], '3'],
 [['ZRANGE', 'hashpay:offers', '0', '-1'], "o000\no001"],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 15: a malformed cursor: 422 with field cursor, Redis never asked
The cursor is what next_cursor gave: 1-100 of a-z, 0-9 and "_", as sent
(no percent-decoding).
--- redis_init eval
::offers(2) . "CONFIG RESETSTAT\n"
--- request eval
["GET /admin/offers?cursor=", "GET /admin/offers?cursor",
 "GET /admin/offers?cursor=O000", "GET /admin/offers?cursor=o-1",
 "GET /admin/offers?cursor=o%5F1", "GET /admin/offers?cursor=" . ('a' x 101),
 "GET /admin/offers?limit=5&cursor=o%00", "GET /admin/offers?cursor=(o000",
 "GET /admin/offers?cursor=%2B"]
--- error_code eval
[422, 422, 422, 422, 422, 422, 422, 422, 422]
--- response_body eval
[('{"error":"invalid_value","field":"cursor"}') x 9]
--- after_each eval
[(undef) x 8, sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha} // 0, 0, 'no script ran');
 }]
--- redis_after eval
[[['DBSIZE'], '3'],
 [['EXISTS', 'hashpay:events'], '0']]



=== TEST 16: the longest cursor (100 characters) and other arguments are accepted; the first limit counts
Names are whole: limits, xlimit and cursorx are other arguments.
--- redis_init eval
::offers(2)
--- request eval
["GET /admin/offers?cursor=" . ('z' x 100), "GET /admin/offers?foo=bar",
 "GET /admin/offers?limit=1&limit=0", "GET /admin/offers?x=1&limit=1&cursor=o000",
 "GET /admin/offers?limits=0&xlimit=0&&cursorx=!&"]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body eval
['{"offers":[],"next_cursor":null}', ::page(0, 1), ::page(0, 0, 'o000'),
 ::page(1, 1), ::page(0, 1)]



=== TEST 17: the query is checked after the token, the route and the method
--- request eval
["GET /admin/offers?limit=0", "PUT /admin/offers?limit=0\n{}",
 "GET /admin/offerz?limit=0"]
--- more_headers eval
["Authorization: Bearer nope", "Authorization: Bearer test-admin-token",
 "Authorization: Bearer test-admin-token"]
--- error_code eval
[401, 405, 404]
--- response_body eval
['{"error":"unauthorized"}', '{"error":"method_not_allowed"}',
 '{"error":"not_found"}']
--- redis_after eval
[[['DBSIZE'], '0']]
