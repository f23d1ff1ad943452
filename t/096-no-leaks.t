# Nothing secret or card-like leaks, and refusals are cheap and clear
# (issue 12, points 6 and 7; SPEC sections 3, 6 and 10):
#
# - a card number anywhere text goes in an admin or transaction body
#   (screen_name, title, merchant_id, txn_id, an unknown field's value, a
#   card_token written as a JSON number) is 422 looks_like_pan with that
#   field, before any other error of the body;
# - an unknown field whose name is digits, or holds a run of 12 digits, is
#   reported without "field";
# - a tag shaped like a confirmation hashtag (the location's
#   hashpay_confirm_prefix and exactly 6 letters or digits), or badly
#   shaped, is 422 invalid_value "tag" for a PUT and 404 for GET/DELETE.
#
# Every refusal shows its whole answer, leaves Redis exactly as it was
# (--- redis_unchanged: every key, its content and TTL, the events stream)
# and writes the digits it was sent into no log line.  Bodies are checked
# at debug level; requests with a card number in the URI at info level
# (nginx's own debug log writes the request line, whatever the module
# does).  The secrets' minimum length is in t/001-config.t,
# t/079-transactions-config.t and t/084-admin-config.t; what a signature
# refusal costs is in t/unit/test_sig.c (it counts the HMACs).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

no_shuffle();

# /webhooks/card (secret A), /admin/ (default prefix Confirm), /pay-admin/
# (prefix Pay)
our $CONFIG = txn_config(extra => <<'CONFIG');

location /admin/ {
    hashpay_admin;
    hashpay_admin_token test-admin-token;
}

location /pay-admin/ {
    hashpay_admin;
    hashpay_admin_token test-admin-token;
    hashpay_confirm_prefix Pay;
}
CONFIG

# an offer, a cashback offer, alice linked, her saved claim
our $SEED = ::offer('Gift') . ::cashback_offer('CoffeeBack')
            . ::linked($::ALICE) . ::claim(id => 'clm_1');

our $AUTH = 'Authorization: Bearer test-admin-token';

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', $CONFIG) unless defined $block->config;
    $block->set_value('more_headers', $AUTH)
        unless defined $block->more_headers || defined $block->transaction;
});

run_tests();

__DATA__

=== TEST 1: link PUT: a card number as screen_name is 422 looks_like_pan, whatever else is wrong
Plain, with spaces, with dashes; beside an invalid card_token, an unknown
field, a missing card_token, a card_token of the wrong type.
--- log_level: debug
--- redis_init eval
$::SEED
--- redis_unchanged
--- request eval
["PUT /admin/links/7\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"4111111111111111\"}",
 "PUT /admin/links/7\n{\"screen_name\":\"5555 5555 5555 4444\",\"card_token\":\"tok\"}",
 "PUT /admin/links/7\n{\"colour\":1,\"screen_name\":\"378282246310005\"}",
 "PUT /admin/links/7\n{\"card_token\":5,\"screen_name\":\"6011-1111-1111-1117\"}",
 "PUT /admin/links/$::ALICE\n{\"card_token\":\"tok_3457\",\"screen_name\":\"411111111117\"}"]
--- error_code eval
[(422) x 5]
--- response_body eval
[('{"error":"looks_like_pan","field":"screen_name"}') x 5]
--- error_log
hashpay: admin body refused: looks_like_pan screen_name
--- no_error_log
4111111111111111
5555 5555 5555 4444
5555555555554444
378282246310005
6011-1111-1111-1117
6011111111111117
411111111117



=== TEST 2: link PUT: a card number as a JSON number, or as an unknown field's value; a field named with digits is not echoed
The last one is the boundary: a run of 11 digits in a name is no card
number, and the name is given back.
--- log_level: debug
--- redis_init eval
$::SEED
--- redis_unchanged
--- request eval
["PUT /admin/links/7\n{\"card_token\":4111111111111111,\"screen_name\":\"alice\"}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice\",\"pan\":\"5555555555554444\"}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice\",\"4012888888881881\":1}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice\",\"pan_378282246310005\":true}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice\",\"123\":1}",
 "PUT /admin/links/7\n{\"card_token\":\"tok_visa_4242\",\"screen_name\":\"alice\",\"pan_12345678901\":1}"]
--- error_code eval
[(422) x 6]
--- response_body eval
['{"error":"looks_like_pan","field":"card_token"}',
 '{"error":"looks_like_pan","field":"pan"}',
 '{"error":"unknown_field"}',
 '{"error":"unknown_field"}',
 '{"error":"unknown_field"}',
 '{"error":"unknown_field","field":"pan_12345678901"}']
--- no_error_log
4111111111111111
5555555555554444
4012888888881881
378282246310005



=== TEST 3: offer PUT: a card number as title, merchant_id or another field's value wins over every other error
The last two carry a number beyond 64 bits too (jansson refuses the whole
document): the card number still wins, named when it is the contract's
field.
--- log_level: debug
--- redis_init eval
$::SEED
--- redis_unchanged
--- request eval
["PUT /admin/offers/Gift2\n{\"title\":\"4111 1111 1111 1111\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/Back2\n{\"kind\":\"cashback\",\"title\":\"t\",\"stock\":1,\"merchant_id\":\"5555555555554444\",\"cashback_cents\":5}",
 "PUT /admin/offers/Gift2\n{\"stock\":-1,\"kind\":\"gift\",\"title\":\"378282246310005\"}",
 "PUT /admin/offers/Gift2\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1,\"4012888888881881\":1}",
 "PUT /admin/offers/Gift2\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":99999999999999999999,\"note\":\"6011111111111117\"}",
 "PUT /admin/offers/Gift2\n{\"title\":\"6011 0009 9013 9424\",\"price_cents\":2500,\"stock\":99999999999999999999}"]
--- error_code eval
[(422) x 6]
--- response_body eval
['{"error":"looks_like_pan","field":"title"}',
 '{"error":"looks_like_pan","field":"merchant_id"}',
 '{"error":"looks_like_pan","field":"title"}',
 '{"error":"unknown_field"}',
 '{"error":"looks_like_pan"}',
 '{"error":"looks_like_pan","field":"title"}']
--- no_error_log
4111 1111 1111 1111
4111111111111111
5555555555554444
378282246310005
4012888888881881
6011111111111117
6011 0009 9013 9424
6011000990139424



=== TEST 4: transaction: a card number as txn_id or merchant_id is 422 looks_like_pan, before every other error
Beside an unknown field, a bad amount and a bad currency; a card_token or
merchant_id written as a JSON number; beside a number beyond 64 bits
(400 out_of_range otherwise).  An unknown field named with digits is 400
unknown_field without "field".
--- log_level: debug
--- transaction eval
[::txn(txn_id => '4111111111111111'),
 ::txn(merchant_id => '5555-5555-5555-4444'),
 ::txn(txn_id => '378282246310005', amount_cents => \'"5"',
       currency => 'usd', extra => ['zzz', 1]),
 ::txn(card_token => \'4012888888881881'),
 ::txn(merchant_id => \'5105105105105100'),
 ::txn(amount_cents => \'99999999999999999999', card_token => '6011111111111117'),
 ::txn(extra => ['3530111333300000', 1]),
 ::txn(extra => ['pan_6011000990139424', 'x'])]
--- redis_init eval
$::SEED
--- redis_unchanged
--- error_code eval
[422, 422, 422, 422, 422, 422, 400, 400]
--- response_body eval
['{"error":"looks_like_pan","field":"txn_id"}',
 '{"error":"looks_like_pan","field":"merchant_id"}',
 '{"error":"looks_like_pan","field":"txn_id"}',
 '{"error":"looks_like_pan","field":"card_token"}',
 '{"error":"looks_like_pan","field":"merchant_id"}',
 '{"error":"looks_like_pan","field":"card_token"}',
 '{"error":"unknown_field"}',
 '{"error":"unknown_field"}']
--- error_log eval
qr/hashpay: transaction body refused: (?:looks_like_pan (?:txn_id|merchant_id|card_token)|unknown_field),/
--- no_error_log
4111111111111111
5555-5555-5555-4444
5555555555554444
378282246310005
4012888888881881
5105105105105100
6011111111111117
3530111333300000
6011000990139424



=== TEST 5: a tag shaped like a confirmation hashtag: PUT is 422 invalid_value "tag", before its body; GET and DELETE are 404
Case-insensitive, letters or digits; a malformed body is not even read.
An offer planted under such a tag (made before the rule) is neither shown
nor ended.
--- log_level: debug
--- redis_init eval
$::SEED . ::offer('ConfirmABC123')
--- redis_unchanged
--- request eval
["PUT /admin/offers/ConfirmABC123\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/confirm7kq2xd\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/CONFIRM000000\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/ConfirmABC123\n{\"title\":",
 "GET /admin/offers/ConfirmABC123",
 "DELETE /admin/offers/confirmabc123"]
--- error_code eval
[422, 422, 422, 422, 404, 404]
--- response_body eval
[('{"error":"invalid_value","field":"tag"}') x 4,
 ('{"error":"not_found"}') x 2]



=== TEST 6: a badly shaped tag: PUT is 422 invalid_value "tag" (not 404), GET and DELETE stay 404; the tag is logged nowhere
All digits (a card number too), a dash, 101 characters, empty, a slash.
At info level: nginx's own debug log writes the request line.
--- log_level: info
--- redis_init eval
$::SEED
--- redis_unchanged
--- request eval
["PUT /admin/offers/123456\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/4111111111111111\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/a-b\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/" . ('a' x 101) . "\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/gift/x\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "GET /admin/offers/4111111111111111",
 "DELETE /admin/offers/5555555555554444",
 "GET /admin/offers/a-b"]
--- error_code eval
[(422) x 6, (404) x 3]
--- response_body eval
[('{"error":"invalid_value","field":"tag"}') x 6,
 ('{"error":"not_found"}') x 3]
--- no_error_log
4111111111111111
5555555555554444



=== TEST 7: the shape is the location's own prefix; near misses are ordinary tags
In /pay-admin/ (prefix Pay), PayXYZ789 is refused and ConfirmABC123 is an
ordinary tag; in /admin/ the reverse.  Confirmed (2 letters), 5 or 7
characters after the prefix, or a "_" among them, are ordinary tags.
--- redis_init eval
$::SEED
--- request eval
["PUT /pay-admin/offers/PayXYZ789\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /pay-admin/offers/ConfirmABC123\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/PayABC123\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "GET /admin/offers/ConfirmABC123",
 "PUT /admin/offers/Confirmed\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/ConfirmABC12\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/ConfirmABC1234\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}",
 "PUT /admin/offers/Confirm_ABC12\n{\"title\":\"Gift\",\"price_cents\":2500,\"stock\":1}"]
--- error_code eval
[422, 201, 201, 404, 201, 201, 201, 201]
--- response_body_like eval
['^\{"error":"invalid_value","field":"tag"\}$',
 '^\{"tag":"ConfirmABC123",',
 '^\{"tag":"PayABC123",',
 '^\{"error":"not_found"\}$',
 '^\{"tag":"Confirmed",',
 '^\{"tag":"ConfirmABC12",',
 '^\{"tag":"ConfirmABC1234",',
 '^\{"tag":"Confirm_ABC12",']
--- redis_after eval
[[['EXISTS', 'hashpay:offer:payxyz789'], '0'],
 [['HGET', 'hashpay:offer:confirmabc123', 'tag'], 'ConfirmABC123'],
 [['HGET', 'hashpay:offer:payabc123', 'tag'], 'PayABC123'],
 [['HGET', 'hashpay:offer:confirmed', 'tag'], 'Confirmed'],
 [['HGET', 'hashpay:offer:confirmabc12', 'tag'], 'ConfirmABC12'],
 [['HGET', 'hashpay:offer:confirmabc1234', 'tag'], 'ConfirmABC1234'],
 [['HGET', 'hashpay:offer:confirm_abc12', 'tag'], 'Confirm_ABC12'],
 [['HGET', 'hashpay:offer:gift', 'title'], 'Gift'],
 [['EXISTS', 'hashpay:events'], '0']]
