# nginx -t and hashpay_transactions (notes/issue5-design.md, "Transactions
# endpoint"): it needs hashpay_redis and at least one "whsec_" secret
# (inline, from a file, or inherited); malformed secrets, empty or
# unreadable secret files, a zero tolerance and a hashpay_dedupe_ttl
# shorter than twice the tolerance are refused.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use HashpayConf;

my $A = 'whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X';
my $B = 'whsec_GrD8BSxTRMEiR2u0y0ohhcAdUboMu+ix';
my $D_unpadded = 'whsec_aGFzaHBheS1rYXQta2V5LTIwYiE';
my $two = write_file('whsec', "\n  $A \n\n\t$B\n\n");
my $blank = write_file('blank', "\n  \n\t\n");
my $empty = write_file('empty', '');
my $bad_line = write_file('bad_line', "$A\nnot-a-whsec-secret\n");
my $missing = "$dir/no-such-file";
my $redis = "hashpay_redis 127.0.0.1:$redis_port;";
my $out;

# a server with one transactions location; $more goes inside it
sub srv {
    my ($more) = @_;
    return "server { listen 127.0.0.1:1; location = /card {"
           . " hashpay_transactions; $more } }";
}

# valid

accepted("$redis " . srv("hashpay_transactions_secret $A;"), 'inline secret');
accepted("$redis " . srv("hashpay_transactions_secret_file $two;"),
         'file: blank lines, white space, two secrets');
accepted("$redis " . srv("hashpay_transactions_secret $A;"
                         . " hashpay_transactions_secret_file $two;"),
         'inline and file together');
accepted("$redis hashpay_transactions_secret $A; " . srv(''),
         'secret inherited from http');
accepted("$redis server { listen 127.0.0.1:1;"
         . " hashpay_transactions_secret_file $two;"
         . " location = /card { hashpay_transactions; } }",
         'secret file inherited from server');
accepted("$redis " . srv("hashpay_transactions_secret $D_unpadded;"),
         'unpadded base64');
accepted("$redis " . srv("hashpay_transactions_secret $A;"
                         . " hashpay_transactions_tolerance 1s;"),
         'tolerance 1s');
accepted("$redis hashpay_transactions_tolerance 10m; "
         . srv("hashpay_transactions_secret $A;"), 'tolerance at http level');

# refused

refused(srv("hashpay_transactions_secret $A;"),
        qr/"hashpay_transactions" requires "hashpay_redis"/, 'no redis');
refused("$redis " . srv(''),
        qr/"hashpay_transactions" requires "hashpay_transactions_secret" or "hashpay_transactions_secret_file"/,
        'no secret');
refused("$redis hashpay_transactions_secret $A; server { listen 127.0.0.1:1;"
        . " location = /other { hashpay_transactions_secret $B; }"
        . " location = /card { hashpay_transactions; hashpay_transactions_secret_file $blank; } }",
        qr/\Q$blank\E/, 'blank file (not made up for by http)');
refused("$redis " . srv('hashpay_transactions_secret 7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X;'),
        qr/must be "whsec_" followed by base64/, 'no whsec_ prefix');
refused("$redis " . srv('hashpay_transactions_secret whsec_7FR00wwQ*fVsU4B2x5+lpMdiLNTYSs+X;'),
        qr/must be "whsec_" followed by base64/, 'bad base64 character');
refused("$redis " . srv('hashpay_transactions_secret whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYS;'),
        qr/must be "whsec_" followed by base64/, 'base64 of a bad length');
refused("$redis " . srv('hashpay_transactions_secret whsec_;'),
        qr/must be "whsec_" followed by base64/, 'whsec_ and nothing');
refused("$redis " . srv("hashpay_transactions_secret_file $bad_line;"),
        qr/must be "whsec_" followed by base64/, 'a bad line in the file');
refused("$redis " . srv("hashpay_transactions_secret_file $blank;"),
        qr/\Q$blank\E/, 'blank secret file');
refused("$redis " . srv("hashpay_transactions_secret_file $empty;"),
        qr/\Q$empty\E/, 'empty secret file');
refused("$redis " . srv("hashpay_transactions_secret_file $missing;"),
        qr/\Q$missing\E/, 'unreadable secret file');
refused("$redis " . srv("hashpay_transactions_secret $A;"
                        . " hashpay_transactions_tolerance 0;"),
        qr/"hashpay_transactions_tolerance" must be at least 1s/,
        'tolerance 0');
refused("$redis " . srv("hashpay_transactions_secret $A;"
                        . " hashpay_transactions_tolerance 0s;"),
        qr/"hashpay_transactions_tolerance" must be at least 1s/, 'tolerance 0s');
refused("$redis " . srv("hashpay_transactions_secret $A;"
                        . " hashpay_transactions_tolerance soon;"),
        qr/hashpay_transactions_tolerance/, 'tolerance not a time');
refused("$redis " . srv("hashpay_transactions; hashpay_transactions_secret $A;"),
        qr/is duplicate/, 'duplicate');
refused("$redis server { listen 127.0.0.1:1; location = /card {"
        . " hashpay_transactions; hashpay_transactions_secret $A; } }"
        . " hashpay_transactions;",
        qr/"hashpay_transactions" directive is not allowed here/,
        'flag outside a location');

# a key too short to be a secret (SPEC section 3): a whsec_ secret whose
# key is under 16 bytes is refused, inline or in a file, and not echoed;
# a key of 16 bytes is enough (whsec_AAECAwQFBgcICQoLDA0ODw==: 00..0f)

my $k15 = 'whsec_S2V5T2YxNUJ5dGVzISEh';     # "KeyOf15Bytes!!!"
my $k16 = 'whsec_AAECAwQFBgcICQoLDA0ODw==';
my $short_line = write_file('short_line', "$A\n$k15\n");

accepted("$redis " . srv("hashpay_transactions_secret $k16;"),
         'key of 16 bytes');
accepted("$redis " . srv('hashpay_transactions_secret'
                         . ' whsec_AAECAwQFBgcICQoLDA0ODw;'),
         'key of 16 bytes, unpadded');
$out = refused("$redis " . srv("hashpay_transactions_secret $k15;"),
               qr/"hashpay_transactions_secret": the key of a whsec_ secret is too short to be a secret: at least 16 bytes are required/,
               'key of 15 bytes');
unlike($out, qr/S2V5T2YxNUJ5dGVz/, 'key of 15 bytes: not echoed');
refused("$redis " . srv('hashpay_transactions_secret whsec_QUJD;'),
        qr/the key of a whsec_ secret is too short/, 'key of 3 bytes');
$out = refused("$redis " . srv("hashpay_transactions_secret_file $short_line;"),
               qr/"hashpay_transactions_secret_file": the key of a whsec_ secret is too short/,
               'a short key in a file');
unlike($out, qr/S2V5T2YxNUJ5dGVz/, 'short key of a file: not echoed');

# hashpay_dedupe_ttl at least twice hashpay_transactions_tolerance (SPEC
# section 3): a signed transaction is accepted for the tolerance either
# way of its timestamp, so its ids must be remembered at least that long

my $short = qr/"hashpay_dedupe_ttl" \(\d+ms\) is shorter than twice "hashpay_transactions_tolerance" \(\d+s\): a signed transaction would outlive its idempotency record/;

accepted("$redis " . srv("hashpay_transactions_secret $A;"
                         . " hashpay_dedupe_ttl 10m;"),
         'dedupe ttl exactly twice the default tolerance');
accepted("$redis " . srv("hashpay_transactions_secret $A;"
                         . " hashpay_transactions_tolerance 24h;"),
         'tolerance 24h, default dedupe ttl 48h');
accepted("$redis hashpay_dedupe_ttl 1s; hashpay_transactions_tolerance 1h;"
         . " server { listen 127.0.0.1:1;"
         . " location = /x { hashpay_webhook; hashpay_consumer_secret test-consumer-secret; }"
         . " location = /card { hashpay_transactions;"
         . " hashpay_transactions_secret $A; hashpay_dedupe_ttl 2h; } }",
         'only transactions locations are held to it');
my $o = refused("$redis " . srv("hashpay_transactions_secret $A;"
                                . " hashpay_dedupe_ttl 599s;"),
                $short, 'dedupe ttl 1 s short of twice the default tolerance');
like($o, qr/\(599000ms\) is shorter than twice "hashpay_transactions_tolerance" \(300s\)/,
     'dedupe ttl 599s: both values in the message');
refused("$redis " . srv("hashpay_transactions_secret $A;"
                        . " hashpay_transactions_tolerance 25h;"),
        $short, 'tolerance 25h against the default dedupe ttl 48h');
refused("$redis hashpay_dedupe_ttl 5m; " . srv("hashpay_transactions_secret $A;"),
        $short, 'dedupe ttl inherited from http');
refused("$redis server { listen 127.0.0.1:1;"
        . " hashpay_transactions_tolerance 1h;"
        . " location = /card { hashpay_transactions;"
        . " hashpay_transactions_secret $A; hashpay_dedupe_ttl 1h; } }",
        $short, 'tolerance inherited from server');

# a malformed secret is not echoed back in the message
$out = refused("$redis " . srv('hashpay_transactions_secret whsec_Sup3r*S3cret;'),
                  qr/must be "whsec_" followed by base64/, 'bad secret');
unlike($out, qr/Sup3r\*S3cret/, 'bad secret: the value is not echoed');

done_testing();
