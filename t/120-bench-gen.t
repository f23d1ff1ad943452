# bench/gen.pl, the deliveries `make bench` sends (the bench itself is not
# run by make test): each line, put together with its template the way
# bench/tweets.lua does it, is a signed JSON delivery of 1.3-3.1 KB, half
# of them Account Activity v1.1 and half X Activity API, with its own
# post id and the author and hashtags of its kind.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();

my $dir = tempdir(CLEANUP => 1);
my $secret = 'bench-test-secret';
my $json = JSON::PP->new;

# the deliveries of OUT (from OUT.tmpl and OUT), as [sig, body, values]
sub deliveries {
    my ($out) = @_;
    open my $t, '<', "$out.tmpl" or die "$out.tmpl: $!";
    chomp(my @tmpl = <$t>);
    open my $l, '<', $out or die "$out: $!";
    my @d;
    while (my $line = <$l>) {
        chomp $line;
        my ($k, $sig, %v);
        ($k, $sig, @v{qw(T U S H)}) = split /\t/, $line;
        my $body = $tmpl[$k - 1];
        $body =~ s/\@\@([TUSH])\@\@/$v{$1}/g;
        push @d, [$sig, $body, \%v];
    }
    return @d;
}

# the post of a delivery: [shape, id, author, screen name, hashtags]
sub post {
    my ($body) = @_;
    my $d = $json->decode($body);
    if (my $t = $d->{tweet_create_events}) {
        my $p = $t->[0];
        return ['v1', $p->{id_str}, $p->{user}{id_str},
                $p->{user}{screen_name},
                [map { $_->{text} } @{ $p->{entities}{hashtags} }]];
    }
    my $e = $d->{data};
    my $p = $e->{payload};
    return ['v2', $p->{id}, $p->{author_id},
            $e->{includes}{users}[0]{username},
            [map { $_->{tag} } @{ $p->{entities}{hashtags} || [] }]];
}

my %want = (plain => [], nooffer => ['SummerVibes', 'CoffeeTime'],
            intents => ['BenchOffer'], confirms => ['ConfirmAB12CD']);

for my $kind (qw(plain nooffer intents confirms)) {
    my $out = "$dir/$kind.txt";
    my $cmd = $kind eq 'confirms'
        ? "printf '1400000000000000007 AB12CD\\n1400000000000000009 "
          . "AB12CD\\n' | perl bench/gen.pl confirms $out $secret Confirm "
          . "1600000000000000000"
        : "perl bench/gen.pl $kind $out $secret 40 1300000000000000000"
          . ($kind eq 'intents' ? ' BenchOffer' : '');
    my $said = `$cmd 2>&1`;
    is($? >> 8, 0, "$kind: generated") or diag $said;
    my @d = deliveries($out);
    my $n = $kind eq 'confirms' ? 2 : 40;
    is(scalar @d, $n, "$kind: $n deliveries");

    my (%ids, %shape, $bad_sig, $bad_size, $bad_post);
    for my $i (0 .. $#d) {
        my ($sig, $body, $v) = @{ $d[$i] };
        $bad_sig++ if $sig ne encode_base64(hmac_sha256($body, $secret), '');
        $bad_size++ if length($body) < 1300 || length($body) > 3110;
        my $p = eval { post($body) };
        if (!$p) { $bad_post .= "not JSON: $@"; next }
        $shape{ $p->[0] }++;
        $ids{ $p->[1] }++;
        my $id = 1300000000000000000 + $i + 1;
        $id = 1600000000000000000 + $i + 1 if $kind eq 'confirms';
        my $author = $kind eq 'intents'
            ? '14000000' . sprintf('%011d', $i + 1)
            : $kind eq 'confirms' ? ('1400000000000000007',
                                     '1400000000000000009')[$i]
            : '1297234567890123457';
        my $name = $kind =~ /intents|confirms/ ? $author : 'alice';
        $name =~ s/^140000000*/bench/;
        $bad_post .= "$i: @$p[1 .. 3] @{ $p->[4] }\n"
            unless $p->[1] eq $id && $p->[2] eq $author && $p->[3] eq $name
                && "@{ $p->[4] }" eq "@{ $want{$kind} }";
    }
    ok(!$bad_sig, "$kind: every signature is the HMAC of its body");
    ok(!$bad_size, "$kind: every body is 1.3-3.1 KB");
    is($bad_post, undef, "$kind: post ids, authors, names and hashtags");
    is(scalar keys %ids, $n, "$kind: every post id distinct");
    is($shape{v1}, $n / 2, "$kind: half Account Activity v1.1");
    is($shape{v2}, $n / 2, "$kind: half X Activity API");
}

# the sizes spread over the range (ten templates a shape)
my %size = map { int(length($_->[1]) / 200) => 1 }
           deliveries("$dir/plain.txt");
is(scalar keys %size, 10, 'ten sizes from 1.3 to 3.1 KB');

# a bad call says so
my $said = `perl bench/gen.pl nothing $dir/x $secret 2>&1`;
isnt($? >> 8, 0, 'an unknown kind fails');
like($said, qr/usage/, '... with the usage');

done_testing();
