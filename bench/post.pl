#!/usr/bin/perl
# Sends COUNT signed webhook deliveries one after the other on one
# keep-alive connection, for bench/callgrind.sh (where the server runs
# under valgrind, so the client's speed does not matter):
#
#   perl bench/post.pl PORT SECRET TMPL FIRST_ID COUNT SCENARIO
#
# TMPL is bench/gen.pl's body.tmpl (19 '@' where the tweet id goes, twice);
# each delivery gets the id FIRST_ID + i and its own signature.  SCENARIO
# "a": the template's hashtags removed (the tweet is ignored, no_hashtag,
# without Redis); "b": as generated (hashtags naming no offer: ignored,
# no_offer, one Redis call).  Every answer must be 200 with that outcome
# and reason; prints "post: N answers ok" or dies with the first wrong one.

use strict;
use warnings;
use IO::Socket::INET;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);

my ($port, $secret, $tmpl_file, $first, $count, $scenario) = @ARGV;
die "usage: $0 PORT SECRET TMPL FIRST_ID COUNT a|b\n"
    unless defined $scenario && $scenario =~ /^[ab]$/;

open my $fh, '<', $tmpl_file or die "$tmpl_file: $!\n";
binmode $fh;
my $tmpl = do { local $/; <$fh> };
close $fh;

if ($scenario eq 'a') {
    $tmpl =~ s/"hashtags":\[.*?\],"urls"/"hashtags":[],"urls"/
        or die "no hashtags in $tmpl_file\n";
}

my $want = $scenario eq 'a' ? '"outcome":"ignored","reason":"no_hashtag"'
                            : '"outcome":"ignored","reason":"no_offer"';

# every request signed before the first is sent
my @req;
for my $i (0 .. $count - 1) {
    my $id = $first + $i;
    (my $body = $tmpl) =~ s/\@{19}/$id/g;
    my $sig = encode_base64(hmac_sha256($body, $secret), '');
    push @req, "POST /webhooks/x HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Type: application/json; charset=utf-8\r\n"
        . "Content-Length: " . length($body) . "\r\n"
        . "x-twitter-webhooks-signature: sha256=$sig\r\n\r\n$body";
}

my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                              Proto => 'tcp', Timeout => 120)
    or die "connect 127.0.0.1:$port: $!\n";
binmode $s;

my $ok = 0;
for my $r (@req) {
    print $s $r or die "send: $!\n";

    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $n = sysread($s, my $buf, 4096);
        die "connection closed after $ok answers\n" unless $n;
        $head .= $buf;
    }
    my ($h, $rest) = split /\r\n\r\n/, $head, 2;
    my ($len) = $h =~ /\r\nContent-Length: *(\d+)/i;
    die "no Content-Length: $h\n" unless defined $len;
    while (length($rest) < $len) {
        my $n = sysread($s, my $buf, $len - length $rest);
        die "connection closed in a body\n" unless $n;
        $rest .= $buf;
    }
    die "answer " . ($ok + 1) . ": $h\n\n$rest\n"
        unless $h =~ m{^HTTP/1\.1 200 } && index($rest, $want) >= 0;
    $ok++;
}

close $s;
print "post: $ok answers ok\n";
