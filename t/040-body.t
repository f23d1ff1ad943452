# Bodies of every shape nginx can hand over: held in memory, buffered to a
# temporary file, sent chunked; and bodies over client_max_body_size, which
# are 413 {"error":"body_too_large"} and reach neither the signature check
# nor Redis.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;

# a delivery of one tweet by an unlinked author carrying the offer hashtag,
# padded with an ignored field to about $size bytes
sub padded {
    my ($size) = @_;
    my $head = '{"for_user_id":"2244994945","tweet_create_events":[{'
        . '"id_str":"1500000000000000001","text":"#BuyGiftCard25",'
        . '"user":{"id_str":"2244994945","screen_name":"alice"},'
        . '"entities":{"hashtags":[{"text":"BuyGiftCard25"}]},'
        . '"padding":"';
    my $tail = '"}]}';
    return $head . ('x' x ($size - length($head) - length($tail))) . $tail;
}

sub chunked {
    my ($body, $chunk) = @_;
    my $out = '';
    for (my $i = 0; $i < length $body; $i += $chunk) {
        my $part = substr($body, $i, $chunk);
        $out .= sprintf("%x\r\n%s\r\n", length $part, $part);
    }
    return $out . "0\r\n\r\n";
}

sub raw_post {
    my ($body, $chunk, $secret) = @_;
    return "POST /webhooks/x HTTP/1.1\r\n"
        . "Host: localhost\r\n"
        . "Connection: close\r\n"
        . "Content-Type: application/json\r\n"
        . "x-twitter-webhooks-signature: "
        . HashpayTest::sign($secret // 'test-consumer-secret', $body) . "\r\n"
        . "Transfer-Encoding: chunked\r\n\r\n"
        . chunked($body, $chunk);
}

our $Rejected = '{"results":[{"tweet_id":"1500000000000000001",'
    . '"outcome":"rejected","reason":"not_linked"}]}';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a 200 KB body held in memory
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_max_body_size 256k;
    client_body_buffer_size 256k;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- delivery eval
main::padded(200_000)
--- error_code: 200
--- response_body eval
$main::Rejected
--- no_error_log
buffered to a temporary file



=== TEST 2: a 200 KB body that nginx buffered to a temporary file
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_max_body_size 256k;
    client_body_buffer_size 1k;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- delivery eval
main::padded(200_000)
--- error_code: 200
--- response_body eval
$main::Rejected
--- error_log
a client request body is buffered to a temporary file
--- events eval
[ [ 'intent.rejected', { offer => 'BuyGiftCard25', user_id => '2244994945',
    screen_name => 'alice', tweet_id => '1500000000000000001',
    reason => 'not_linked' } ] ]



=== TEST 3: client_body_in_file_only: the body only exists on disk
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_body_in_file_only clean;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- delivery eval
main::padded(3000)
--- error_code: 200
--- response_body eval
$main::Rejected



=== TEST 4: a chunked body in small chunks
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- raw_request eval
main::raw_post(main::padded(5000), 100)
--- error_code: 200
--- response_body eval
$main::Rejected



=== TEST 5: a chunked body that nginx buffered to a temporary file
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_body_buffer_size 1k;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- raw_request eval
main::raw_post(main::padded(60_000), 4096)
--- error_code: 200
--- response_body eval
$main::Rejected
--- error_log
a client request body is buffered to a temporary file



=== TEST 6: a chunked body signed with another secret is 401
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- raw_request eval
main::raw_post(main::padded(5000), 1000, 'other')
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- redis_after eval
[ [ ['EXISTS', 'hashpay:tweet:1500000000000000001'], '0' ],
  [ ['EXISTS', 'hashpay:events'], '0' ] ]



=== TEST 7: exactly client_max_body_size is accepted
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_max_body_size 4k;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- delivery eval
main::padded(4096)
--- error_code: 200
--- response_body eval
$main::Rejected



=== TEST 8: one byte over client_max_body_size (Content-Length) is 413
nginx refuses it from the header, before the handler runs; the answer is
still the contract's JSON, and nothing reaches Redis.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_max_body_size 4k;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- delivery eval
main::padded(4097)
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body chomp
{"error":"body_too_large"}
--- error_log
client intended to send too large body
--- redis_after eval
[ [ ['EXISTS', 'hashpay:tweet:1500000000000000001'], '0' ],
  [ ['EXISTS', 'hashpay:events'], '0' ] ]



=== TEST 9: a chunked body over client_max_body_size is 413
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_max_body_size 4k;
}
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
--- raw_request eval
main::raw_post(main::padded(6000), 1000)
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body chomp
{"error":"body_too_large"}
--- error_log
client intended to send too large chunked body
--- redis_after eval
[ [ ['EXISTS', 'hashpay:tweet:1500000000000000001'], '0' ],
  [ ['EXISTS', 'hashpay:events'], '0' ] ]



=== TEST 10: a 413 outside hashpay locations keeps nginx's own page
--- config
location = /upload {
    client_max_body_size 10;
    return 204;
}
--- request
POST /upload
this body is longer than ten bytes
--- error_code: 413
--- response_body_like chomp
<title>413 Request Entity Too Large</title>



=== TEST 11: an empty body is malformed JSON, not an error of the reader
--- delivery

--- error_code: 400
--- response_body chomp
{"error":"malformed_json"}
