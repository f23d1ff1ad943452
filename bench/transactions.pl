#!/usr/bin/perl
# Pre-signs the card transactions of bench/transactions.sh (wrk's Lua
# cannot compute an HMAC-SHA256 cheaply).  Perl core modules only.
#
#   perl bench/transactions.pl OUT SECRET KIND MERCHANT AMOUNT < CARDS
#
# CARDS holds lines "<n> <card token>"; each one becomes one transaction
# of AMOUNT cents (USD) at MERCHANT on that card, signed the Standard
# Webhooks way with SECRET ("whsec_<base64 key>"):
#
#   webhook-id         msg_<KIND>_<n>
#   webhook-timestamp  now (unix s, when this runs: the transactions must be
#                      sent within hashpay_transactions_tolerance of it)
#   webhook-signature  v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
#   body               {"txn_id":"txn_<KIND>_<n>","card_token":"<token>",
#                       "merchant_id":"<MERCHANT>","amount_cents":<AMOUNT>,
#                       "currency":"USD","at":<now>}
#
# OUT gets one line per transaction: "<webhook-id>\t<timestamp>\t<base64
# signature>\t<body>" (no tab or newline in any of them).  Prints
# "signed N transactions (avg B bytes) in T s".

use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64 decode_base64);
use Time::HiRes qw(time);

my $t0 = time;
my ($out, $secret, $kind, $merchant, $amount) = @ARGV;
die "usage: transactions.pl OUT SECRET KIND MERCHANT AMOUNT < CARDS\n"
    unless defined $amount && $amount =~ /^\d+$/
        && $kind =~ /^\w+$/ && $merchant =~ /^\S+$/;

(my $b64 = $secret) =~ s/^whsec_// or die "SECRET must be whsec_<base64>\n";
$b64 .= '=' while length($b64) % 4;
my $key = decode_base64($b64);
die "SECRET decodes to nothing\n" unless length $key;

my $now = int $t0;
my $tail = '","merchant_id":"' . $merchant . '","amount_cents":' . $amount
    . ',"currency":"USD","at":' . $now . '}';

open my $fh, '>', "$out.new" or die "$out.new: $!\n";
my ($n, $bytes) = (0, 0);

while (my $line = <STDIN>) {
    my ($i, $card) = $line =~ /^(\d+) (\S+)\s*$/ or die "bad line: $line";
    my $id = "msg_${kind}_$i";
    my $body = '{"txn_id":"txn_' . $kind . '_' . $i . '","card_token":"'
        . $card . $tail;
    print $fh $id, "\t", $now, "\t",
        encode_base64(hmac_sha256("$id.$now.$body", $key), ''), "\t",
        $body, "\n"
        or die "$out.new: $!\n";
    $n++;
    $bytes += length $body;
}

close $fh or die "$out.new: $!\n";
rename "$out.new", $out or die "rename $out: $!\n";
printf "signed %d transactions (avg %d bytes) in %.2f s\n",
    $n, $n ? $bytes / $n : 0, time - $t0;
