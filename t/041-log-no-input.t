# A malformed webhook body is never quoted in the log (SPEC section 10,
# "Card numbers, whatever else is wrong"): jansson's error message repeats
# the input near the error, which may be a card number; the module logs
# only where the body went wrong.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a body that breaks next to a card number: 400, the digits are not logged
--- delivery
{"tweet_create_events":[{"id_str":"1","text":4111111111111111x}]}
--- error_code: 400
--- response_body chomp
{"error":"malformed_json"}
--- error_log eval
qr/hashpay: webhook body is not JSON \(error \d+ at line 1, column \d+\)/
--- no_error_log
4111111111111111



=== TEST 2: an X Activity API body cut short inside a card number string
jansson says "premature end of input near '"4012888888881881'"; a stray
brace after a good object is refused too.
--- delivery eval
['{"data":{"event_type":"post.create","payload":{"text":"4012888888881881',
 '{"data":{"payload":{"id":"5555555555554444"}}}}']
--- error_code eval
[400, 400]
--- response_body eval
[('{"error":"malformed_json"}') x 2]
--- no_error_log
4012888888881881
5555555555554444
--- redis_after eval
[[['DBSIZE'], '0']]
