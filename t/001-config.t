# nginx -t refuses incomplete or invalid hashpay configurations with a clear
# message, and accepts conf.example.  Plain Test::More: configuration errors
# go to nginx's stderr, which is what an operator sees.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use HashpayConf;

my $secret_file = write_file('secret',
                             "\n  s3cret-number-one  \n\n s3cret-number-two\n");
my $blank_file = write_file('blank', "\n   \n\t\n");

my $loc = 'location = /x { hashpay_webhook; hashpay_consumer_secret consumer-secret-1; }';
my $redis = "hashpay_redis 127.0.0.1:$redis_port;";

accepted("$redis server { listen 127.0.0.1:1; $loc }", 'minimal');

accepted("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
         . " hashpay_consumer_secret_file $secret_file; } }",
         'secret file with blank lines and spaces');

accepted("$redis hashpay_consumer_secret consumer-secret-a;"
         . " hashpay_consumer_secret consumer-secret-b;"
         . " server { listen 127.0.0.1:1;"
         . " location = /x { hashpay_webhook; } }",
         'secrets inherited from http');

accepted("hashpay_redis unix:/tmp/hashpay-none.sock db=3 password=pw"
         . " connect_timeout=50ms timeout=2s; hashpay_prefix \"{hp}\";"
         . " hashpay_events_maxlen 1000;"
         . " server { listen 127.0.0.1:1; $loc }",
         'unix address and every parameter');

accepted("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
         . " hashpay_consumer_secret consumer-secret-1; hashpay_confirm_ttl 10m;"
         . " hashpay_confirm_prefix Buy_; hashpay_dedupe_ttl 1d;"
         . " hashpay_operator_accounts 15234567 1297234567890123457; } }",
         'every webhook directive');

refused("server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_webhook" requires "hashpay_redis"/, 'no hashpay_redis');

refused("$redis server { listen 127.0.0.1:1;"
        . " location = /x { hashpay_webhook; } }",
        qr/"hashpay_webhook" requires "hashpay_consumer_secret"/,
        'no secret');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret_file $dir/missing; } }",
        qr/cannot open secret file ".*missing"/, 'missing secret file');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret_file $blank_file; } }",
        qr/secret file ".*blank" holds no secret/, 'blank secret file');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret \"\"; } }",
        qr/empty secret/, 'empty secret');

refused("$redis $redis server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_redis" directive is duplicate/, 'hashpay_redis twice');

refused("hashpay_redis 127.0.0.1:$redis_port db=x; server { listen 127.0.0.1:1; $loc }",
        qr/invalid parameter "db=x" in "hashpay_redis"/, 'bad db');

refused("hashpay_redis 127.0.0.1:$redis_port timeout=0;"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/invalid parameter "timeout=0"/, 'zero timeout');

refused("hashpay_redis 127.0.0.1:$redis_port connect_timeout=soon;"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/invalid parameter "connect_timeout=soon"/, 'bad connect_timeout');

refused("hashpay_redis 127.0.0.1:$redis_port colour=blue;"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/invalid parameter "colour=blue"/, 'unknown parameter');

my $out = refused("hashpay_redis 127.0.0.1:$redis_port password=;"
                  . " server { listen 127.0.0.1:1; $loc }",
                  qr/invalid parameter "password=\.\.\." in/,
                  'empty password');

refused("hashpay_redis 127.0.0.1:99999; server { listen 127.0.0.1:1; $loc }",
        qr/invalid port in "hashpay_redis" address/, 'bad port');

refused("hashpay_prefix \"has space\"; $redis"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_prefix" must be printable ASCII without spaces/,
        'prefix with a space');

refused("hashpay_events_maxlen 0; $redis server { listen 127.0.0.1:1; $loc }",
        qr/value must be between 1 and 2147483647 in .*:\d+/, 'maxlen 0');

# hashpay_events_group (t/094-events-group.t has the behaviour)

accepted("$redis hashpay_events_group hashpay-workers_1.v2:eu;"
         . " hashpay_events_maxlen 5; server { listen 127.0.0.1:1; $loc }",
         'events group');

refused("hashpay_events_group ops; server { listen 127.0.0.1:1; }",
        qr/"hashpay_events_group" requires "hashpay_redis"/,
        'events group without redis');

refused("$redis hashpay_events_group ops; hashpay_events_group ops;"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_events_group" directive is duplicate/,
        'events group twice');

refused("$redis hashpay_events_group \"two words\";"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_events_group" must be printable ASCII without spaces/,
        'events group with a space');

refused("$redis hashpay_events_group \"\";"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_events_group" must be 1-100 characters/,
        'empty events group');

refused("$redis hashpay_events_group " . ('g' x 101) . ";"
        . " server { listen 127.0.0.1:1; $loc }",
        qr/"hashpay_events_group" must be 1-100 characters/,
        'events group too long');

refused("$redis server { listen 127.0.0.1:1; hashpay_events_group ops; $loc }",
        qr/"hashpay_events_group" directive is not allowed here/,
        'events group in a server');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret consumer-secret-1; hashpay_operator_accounts 12a; } }",
        qr/invalid user id "12a" in "hashpay_operator_accounts"/,
        'operator id not digits');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret consumer-secret-1; hashpay_confirm_prefix Con-firm; } }",
        qr/"hashpay_confirm_prefix" must be ASCII letters, digits and "_"/,
        'confirm prefix with a dash');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret consumer-secret-1; hashpay_confirm_ttl 0; } }",
        qr/"hashpay_confirm_ttl" must be at least 1s/, 'confirm ttl 0');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_consumer_secret consumer-secret-1; hashpay_dedupe_ttl 500ms; } }",
        qr/"hashpay_dedupe_ttl" must be at least 1s/, 'dedupe ttl 500ms');

refused("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
        . " hashpay_webhook; hashpay_consumer_secret consumer-secret-1; } }",
        qr/"hashpay_webhook" directive is duplicate/, 'webhook twice');

refused("$redis server { listen 127.0.0.1:1; location = /x {"
        . " proxy_pass http://127.0.0.1:1; hashpay_webhook;"
        . " hashpay_consumer_secret consumer-secret-1; } }",
        qr/conflicts with another content handler/,
        'proxy_pass and hashpay_webhook in one location');

# a secret never appears in an error message

my ($st, $msg) = nginx_t("$redis server { listen 127.0.0.1:1; location = /x {"
                         . " hashpay_webhook; hashpay_consumer_secret"
                         . " Sup3rSecretValue1; hashpay_confirm_ttl 0; } }");
isnt($st, 0, 'secret in a refused config: refused');
unlike($msg, qr/Sup3rSecret/, 'secret in a refused config: not echoed');

# a secret too short to be one (SPEC section 3): under 16 bytes, refused,
# and not echoed; 16 bytes are enough

my $short_file = write_file('short', "s3cret-number-one
  Sh0rtS3cret15by \n");
my $sixteen = 'Sixteen-Bytes-16';

is(length($sixteen), 16, 'the 16-byte secret has 16 bytes');

accepted("$redis server { listen 127.0.0.1:1; location = /x { hashpay_webhook;"
         . " hashpay_consumer_secret $sixteen; } }", 'secret of 16 bytes');

$out = refused("$redis server { listen 127.0.0.1:1; location = /x {"
               . " hashpay_webhook; hashpay_consumer_secret Sh0rtS3cret15by;"
               . " } }",
               qr/"hashpay_consumer_secret": a secret is too short to be a secret: at least 16 bytes are required in .*:\d+/,
               'secret of 15 bytes');
unlike($out, qr/Sh0rtS3cret/, 'secret of 15 bytes: not echoed');

$out = refused("$redis server { listen 127.0.0.1:1; location = /x {"
               . " hashpay_webhook; hashpay_consumer_secret x; } }",
               qr/"hashpay_consumer_secret": a secret is too short/,
               'secret of 1 byte');

$out = refused("$redis server { listen 127.0.0.1:1; location = /x {"
               . " hashpay_webhook; hashpay_consumer_secret_file $short_file;"
               . " } }",
               qr/"hashpay_consumer_secret_file": a secret is too short to be a secret: at least 16 bytes/,
               'a short secret in a file of good ones');
unlike($out, qr/Sh0rtS3cret/, 'short secret of a file: not echoed');

$out = refused("$redis hashpay_consumer_secret test;"
               . " server { listen 127.0.0.1:1;"
               . " location = /x { hashpay_webhook; } }",
               qr/"hashpay_consumer_secret": a secret is too short/,
               'short secret at http level, even the platform example');

# conf.example, with its paths pointed here, is accepted

SKIP: {
    open(my $fh, '<', 'conf.example') or skip 'no conf.example', 2;
    local $/;
    my $conf = <$fh>;
    close $fh;

    write_file('consumer_secret', "example-consumer-secret\n");
    write_file('admin_token', "example-admin-token\n");
    write_file('whsec', "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    $conf =~ s{^\s*load_module\s+[^;]+;}{load_module $module;}m;
    $conf =~ s{/etc/nginx/hashpay/consumer_secret}{$dir/consumer_secret}g;
    $conf =~ s{/etc/nginx/hashpay/admin_token}{$dir/admin_token}g;
    $conf =~ s{/etc/nginx/hashpay/whsec}{$dir/whsec}g;
    $conf =~ s{(\bpid\s+)[^;]+;}{$1$dir/logs/nginx.pid;}g;
    $conf =~ s{(\berror_log\s+)[^;\s]+}{$1$dir/logs/error.log}g;
    $conf =~ s{(\baccess_log\s+)[^;\s]+}{$1$dir/logs/access.log}g;
    $conf =~ s{127\.0\.0\.1:6379}{127.0.0.1:$redis_port}g;
    $conf =~ s{listen\s+(\d+)}{listen 127.0.0.1:$1}g;
    write_file('example.conf', $conf);

    my $o = `$nginx_env$nginx -t -p $dir/ -c $dir/example.conf 2>&1`;
    is($? >> 8, 0, 'conf.example: nginx -t succeeds') or diag $o;
    like($o, qr/test is successful/, 'conf.example: test is successful');
}

done_testing();
