#!/usr/bin/perl
# Pre-generates the signed intent deliveries of bench/soak.sh (wrk's Lua
# cannot compute an HMAC-SHA256 cheaply).  Perl core modules only.
#
#   perl bench/soak.pl OUT SECRET FIRST COUNT USERS TAG
#
# COUNT intent tweets "Treating myself #TAG": tweet n (FIRST ..
# FIRST+COUNT-1) has id 1800000000000000000 + n and is by user
# ((n - 1) % USERS) + 1, whose id is "14000000" . sprintf("%011d", u)
# (screen name bench<u>), as bench/soak.sh links them.  The tweets carry
# no timestamp_ms and no created_at of their own: a tweet without a time
# is never stale (SPEC section 10), whenever it is sent and whatever
# hashpay_dedupe_ttl.
#
# OUT gets one line per delivery: "<base64 HMAC-SHA256 of body>\t<body>"
# (bench/purchase.lua's format).  Prints "generated N signed deliveries
# (avg B bytes) in T s".

use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);

my $t0 = time;
my ($out, $secret, $first, $count, $users, $tag) = @ARGV;
die "usage: soak.pl OUT SECRET FIRST COUNT USERS TAG\n"
    unless defined $tag && $tag =~ /^\w+$/
        && "$first$count$users" =~ /^\d+$/ && $users > 0;

my $text = "Treating myself #$tag";
my $to = 16 + 1 + length $tag;

open my $fh, '>', "$out.new" or die "$out.new: $!\n";
my ($n, $bytes) = (0, 0);

for my $i ($first .. $first + $count - 1) {
    my $u = (($i - 1) % $users) + 1;
    my $uid = '14000000' . sprintf('%011d', $u);
    my $id = 1800000000000000000 + $i;
    my $b = '{"for_user_id":"' . $uid . '","tweet_create_events":[{'
        . '"id":' . $id . ',"id_str":"' . $id . '","text":"' . $text
        . '","truncated":false,"in_reply_to_status_id_str":null,'
        . '"user":{"id":' . $uid . ',"id_str":"' . $uid
        . '","name":"bench' . $u . '","screen_name":"bench' . $u
        . '","created_at":"Wed May 23 06:01:13 +0000 2007"},'
        . '"entities":{"hashtags":[{"text":"' . $tag . '","indices":[16,'
        . $to . ']}],"user_mentions":[],"urls":[]}}]}';
    print $fh encode_base64(hmac_sha256($b, $secret), ''), "\t", $b, "\n"
        or die "$out.new: $!\n";
    $n++;
    $bytes += length $b;
}

close $fh or die "$out.new: $!\n";
rename "$out.new", $out or die "rename $out: $!\n";
printf "generated %d signed deliveries (avg %d bytes) in %.2f s\n",
    $n, $n ? $bytes / $n : 0, time - $t0;
