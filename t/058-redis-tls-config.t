# nginx -t and Redis over TLS (issue 13 point 5): user=, tls, tls_ca=,
# tls_cert= / tls_key=, tls_name=, sentinel_user= on hashpay_redis,
# hashpay_redis_sentinel and hashpay_redis_cluster.  Every bad combination
# is refused with its own line; the CA is required (no silent fallback to
# the system's store); a certificate or CA that cannot be read fails
# nginx -t.  Plain Test::More, as t/001-config.t; the PKI is made by
# openssl in a temp dir (t/lib/HashpayTLS.pm).

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use HashpayConf;
use HashpayTLS qw(pki);

my $loc = 'server { listen 127.0.0.1:1; location = /x { hashpay_webhook;'
          . ' hashpay_consumer_secret consumer-secret-1; } }';

my $pki = pki();
my ($ca, $cert, $key) = ($pki->{ca}, $pki->{cert}, $pki->{key});

my %dir = (
    redis    => [ 'hashpay_redis', 'hashpay_redis 127.0.0.1:6379' ],
    sentinel => [ 'hashpay_redis_sentinel',
                  'hashpay_redis_sentinel 127.0.0.1:26379 master=m' ],
    cluster  => [ 'hashpay_redis_cluster',
                  'hashpay_prefix "{hashpay}"; hashpay_redis_cluster 127.0.0.1:7000' ],
);

for my $mode (sort keys %dir) {
    my ($name, $d) = @{ $dir{$mode} };
    my $q = quotemeta $name;

    accepted("$d tls tls_ca=$ca; $loc", "$mode: tls with a CA");

    accepted("$d tls tls_ca=$ca tls_cert=$cert tls_key=$key"
             . " tls_name=redis.test user=hashpay password=pw-1; $loc",
             "$mode: every option");

    accepted("$d user=hashpay password=pw-1; $loc",
             "$mode: user= without tls");

    refused("$d tls; $loc",
            qr/"tls" requires "tls_ca=" in "$q": the CA that signed the Redis server's certificate/,
            "$mode: tls without tls_ca=");

    for my $opt ("tls_ca=$ca", "tls_cert=$cert tls_key=$key",
                 'tls_name=redis.test')
    {
        my ($first) = $opt =~ /^(\w+=)/;
        refused("$d $opt; $loc",
                qr/"\Q$first\E" requires "tls" in "$q"/,
                "$mode: $first without tls");
    }

    refused("$d tls tls_ca=$ca tls_cert=$cert; $loc",
            qr/"tls_cert=" requires "tls_key=" in "$q"/,
            "$mode: tls_cert= without tls_key=");

    refused("$d tls tls_ca=$ca tls_key=$key; $loc",
            qr/"tls_key=" requires "tls_cert=" in "$q"/,
            "$mode: tls_key= without tls_cert=");

    refused("$d user=hashpay; $loc",
            qr/"user=" requires "password=" in "$q"/,
            "$mode: user= without password=");

    for my $empty ('user=', 'tls_ca=', 'tls_cert=', 'tls_key=',
                   'tls_name=')
    {
        refused("$d tls tls_ca=$ca $empty; $loc",
                qr/invalid parameter "\Q$empty\E" in "$q"/,
                "$mode: empty $empty");
    }

    refused("$d tls tls_ca=$pki->{dir}/missing.crt; $loc",
            qr/SSL_CTX_load_verify_locations\("\Q$pki->{dir}\E\/missing\.crt"\) failed.*\n.*cannot set up TLS for "$q"/,
            "$mode: a CA file that does not exist");

    refused("$d tls tls_ca=$ca tls_cert=$pki->{dir}/missing.crt"
            . " tls_key=$key; $loc",
            qr/cannot load certificate "\Q$pki->{dir}\E\/missing\.crt".*\n.*cannot set up TLS for "$q"/,
            "$mode: a certificate that does not exist");

    refused("$d tls tls_ca=$ca tls_cert=$cert"
            . " tls_key=$pki->{rogue_key}; $loc",
            qr/key values mismatch.*\n.*cannot set up TLS for "$q"/,
            "$mode: a key that is not the certificate's");
}

refused("hashpay_redis unix:/tmp/redis.sock tls tls_ca=$ca; $loc",
        qr/"tls" with a unix: address requires "tls_name=" in "hashpay_redis"/,
        'unix: and tls without tls_name=');

accepted("hashpay_redis unix:/tmp/redis.sock tls tls_ca=$ca"
         . " tls_name=redis.test; $loc", 'unix: with tls_name=');

accepted("hashpay_redis_sentinel 127.0.0.1:26379 master=m tls tls_ca=$ca"
         . " sentinel_user=watcher sentinel_password=pw-2; $loc",
         'sentinel_user= with sentinel_password=');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m"
        . " sentinel_user=watcher; $loc",
        qr/"sentinel_user=" requires "sentinel_password=" in "hashpay_redis_sentinel"/,
        'sentinel_user= without sentinel_password=');

refused("hashpay_redis_sentinel 127.0.0.1:26379 master=m sentinel_user=; $loc",
        qr/invalid parameter "sentinel_user=" in "hashpay_redis_sentinel"/,
        'empty sentinel_user=');

refused("hashpay_redis 127.0.0.1:6379 sentinel_user=watcher; $loc",
        qr/invalid parameter "sentinel_user=watcher" in "hashpay_redis"/,
        'sentinel_user= outside hashpay_redis_sentinel');

# never echo a password back, tls or not
my $out = refused("hashpay_redis 127.0.0.1:6379 tls tls_ca=$ca"
                  . " password=Secret-1 bogus=1; $loc",
                  qr/invalid parameter "bogus=1" in "hashpay_redis"/,
                  'a bad option next to password=');
unlike($out, qr/Secret-1/, 'the password is not echoed');

done_testing();
