# nginx -t and the admin API: hashpay_admin needs hashpay_redis and a token
# (inline, from a file, or inherited); an empty token file is refused.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use HashpayConf;

my $tokens = write_file('tokens',
                        "\n  admin-token-aaaaa \n\nadmin-token-bbbbb\n");
my $blank = write_file('blank', "\n  \n");
my $redis = "hashpay_redis 127.0.0.1:$redis_port;";

accepted("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
         . " hashpay_admin_token admin-token-1234; } }", 'inline token');
accepted("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
         . " hashpay_admin_token_file $tokens; } }", 'token file');
accepted("$redis hashpay_admin_token admin-token-1234; server { listen 127.0.0.1:1;"
         . " location /a/ { hashpay_admin; } }", 'token inherited from http');
refused("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin; } }",
        qr/"hashpay_admin" requires "hashpay_admin_token" or "hashpay_admin_token_file"/,
        'no token');
refused("server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
        . " hashpay_admin_token admin-token-1234; } }",
        qr/"hashpay_admin" requires "hashpay_redis" in the http block/,
        'no redis');
refused("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
        . " hashpay_admin_token_file $blank; } }", qr/holds no secret/,
        'blank token file');
refused("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
        . " hashpay_admin; hashpay_admin_token admin-token-1234; } }", qr/is duplicate/,
        'duplicate');
refused("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
        . " hashpay_webhook; hashpay_admin_token admin-token-1234;"
        . " hashpay_consumer_secret consumer-secret-1; } }",
        qr/conflicts with another content handler/, 'two handlers');

refused("$redis server { listen 127.0.0.1:1; location /a/ {"
                  . " hashpay_admin; hashpay_admin_token ''; } }",
                  qr/empty secret/, 'empty token');

# a token too short to be a secret (SPEC section 3): under 16 bytes,
# inline or in a file, is refused and not echoed; 16 bytes are enough

my $short = write_file('short', "admin-token-aaaaa\nT0k3n-15-bytes!\n");

accepted("$redis server { listen 127.0.0.1:1; location /a/ { hashpay_admin;"
         . " hashpay_admin_token 16-bytes-token!!; } }", 'token of 16 bytes');

my $out = refused("$redis server { listen 127.0.0.1:1; location /a/ {"
                  . " hashpay_admin; hashpay_admin_token T0k3n-15-bytes!; } }",
                  qr/"hashpay_admin_token": a secret is too short to be a secret: at least 16 bytes are required/,
                  'token of 15 bytes');
unlike($out, qr/T0k3n/, 'token of 15 bytes: not echoed');

$out = refused("$redis server { listen 127.0.0.1:1; location /a/ {"
               . " hashpay_admin; hashpay_admin_token_file $short; } }",
               qr/"hashpay_admin_token_file": a secret is too short/,
               'a short token in a file');
unlike($out, qr/T0k3n/, 'short token of a file: not echoed');

refused("$redis hashpay_admin_token t0k; server { listen 127.0.0.1:1;"
        . " location /a/ { hashpay_admin; } }",
        qr/"hashpay_admin_token": a secret is too short/,
        'short token at http level');

done_testing();
