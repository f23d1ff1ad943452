# nginx -t and hashpay_redis_sentinel: one of it or hashpay_redis, master=
# required, at least one sentinel, addresses (names resolved at
# configuration time) or unix: paths, no password echoed.  Plain Test::More, as t/001-config.t.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use HashpayConf;

my $loc = 'server { listen 127.0.0.1:1; location = /x { hashpay_webhook;'
          . ' hashpay_consumer_secret consumer-secret-1; } }';

accepted("hashpay_redis_sentinel 127.0.0.1:26379 127.0.0.2:26380 [::1]:26381"
         . " master=m password=redis-password-1"
         . " sentinel_password=sentinel-password-1 db=2"
         . " connect_timeout=300ms timeout=2s; $loc", 'full');

accepted("hashpay_redis_sentinel 127.0.0.1 master=m; $loc",
         'default port 26379');

accepted("hashpay_redis_sentinel unix:/tmp/sentinel.sock master=m; $loc",
         'unix socket');

accepted("hashpay_redis_sentinel 127.0.0.1:26379 master=m timeout=2s;"
         . " hashpay_redis_wait 1 500ms; $loc", 'with hashpay_redis_wait');

refused("hashpay_redis_sentinel 127.0.0.1:26379 127.0.0.1:26380; $loc",
        qr/"hashpay_redis_sentinel" requires master=/, 'no master=');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=; $loc",
        qr/invalid parameter "master=" in "hashpay_redis_sentinel"/,
        'empty master=');

refused("hashpay_redis_sentinel master=m db=1; $loc",
        qr/"hashpay_redis_sentinel" requires at least one sentinel/,
        'no sentinel');

# a name is resolved by nginx -t, once (as hashpay_redis's); one that is
# not found is refused
accepted("hashpay_redis_sentinel localhost:26379 master=m; $loc",
         'a host name, resolved at configuration time');

refused("hashpay_redis_sentinel nowhere.invalid:26379 master=m; $loc",
        qr/invalid sentinel "nowhere\.invalid:26379" in "hashpay_redis_sentinel": host not found/,
        'a host name that does not resolve');

refused("hashpay_redis_sentinel 127.0.0.1:99999 master=m; $loc",
        qr/invalid sentinel "127\.0\.0\.1:99999"/, 'a bad port');

refused("hashpay_redis 127.0.0.1:$redis_port;"
        . " hashpay_redis_sentinel 127.0.0.1:26379 master=m; $loc",
        qr/"hashpay_redis_sentinel" directive cannot be used with "hashpay_redis"/,
        'hashpay_redis first');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m;"
        . " hashpay_redis 127.0.0.1:$redis_port; $loc",
        qr/"hashpay_redis" directive cannot be used with "hashpay_redis_sentinel"/,
        'hashpay_redis_sentinel first');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m;"
        . " hashpay_redis_sentinel 127.0.0.1:26380 master=n; $loc",
        qr/"hashpay_redis_sentinel" directive is duplicate/, 'twice');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m db=x; $loc",
        qr/invalid parameter "db=x" in "hashpay_redis_sentinel"/, 'bad db=');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m timeout=0; $loc",
        qr/invalid parameter "timeout=0"/, 'bad timeout=');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m role=x; $loc",
        qr/invalid parameter "role=x"/, 'unknown option');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m"
                  . " sentinel_password= ; $loc",
                  qr/invalid parameter "sentinel_password=\.\.\."/,
                  'empty sentinel_password=');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m timeout=1s;"
        . " hashpay_redis_wait 1 2s; $loc",
        qr/"hashpay_redis_wait" timeout 2000 ms must be shorter/,
        'hashpay_redis_wait checks timeout=');

done_testing();
