# nginx -t and hashpay_redis_cluster: one of it, hashpay_redis or
# hashpay_redis_sentinel; at least one node, addresses (names resolved at
# configuration time); no db=; no password echoed; and hashpay_prefix
# must be a hash tag, so that every key is in one slot.  Plain Test::More, as t/056-sentinel-config.t.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use HashpayConf;

my $loc = 'server { listen 127.0.0.1:1; location = /x { hashpay_webhook;'
          . ' hashpay_consumer_secret consumer-secret-1; } }';
my $tag = 'hashpay_prefix "{hashpay}";';

accepted("hashpay_redis_cluster 127.0.0.1:7000 127.0.0.2:7001 [::1]:7002"
         . " password=redis-password-1 connect_timeout=300ms timeout=2s;"
         . " $tag $loc", 'full');

accepted("hashpay_redis_cluster 127.0.0.1; $tag $loc", 'default port 6379');

accepted("hashpay_prefix \"shop:{hp}\"; hashpay_redis_cluster 127.0.0.1:7000;"
         . " $loc", 'a tag inside the prefix, the prefix first');

accepted("hashpay_redis_cluster 127.0.0.1:7000 timeout=2s;"
         . " hashpay_redis_wait 1 500ms; $tag $loc",
         'with hashpay_redis_wait');

refused("hashpay_redis_cluster 127.0.0.1:7000; $loc",
        qr/"hashpay_prefix" "hashpay" is not a hash tag: with "hashpay_redis_cluster" every key must be in one slot, write hashpay_prefix "\{hashpay\}";/,
        'the default prefix');

refused("hashpay_redis_cluster 127.0.0.1:7000; hashpay_prefix shop; $loc",
        qr/"hashpay_prefix" "shop" is not a hash tag.*hashpay_prefix "\{shop\}"/,
        'a prefix without braces');

refused("hashpay_redis_cluster 127.0.0.1:7000; hashpay_prefix \"{}shop\";"
        . " $loc", qr/"hashpay_prefix" "\{\}shop" is not a hash tag/,
        'an empty tag');

refused("hashpay_redis_cluster 127.0.0.1:7000; hashpay_prefix \"{shop\";"
        . " $loc", qr/"hashpay_prefix" "\{shop" is not a hash tag/,
        'a tag that is not closed');

# the same prefix is fine without a cluster
accepted("hashpay_redis 127.0.0.1:$redis_port; hashpay_prefix shop; $loc",
         'no hash tag needed without a cluster');

refused("hashpay_redis_cluster timeout=1s; $tag $loc",
        qr/"hashpay_redis_cluster" requires at least one node/, 'no node');

# a name is resolved by nginx -t, once (as hashpay_redis's); one that is
# not found is refused
accepted("hashpay_redis_cluster localhost:7000; $tag $loc",
         'a host name, resolved at configuration time');

refused("hashpay_redis_cluster nowhere.invalid:7000; $tag $loc",
        qr/invalid node "nowhere\.invalid:7000" in "hashpay_redis_cluster": host not found/,
        'a host name that does not resolve');

refused("hashpay_redis_cluster unix:/tmp/redis.sock; $tag $loc",
        qr/invalid node "unix:\/tmp\/redis\.sock"/, 'a unix socket');

refused("hashpay_redis_cluster 127.0.0.1:99999; $tag $loc",
        qr/invalid node "127\.0\.0\.1:99999"/, 'a bad port');

refused("hashpay_redis_cluster 127.0.0.1:7000 db=1; $tag $loc",
        qr/"hashpay_redis_cluster" takes no db=: a Redis Cluster has database 0 only/,
        'db=');

refused("hashpay_redis_cluster 127.0.0.1:7000 timeout=0; $tag $loc",
        qr/invalid parameter "timeout=0" in "hashpay_redis_cluster"/,
        'bad timeout=');

refused("hashpay_redis_cluster 127.0.0.1:7000 master=m; $tag $loc",
        qr/invalid parameter "master=m" in "hashpay_redis_cluster"/,
        'master= is the sentinel\'s');

my $out = refused("hashpay_redis_cluster 127.0.0.1:7000 password= ; $tag $loc",
                  qr/invalid parameter "password=\.\.\." in "hashpay_redis_cluster"/,
                  'empty password=');

$out = refused("hashpay_redis_cluster 127.0.0.1:7000 password=secret-pw-1"
               . " bogus=1; $tag $loc", qr/invalid parameter "bogus=1"/,
               'an unknown option');
unlike($out, qr/secret-pw-1/, 'the password is not echoed');

refused("hashpay_redis 127.0.0.1:$redis_port;"
        . " hashpay_redis_cluster 127.0.0.1:7000; $tag $loc",
        qr/"hashpay_redis_cluster" directive cannot be used with "hashpay_redis"/,
        'hashpay_redis first');

refused("hashpay_redis_cluster 127.0.0.1:7000;"
        . " hashpay_redis 127.0.0.1:$redis_port; $tag $loc",
        qr/"hashpay_redis" directive cannot be used with "hashpay_redis_cluster"/,
        'hashpay_redis_cluster first');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m;"
        . " hashpay_redis_cluster 127.0.0.1:7000; $tag $loc",
        qr/"hashpay_redis_cluster" directive cannot be used with "hashpay_redis_sentinel"/,
        'hashpay_redis_sentinel first');

refused("hashpay_redis_cluster 127.0.0.1:7000;"
        . " hashpay_redis_sentinel 127.0.0.1:26379 master=m; $tag $loc",
        qr/"hashpay_redis_sentinel" directive cannot be used with "hashpay_redis_cluster"/,
        'hashpay_redis_cluster first, then the sentinels');

refused("hashpay_redis_cluster 127.0.0.1:7000;"
        . " hashpay_redis_cluster 127.0.0.1:7001; $tag $loc",
        qr/"hashpay_redis_cluster" directive is duplicate/, 'twice');

refused("hashpay_redis_cluster 127.0.0.1:7000 timeout=1s;"
        . " hashpay_redis_wait 1 2s; $tag $loc",
        qr/"hashpay_redis_wait" timeout 2000 ms must be shorter/,
        'hashpay_redis_wait checks timeout=');

done_testing();
