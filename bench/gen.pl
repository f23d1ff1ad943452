#!/usr/bin/perl
# Pre-generates the signed webhook deliveries that bench/run.sh sends, since
# wrk's Lua cannot compute an HMAC-SHA256 cheaply.
#
#   perl bench/gen.pl DIR SECRET COUNT [SIZE]
#
# prints "generated N signed SIZE-byte deliveries in T s" and writes
#   DIR/body.tmpl   one compact X Account Activity delivery (one tweet whose
#                   hashtags name no offer) of exactly SIZE bytes (default
#                   2048), with the 19-digit tweet id replaced by 19 '@'
#                   in both "id" and "id_str"
#   DIR/pairs.txt   COUNT lines "<tweet id> <base64 HMAC-SHA256 of the body
#                   with that id>", ids distinct, all 19 digits
#   DIR/check.body, DIR/check.sig
#                   one more delivery (an id outside pairs.txt) and its
#                   header value, for a smoke test before wrk runs
#
# The body is the same byte for byte up to the first id, so the inner
# SHA-256 state over (key ^ ipad || that prefix) is computed once and
# cloned for every id: HMAC(K, m) = H(K^opad || H(K^ipad || m)).

use strict;
use warnings;
use Digest::SHA qw(sha256 hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);
use POSIX qw(strftime);

my $t0 = time;

# the tweet is timed now: one older than hashpay_dedupe_ttl less a margin
# would be answered "stale" (SPEC section 10) without reaching the offers
my $created = strftime('%a %b %d %H:%M:%S +0000 %Y', gmtime $t0);
my $ts = int($t0 * 1000);

my ($dir, $secret, $count, $size) = @ARGV;
die "usage: $0 DIR SECRET COUNT [SIZE]\n"
    unless defined $count && $count =~ /^\d+$/ && $count > 0;
$size //= 2048;

my $ID = '@' x 19;

# A v1.1 tweet as the Account Activity API delivers it (compact JSON, the
# fields the platform sends); hashtags #SummerVibes and #CoffeeTime name no
# offer.  The user's "description" is stretched to reach SIZE exactly.
my $text = 'Back from the farmers market with way too many peaches again, '
    . 'somebody stop me before I buy a third crate. Making cobbler tonight '
    . 'and jam tomorrow, recipes welcome! #SummerVibes #CoffeeTime '
    . 'https://t.co/Xy7aBcD3eF';
my $tag1 = index($text, '#SummerVibes');
my $tag2 = index($text, '#CoffeeTime');
my $url = index($text, 'https://t.co/');

sub delivery {
    my ($desc) = @_;
    return '{"for_user_id":"1297234567890123457","tweet_create_events":[{'
    . '"created_at":"' . $created . '",'
    . '"id":' . $ID . ',"id_str":"' . $ID . '",'
    . '"text":"' . $text . '",'
    . '"display_text_range":[0,' . length($text) . '],'
    . '"source":"<a href=\"http://twitter.com/download/android\" '
    .   'rel=\"nofollow\">Twitter for Android</a>",'
    . '"truncated":false,"in_reply_to_status_id":null,'
    . '"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,'
    . '"in_reply_to_user_id_str":null,"in_reply_to_screen_name":null,'
    . '"user":{"id":1297234567890123457,"id_str":"1297234567890123457",'
    .   '"name":"Alice Marchetti","screen_name":"alice",'
    .   '"location":"Portland, OR","url":"https://t.co/Qw3rTy12Ab",'
    .   '"description":"' . $desc . '",'
    .   '"translator_type":"none","protected":false,"verified":false,'
    .   '"followers_count":321,"friends_count":412,"listed_count":3,'
    .   '"favourites_count":5120,"statuses_count":2874,'
    .   '"created_at":"Wed May 23 06:01:13 +0000 2007",'
    .   '"utc_offset":null,"time_zone":null,"geo_enabled":false,'
    .   '"lang":null,"contributors_enabled":false,"is_translator":false,'
    .   '"profile_image_url_https":"https://pbs.twimg.com/profile_images/1297234567/aB3dE5fG_normal.jpg",'
    .   '"default_profile":true,"default_profile_image":false},'
    . '"geo":null,"coordinates":null,"place":null,"contributors":null,'
    . '"is_quote_status":false,"quote_count":0,"reply_count":0,'
    . '"retweet_count":0,"favorite_count":0,'
    . '"entities":{"hashtags":['
    .   '{"text":"SummerVibes","indices":[' . $tag1 . ',' . ($tag1 + 12) . ']},'
    .   '{"text":"CoffeeTime","indices":[' . $tag2 . ',' . ($tag2 + 11) . ']}],'
    .   '"urls":[{"url":"https://t.co/Xy7aBcD3eF",'
    .     '"expanded_url":"https://example.com/blog/peach-cobbler",'
    .     '"display_url":"example.com/blog/peach-cob\u2026",'
    .     '"indices":[' . $url . ',' . ($url + 23) . ']}],'
    .   '"user_mentions":[],"symbols":[]},'
    . '"favorited":false,"retweeted":false,"possibly_sensitive":false,'
    . '"filter_level":"low","lang":"en","timestamp_ms":"' . $ts . '"}]}';
}

my $base = length delivery('');
die "body without description is $base bytes, more than $size\n"
    if $base > $size;
my $words = 'Home cook, weekend baker, amateur photographer. Coffee first, '
    . 'then everything else. Opinions are my own, recipes are my '
    . "grandmother's. She/her. ";
my $desc = '';
$desc .= $words while length($desc) < $size - $base;
$desc = substr($desc, 0, $size - $base);
$desc =~ s/ $/./;                       # no trailing blank
my $tmpl = delivery($desc);
die "internal: body is " . length($tmpl) . " bytes\n" if length $tmpl != $size;

my @part = split /\Q$ID\E/, $tmpl, -1;
die "internal: expected 2 ids in the template\n" unless @part == 3;

# HMAC with a cloned inner state (key longer than a block is hashed first)
my $key = length($secret) > 64 ? sha256($secret) : $secret;
$key .= "\0" x (64 - length $key);
my $inner = Digest::SHA->new(256);
$inner->add(($key ^ ("\x36" x 64)) . $part[0]);
my $outer = Digest::SHA->new(256);
$outer->add($key ^ ("\x5c" x 64));

sub sign {
    my ($id) = @_;
    my $i = $inner->clone;
    $i->add($id, $part[1], $id, $part[2]);
    my $o = $outer->clone;
    $o->add($i->digest);
    return encode_base64($o->digest, '');
}

sub spew {
    my ($name, $data) = @_;
    open my $fh, '>', "$dir/$name" or die "$dir/$name: $!\n";
    binmode $fh;
    print $fh $data or die "$dir/$name: $!\n";
    close $fh or die "$dir/$name: $!\n";
}

spew('body.tmpl', $tmpl);

# ids: 19 digits, above 2^53 like real snowflakes, distinct
my $first = 1301234567000000000;

my $check = $first - 1;
my $check_body = join $check, @part;
my $check_sig = sign($check);
die "internal: cloned HMAC disagrees with Digest::SHA\n"
    if $check_sig ne encode_base64(hmac_sha256($check_body, $secret), '');
spew('check.body', $check_body);
spew('check.sig', "sha256=$check_sig\n");

open my $out, '>', "$dir/pairs.txt.new" or die "$dir/pairs.txt.new: $!\n";
for my $n (0 .. $count - 1) {
    my $id = $first + $n;
    print $out $id, ' ', sign($id), "\n";
}
close $out or die "$dir/pairs.txt.new: $!\n";
rename "$dir/pairs.txt.new", "$dir/pairs.txt" or die "rename: $!\n";
printf "generated %d signed %d-byte deliveries in %.2f s\n",
    $count, $size, time - $t0;
