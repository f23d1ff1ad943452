#!/usr/bin/perl
# Pre-generates the signed deliveries of bench/purchase.sh (wrk's Lua
# cannot compute an HMAC-SHA256 cheaply).  Perl core modules only.
#
#   perl bench/purchase.pl intents  OUT SECRET COUNT TAG
#       COUNT intent tweets "Treating myself #TAG", tweet n (1..COUNT) by
#       user bench_user(n), tweet ids 1500000000000000000 + n
#   perl bench/purchase.pl confirms OUT SECRET CONFIRM_PREFIX < LINES
#       one confirmation tweet "yes #<CONFIRM_PREFIX><CODE>" per input line
#       "<user id> <code>", tweet ids 1600000000000000000 + line number
#
# OUT gets one line per delivery: "<base64 HMAC-SHA256 of body>\t<body>"
# (the compact JSON body holds no tab or newline).  Prints
# "generated N signed deliveries (avg B bytes) in T s".
#
# User n's id is "14000000" . sprintf("%011d", n), the id bench/purchase.sh
# links (screen name bench<n>, card token tok_bench_<n>).

use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);
use POSIX qw(strftime);

my $t0 = time;
my $mode = shift // '';
my ($out, $secret) = (shift, shift);
die "usage: purchase.pl intents OUT SECRET COUNT TAG\n"
  . "       purchase.pl confirms OUT SECRET PREFIX < lines\n"
    unless ($mode eq 'intents' || $mode eq 'confirms') && defined $secret;

my $created = strftime('%a %b %d %H:%M:%S +0000 %Y', gmtime);
my $ts = int($t0 * 1000);

sub body {
    my ($id, $uid, $name, $text, $tag, $from) = @_;
    my $to = $from + 1 + length $tag;
    return '{"for_user_id":"' . $uid . '","tweet_create_events":[{'
        . '"created_at":"' . $created . '","id":' . $id . ',"id_str":"'
        . $id . '","text":"' . $text . '","truncated":false,'
        . '"in_reply_to_status_id_str":null,"user":{"id":' . $uid
        . ',"id_str":"' . $uid . '","name":"' . $name
        . '","screen_name":"' . $name
        . '","created_at":"Wed May 23 06:01:13 +0000 2007"},'
        . '"entities":{"hashtags":[{"text":"' . $tag . '","indices":['
        . $from . ',' . $to . ']}],"user_mentions":[],"urls":[]},'
        . '"timestamp_ms":"' . $ts . '"}]}';
}

open my $fh, '>', "$out.new" or die "$out.new: $!\n";
my ($n, $bytes) = (0, 0);

sub emit {
    my ($b) = @_;
    print $fh encode_base64(hmac_sha256($b, $secret), ''), "\t", $b, "\n"
        or die "$out.new: $!\n";
    $n++;
    $bytes += length $b;
}

if ($mode eq 'intents') {
    my ($count, $tag) = @ARGV;
    die "COUNT must be a number\n" unless defined $count && $count =~ /^\d+$/;
    die "TAG must be a word\n" unless defined $tag && $tag =~ /^\w+$/;
    my $text = "Treating myself #$tag";
    for my $i (1 .. $count) {
        my $uid = '14000000' . sprintf('%011d', $i);
        emit(body(1500000000000000000 + $i, $uid, "bench$i", $text, $tag,
                  16));
    }
} else {
    my ($prefix) = @ARGV;
    die "PREFIX must be a word\n" unless defined $prefix && $prefix =~ /^\w+$/;
    my $i = 0;
    while (my $line = <STDIN>) {
        my ($uid, $code) = $line =~ /^(\d+) (\w+)\s*$/
            or die "bad line: $line";
        $i++;
        my $tag = $prefix . $code;
        (my $name = $uid) =~ s/^140000000*/bench/;
        emit(body(1600000000000000000 + $i, $uid, $name, "yes #$tag", $tag,
                  4));
    }
}

close $fh or die "$out.new: $!\n";
rename "$out.new", $out or die "rename $out: $!\n";
printf "generated %d signed deliveries (avg %d bytes) in %.2f s\n",
    $n, $n ? $bytes / $n : 0, time - $t0;
