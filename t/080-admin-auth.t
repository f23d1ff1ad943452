# Admin API authentication and routing order: 401 (with WWW-Authenticate:
# Bearer) before 404 before 405 (with Allow); tokens from a file rotate.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

no_shuffle();
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', <<'CONFIG') unless defined $block->config;
location /admin/ {
    hashpay_admin;
    hashpay_admin_token admin-secret-one;
    hashpay_admin_token_file $TEST_NGINX_ADMIN_TOKENS;
}
CONFIG
});
$ENV{TEST_NGINX_ADMIN_TOKENS} = "$ENV{PWD}/t/data/admin_tokens";
run_tests();

__DATA__

=== TEST 1: no Authorization header: 401, and Redis is not touched
--- request
GET /admin/offers
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer
Content-Type: application/json
--- response_body chomp
{"error":"unauthorized"}



=== TEST 2: wrong scheme, wrong token, empty token, token prefix: 401
--- request eval
["GET /admin/offers", "GET /admin/offers", "GET /admin/offers",
 "GET /admin/offers", "GET /admin/offers", "GET /admin/offers"]
--- more_headers eval
["Authorization: Basic YWRtaW4tc2VjcmV0LW9uZQ==", "Authorization: Bearer admin-secret-two",
 "Authorization: Bearer ", "Authorization: Bearer admin-secret-",
 "Authorization: Beareradmin-secret-one", "Authorization: Bearer admin-secret-onex"]
--- error_code eval
[401, 401, 401, 401, 401, 401]
--- response_body eval
['{"error":"unauthorized"}', '{"error":"unauthorized"}',
 '{"error":"unauthorized"}', '{"error":"unauthorized"}',
 '{"error":"unauthorized"}', '{"error":"unauthorized"}']



=== TEST 3: the inline token and both tokens of the file work; scheme is case-insensitive
--- request eval
["GET /admin/offers", "GET /admin/offers", "GET /admin/offers",
 "GET /admin/offers"]
--- more_headers eval
["Authorization: Bearer admin-secret-one", "Authorization: Bearer old-admin-token-16",
 "Authorization: Bearer new-admin-token-16", "Authorization: bearer new-admin-token-16"]
--- error_code eval
[200, 200, 200, 200]
--- response_body eval
[('{"offers":[],"next_cursor":null}') x 4]



=== TEST 4: 401 comes before 404
--- request
GET /admin/nothing/here
--- more_headers
Authorization: Bearer nope
--- error_code: 401



=== TEST 5: unknown routes and ids of the wrong shape are 404, before 405
A PUT of a badly shaped tag is told why instead (422, SPEC section 6;
t/096-no-leaks.t).
--- request eval
["GET /admin/nothing", "POST /admin/nothing", "DELETE /admin/offers/",
 "PUT /admin/offers/123", "GET /admin/offers/a-b", "POST /admin/links/12a",
 "GET /admin/links/123456789012345678901", "GET /admin/purchases/x-1",
 "GET /admin/offers/a/b", "GET /admin/", "POST /admin/offers/a-b"]
--- more_headers
Authorization: Bearer admin-secret-one
--- error_code eval
[404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404]
--- response_body eval
[('{"error":"not_found"}') x 3, '{"error":"invalid_value","field":"tag"}',
 ('{"error":"not_found"}') x 7]



=== TEST 6: 405 with Allow per route
--- request eval
["POST /admin/offers", "DELETE /admin/offers", "POST /admin/offers/Gift",
 "PATCH /admin/links/12", "PUT /admin/purchases/pur_1"]
--- more_headers
Authorization: Bearer admin-secret-one
--- error_code eval
[405, 405, 405, 405, 405]
--- response_headers eval
["Allow: GET", "Allow: GET", "Allow: GET, PUT, DELETE",
 "Allow: GET, PUT, DELETE", "Allow: GET"]
--- response_body eval
[('{"error":"method_not_allowed"}') x 5]



=== TEST 7: the module never logs the token
nginx's own debug log prints every request header (Authorization too),
so this holds at info level: never run a production edge at debug.
--- log_level: info
--- request
GET /admin/offers
--- more_headers
Authorization: Bearer wrong-token-value
--- error_code: 401
--- no_error_log
wrong-token-value
