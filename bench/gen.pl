#!/usr/bin/perl
# Pre-generates the signed webhook deliveries that bench/run.sh sends (wrk's
# Lua cannot compute an HMAC-SHA256 cheaply): realistic posts of 1.3 to 3.1
# KB, half of them Account Activity v1.1 deliveries and half X Activity API
# (v2) ones (SPEC section 11; the v2 shape is made by t/lib/HashpayV2.pm
# from the v1.1 tweet, as the tests make theirs).
#
#   perl bench/gen.pl plain    OUT SECRET COUNT FIRST_ID
#   perl bench/gen.pl nooffer  OUT SECRET COUNT FIRST_ID
#   perl bench/gen.pl intents  OUT SECRET COUNT FIRST_ID TAG
#   perl bench/gen.pl confirms OUT SECRET PREFIX FIRST_ID < LINES
#
#   plain     posts without a hashtag (by alice, a user linked to nothing);
#   nooffer   posts with #SummerVibes and #CoffeeTime, hashtags that name no
#             offer (by alice);
#   intents   "... #TAG": post n (1..COUNT) by linked user n (id
#             "14000000" . sprintf("%011d", n), screen name bench<n>, as
#             bench/lib.sh links them);
#   confirms  "yes #<PREFIX><code>", one per line "<user id> <code>" of
#             LINES, by that user.
#
# Post n's id is FIRST_ID + n (19 digits, so all ids of a run are distinct
# when the FIRST_IDs are far apart).  Files written:
#
#   OUT.tmpl  20 body templates, one a line: 10 sizes from 1300 to 3100
#             bytes (the user's description and the post's optional fields
#             fill them) times the two shapes; the post id, the author's id,
#             screen name and the confirmation hashtag are written @@T@@,
#             @@U@@, @@S@@ and @@H@@ (each as often as the shape holds it)
#   OUT       COUNT lines "<template>\t<base64 HMAC-SHA256 of the body>\t<T>\t
#             <U>\t<S>\t<H>" (template numbered from 1; delivery n uses
#             template (n - 1) % 20 + 1), for bench/tweets.lua
#   OUT.check one of the deliveries, whole: "<signature>\t<body>" (for a
#             smoke test with curl)
#
# Prints "generated N signed deliveries of A-B bytes (avg C) in T s".  The
# check that the Lua side puts the body together as this script signed it
# is done by the module itself: a wrong byte is a 401.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);
use POSIX qw(strftime);
use JSON::PP ();
use HashpayV2 qw(v2_post xaa_event);

my $t0 = time;
my $kind = shift // '';
my ($out, $secret) = (shift, shift);
my %kinds = (plain => 1, nooffer => 1, intents => 1, confirms => 1);
die "usage: gen.pl plain|nooffer OUT SECRET COUNT FIRST_ID\n"
  . "       gen.pl intents OUT SECRET COUNT FIRST_ID TAG\n"
  . "       gen.pl confirms OUT SECRET PREFIX FIRST_ID < lines\n"
    unless $kinds{$kind} && defined $secret;

# the tweets are timed now: one older than hashpay_dedupe_ttl less a margin
# would be answered "stale" (SPEC section 10) without reaching the offers
my $created = strftime('%a %b %d %H:%M:%S +0000 %Y', gmtime $t0);
my $ts = int($t0 * 1000);

my ($T, $U, $S, $H) = ('1999999999999999991', '1999999999999999992',
                       'zzScreenzz', 'ZzTagZz');
my $json = JSON::PP->new->canonical->utf8;

my $filler = 'Home cook, weekend baker, amateur photographer. Coffee '
    . 'first, then everything else. Opinions are my own, recipes are my '
    . "grandmother's. She/her. ";

my ($text, $tag_at, @tags);
if ($kind eq 'plain') {
    $text = 'Back from the farmers market with way too many peaches again, '
        . 'somebody stop me before I buy a third crate. Cobbler tonight '
        . 'https://t.co/Xy7aBcD3eF';
} elsif ($kind eq 'nooffer') {
    $text = 'Back from the farmers market with way too many peaches again, '
        . 'cobbler tonight! #SummerVibes #CoffeeTime https://t.co/Xy7aBcD3eF';
    @tags = ('SummerVibes', 'CoffeeTime');
} elsif ($kind eq 'intents') {
    my $tag = $ARGV[2] // '';
    die "TAG must be a word\n" unless $tag =~ /^\w+$/;
    $text = "Treating myself today, long week. #$tag";
    @tags = ($tag);
} else {
    $text = "yes #$H";
    @tags = ($H);
}

# the v1.1 tweet as the Account Activity API sends it; $size decides which
# optional fields it carries; the description is filled in later
sub v1_tweet {
    my ($rich) = @_;
    my @h = map { my $at = index($text, "#$_");
                  { text => $_, indices => [$at, $at + 1 + length $_] } }
            @tags;
    my $u = index($text, 'https://t.co/');
    # numbers where X sends numbers ("$x" is a string, 0 + $x a number)
    my %user = (id => 0 + $U, id_str => "$U", name => 'Bench User',
                screen_name => "$S", description => '',
                created_at => 'Wed May 23 06:01:13 +0000 2007',
                protected => JSON::PP::false, verified => JSON::PP::false,
                followers_count => 321, friends_count => 412,
                statuses_count => 2874);
    my %t = (created_at => $created, id => 0 + $T, id_str => "$T",
             text => $text, truncated => JSON::PP::false,
             in_reply_to_status_id_str => undef, user => \%user,
             entities => { hashtags => \@h, user_mentions => [],
                           urls => [], symbols => [] },
             lang => 'en', timestamp_ms => "$ts");
    if ($u >= 0) {
        $t{entities}{urls} = [{ url => 'https://t.co/Xy7aBcD3eF',
            expanded_url => 'https://example.com/blog/peach-cobbler',
            display_url => "example.com/blog/peach-cob\x{2026}",
            indices => [$u, $u + 23] }];
    }
    if ($rich) {
        %user = (%user, location => 'Portland, OR',
            url => 'https://t.co/Qw3rTy12Ab', translator_type => 'none',
            listed_count => 3, favourites_count => 5120, utc_offset => undef,
            time_zone => undef, geo_enabled => JSON::PP::false,
            lang => undef, contributors_enabled => JSON::PP::false,
            is_translator => JSON::PP::false,
            profile_image_url_https => 'https://pbs.twimg.com/'
                . 'profile_images/1297234567/aB3dE5fG_normal.jpg',
            default_profile => JSON::PP::true,
            default_profile_image => JSON::PP::false);
        %t = (%t, source => '<a href="http://twitter.com/download/android"'
                  . ' rel="nofollow">Twitter for Android</a>',
            display_text_range => [0, length $text],
            in_reply_to_status_id => undef, in_reply_to_user_id => undef,
            in_reply_to_user_id_str => undef,
            in_reply_to_screen_name => undef, geo => undef,
            coordinates => undef, place => undef, contributors => undef,
            is_quote_status => JSON::PP::false, quote_count => 0,
            reply_count => 0, retweet_count => 0, favorite_count => 0,
            favorited => JSON::PP::false, retweeted => JSON::PP::false,
            possibly_sensitive => JSON::PP::false, filter_level => 'low');
    }
    return \%t;
}

sub v1_body {
    my ($t) = @_;
    return $json->encode({ for_user_id => $t->{user}{id_str},
                           tweet_create_events => [$t] });
}

# the same post as the X Activity API delivers it, with the fields v2
# carries that v1.1 spells otherwise
sub v2_body {
    my ($t, $rich) = @_;
    my $pi = v2_post($t);
    my $p = $pi->{data};
    $p->{conversation_id} = $p->{id};
    $p->{reply_settings} = 'everyone';
    $p->{possibly_sensitive} = JSON::PP::false;
    my $u = $pi->{includes}{users}[0];
    $u->{description} = $t->{user}{description};
    $u->{protected} = JSON::PP::false;
    $u->{verified} = JSON::PP::false;
    if ($rich) {
        $p->{public_metrics} = { retweet_count => 0, reply_count => 0,
            like_count => 0, quote_count => 0, bookmark_count => 0,
            impression_count => 0 };
        $p->{source} = 'Twitter for Android';
        $u->{location} = 'Portland, OR';
        $u->{url} = 'https://t.co/Qw3rTy12Ab';
        $u->{profile_image_url} = 'https://pbs.twimg.com/profile_images/'
            . '1297234567/aB3dE5fG_normal.jpg';
        $u->{public_metrics} = { followers_count => 321,
            following_count => 412, tweet_count => 2874, listed_count => 3,
            like_count => 5120 };
        $u->{verified_type} = 'none';
    }
    return $json->encode({ data => xaa_event($pi, 'post.create') });
}

# template of SIZE bytes in shape v1 or v2: the richest form that fits,
# the description stretched to reach SIZE (with the placeholders' lengths)
sub template {
    my ($v2, $size) = @_;
    my $make = sub {
        my ($rich, $desc) = @_;
        my $t = v1_tweet($rich);
        $t->{user}{description} = $desc;
        return $v2 ? v2_body($t, $rich) : v1_body($t);
    };
    my $rich = length($make->(1, '')) <= $size ? 1 : 0;
    my $base = length $make->($rich, '');
    die "a delivery without description is $base bytes, more than $size\n"
        if $base > $size;
    my $desc = '';
    $desc .= $filler while length($desc) < $size - $base;
    $desc = substr($desc, 0, $size - $base);
    $desc =~ s/ $/./;
    my $body = $make->($rich, $desc);
    # the JSON of one character may be longer than the character (a quote)
    $body = $make->($rich, substr($desc, 0, -1)) while length $body > $size;
    $body =~ s/$T/\@\@T\@\@/g;
    $body =~ s/$U/\@\@U\@\@/g;
    $body =~ s/$S/\@\@S\@\@/g;
    $body =~ s/$H/\@\@H\@\@/g;
    return $body;
}

my @tmpl;
for my $i (0 .. 9) {
    my $size = 1305 + 200 * $i;        # with the placeholders' lengths
    push @tmpl, template(0, $size), template(1, $size);
}
my @parts = map { [ split /\@\@([TUSH])\@\@/, $_, -1 ] } @tmpl;

sub spew {
    my ($name, $data) = @_;
    open my $fh, '>', $name or die "$name: $!\n";
    binmode $fh;
    print $fh $data or die "$name: $!\n";
    close $fh or die "$name: $!\n";
}
spew("$out.tmpl", join('', map { "$_\n" } @tmpl));

open my $fh, '>', "$out.new" or die "$out.new: $!\n";
binmode $fh;
my ($n, $bytes, $min, $max, $check) = (0, 0, 1e9, 0);

sub emit {
    my (%v) = @_;
    my $k = $n % @tmpl;
    my $p = $parts[$k];
    my $body = join '', map { $_ % 2 ? $v{ $p->[$_] } : $p->[$_] }
                        0 .. $#$p;
    my $sig = encode_base64(hmac_sha256($body, $secret), '');
    print $fh join("\t", $k + 1, $sig, @v{qw(T U S H)}), "\n"
        or die "$out.new: $!\n";
    $check //= "$sig\t$body\n";
    $n++;
    $bytes += length $body;
    $min = length $body if length $body < $min;
    $max = length $body if length $body > $max;
}

my $alice = '1297234567890123457';
if ($kind eq 'confirms') {
    my ($prefix, $first) = @ARGV;
    die "PREFIX must be a word\n" unless defined $prefix && $prefix =~ /^\w+$/;
    die "FIRST_ID must be a number\n" unless ($first // '') =~ /^\d+$/;
    while (my $line = <STDIN>) {
        my ($uid, $code) = $line =~ /^(\d+) (\w+)\s*$/
            or die "bad line: $line";
        (my $name = $uid) =~ s/^140000000*/bench/;
        emit(T => $first + $n + 1, U => $uid, S => $name,
             H => $prefix . $code);
    }
} else {
    my ($count, $first) = @ARGV;
    die "COUNT must be a number\n" unless ($count // '') =~ /^\d+$/;
    die "FIRST_ID must be a number\n" unless ($first // '') =~ /^\d+$/;
    for my $i (1 .. $count) {
        if ($kind eq 'intents') {
            emit(T => $first + $i, U => '14000000' . sprintf('%011d', $i),
                 S => "bench$i", H => '-');
        } else {
            emit(T => $first + $i, U => $alice, S => 'alice', H => '-');
        }
    }
}

close $fh or die "$out.new: $!\n";
rename "$out.new", $out or die "rename $out: $!\n";
spew("$out.check", $check // '');
printf "generated %d signed deliveries of %d-%d bytes (avg %d) in %.2f s\n",
    $n, $n ? $min : 0, $max, $n ? $bytes / $n : 0, time - $t0;
