package HashpayTxn;

# Helpers of the card-transaction tests (t/078-transactions.t): Standard
# Webhooks signing in Perl, transaction bodies, a default configuration,
# and a block preprocessor that turns a --- transaction section into a
# signed POST (as HashpayTest does for --- delivery).  Test::Nginx runs
# its preprocessors newest first, so this one runs before HashpayTest's,
# which then adds the Redis defaults, FLUSHDB and --- redis_init.
#
# Sections it adds to a block:
#
#   --- transaction        a transaction body (JSON text); with "eval", an
#                          array ref with one item per request: a body, or
#                          a hash ref { request => "METHOD /uri\nbody",
#                          headers => "..." } sent as it is, unsigned
#   --- transaction_uri    where to POST (default /webhooks/card)
#   --- webhook_id         the webhook-id (default msg_<n>, n the request's
#                          number from 1)
#   --- webhook_timestamp  "now" (the default), "now-N" / "now+N" seconds,
#                          resolved when the block starts; anything else is
#                          sent as written
#   --- whsec              the secrets that sign, space-separated, one v1
#                          entry each: a name of %SECRETS (A B C D V) or a
#                          literal "whsec_..." (default A)
#   --- signed_id, signed_timestamp, signed_body
#                          sign over these instead of what is sent
#                          (signed_timestamp takes "now-N" too)
#   --- signature          the whole webhook-signature value instead of the
#                          entries; "{sig}" in it stands for the computed
#                          entries, "{b64}" for the first one's base64 alone
#   --- drop_headers       header names not to send (webhook-id, ...)
#   --- header_names       three names for webhook-id, webhook-timestamp,
#                          webhook-signature (default those)
#   --- extra_headers      more request headers, one a line
#   --- redis_unchanged    (no value) every key of Redis, with its type,
#                          content and whether it has a TTL, is the same
#                          after the last request as before the first
#
# Each knob takes, with "eval", an array ref of one value per request
# (undef: the default).
#
# A block without --- config gets $HashpayTxn::CONFIG (txn_config()):
# /webhooks/card with secret A (default tolerance), and /ping.
#
# Everything listed in @EXPORT is exported into main:: ($CONFIG is not, so
# that a test file's own $CONFIG stays its own).

use strict;
use warnings;

use Test::More ();
use Test::Nginx::Socket ();
use HashpayTest ();
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64 decode_base64);
use JSON::PP ();
use IO::Socket::INET ();
use Exporter 'import';

our @EXPORT = qw(sw_key sw_sign txn txn_config answer snapshot http
                 %SECRETS $SECRET_A $SECRET_B $SECRET_C $SECRET_D
                 $SECRET_D_UNPADDED $VECTOR_SECRET);

# A: the default; B: the rotation partner (kept in a file); C: configured
# nowhere; D: key "hashpay-kat-key-20b!" (ASCII, for openssl -hmac), whose
# base64 has padding; V: the Standard Webhooks known-answer secret
our $SECRET_A = 'whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X';
our $SECRET_B = 'whsec_GrD8BSxTRMEiR2u0y0ohhcAdUboMu+ix';
our $SECRET_C = 'whsec_2lH7cqSiRIuN2ImuBvKdk0PJmfhE9hfO';
our $SECRET_D = 'whsec_aGFzaHBheS1rYXQta2V5LTIwYiE=';
our $SECRET_D_UNPADDED = 'whsec_aGFzaHBheS1rYXQta2V5LTIwYiE';
our $VECTOR_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

our %SECRETS = (A => $SECRET_A, B => $SECRET_B, C => $SECRET_C,
                D => $SECRET_D, V => $VECTOR_SECRET);

our $URI = '/webhooks/card';

# the key of a "whsec_" secret (padding optional)
sub sw_key {
    my ($secret) = @_;
    $secret =~ s/^whsec_// or die "not a whsec_ secret: $secret";
    $secret .= '=' while length($secret) % 4;
    return decode_base64($secret);
}

# one signature entry: "v1," + base64(HMAC-SHA256(key, id.timestamp.body))
sub sw_sign {
    my ($secret, $id, $ts, $body) = @_;
    return 'v1,' . encode_base64(hmac_sha256("$id.$ts.$body",
                                             sw_key($secret)), '');
}

# A transaction body, fields in the contract's order: txn_id, card_token
# (alice's linked card), merchant_id, amount_cents, currency, at.  A value
# undef leaves the field out, a scalar ref is raw JSON; extra => [name,
# value, ...] appends fields (same rules).
my @FIELDS = qw(txn_id card_token merchant_id amount_cents currency at);
my %DEFAULT = (txn_id => 'txn_1', card_token => 'tok_3457',
               merchant_id => 'mch_coffee', amount_cents => 2500,
               currency => 'USD', at => 1700000000);
my %INTEGER = (amount_cents => 1, at => 1);

sub txn {
    my (%o) = @_;
    my $extra = delete $o{extra} || [];
    my %v = (%DEFAULT, %o);
    my @pairs;

    for my $f (@FIELDS) {
        next unless defined $v{$f};
        push @pairs, [ $f, $INTEGER{$f} && !ref $v{$f} ? \"$v{$f}" : $v{$f} ];
    }

    for (my $i = 0; $i < @$extra; $i += 2) {
        push @pairs, [ $extra->[$i], $extra->[$i + 1] ];
    }

    my $js = JSON::PP->new->allow_nonref;
    return '{' . join(',', map {
        my ($k, $val) = @$_;
        $js->encode($k) . ':' . (ref $val eq 'SCALAR' ? $$val
                                                      : $js->encode($val))
    } @pairs) . '}';
}

# the 200 answer
sub answer {
    my ($outcome, $cents) = @_;
    return '{"outcome":"' . $outcome . '","cashback_cents":' . ($cents // 0)
           . '}';
}

# a transactions location (and /ping): secrets => [...] inline,
# secret_file => name (under conf/), tolerance, dedupe_ttl, more => text
# inside the location, extra => text after it
sub txn_config {
    my (%o) = @_;
    my $s = "location = $URI {\n    hashpay_transactions;\n";
    $s .= "    hashpay_transactions_secret $_;\n"
        for @{ $o{secrets} || ($o{secret_file} ? [] : [$SECRET_A]) };
    $s .= "    hashpay_transactions_secret_file $o{secret_file};\n"
        if $o{secret_file};
    $s .= "    hashpay_transactions_tolerance $o{tolerance};\n"
        if $o{tolerance};
    $s .= "    hashpay_dedupe_ttl $o{dedupe_ttl};\n" if $o{dedupe_ttl};
    $s .= $o{more} if $o{more};
    $s .= "}\n\nlocation = /ping {\n    return 204;\n}\n";
    $s .= $o{extra} if $o{extra};
    return $s;
}

our $CONFIG = txn_config();

# A request sent now, waiting for the answer: (status, headers, body).
sub http {
    my ($method, $uri, $body, @headers) = @_;
    $body //= '';
    my $port = Test::Nginx::Util::server_port_for_client();
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp',
                                     Timeout => 5)
        or die "cannot connect to nginx on $port: $!";
    print $sock "$method $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n" . join('', map { "$_\r\n" } @headers)
        . "Content-Length: " . length($body) . "\r\n\r\n$body";
    local $/;
    my $resp = <$sock> // '';
    close $sock;
    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    my ($head, $rbody) = $resp =~ m{\A(.*?)\r\n\r\n(.*)\z}s;
    return ($status // 'none', $head // '', $rbody // '');
}

# Every key of Redis: "key => type|ttl|content", a line each (ttl is
# "ttl" for a key that expires, else PTTL's -1).
sub snapshot {
    my $keys = HashpayTest::redis_reply('KEYS', '*') || [];
    my @out;

    for my $k (sort @$keys) {
        my $type = HashpayTest::redis_reply('TYPE', $k);
        my $v;

        if ($type eq 'string') {
            $v = HashpayTest::redis_reply('GET', $k);
        } elsif ($type eq 'hash') {
            my %h = @{ HashpayTest::redis_reply('HGETALL', $k) };
            $v = join(',', map { "$_=$h{$_}" } sort keys %h);
        } elsif ($type eq 'set') {
            $v = join(',', sort @{ HashpayTest::redis_reply('SMEMBERS', $k) });
        } elsif ($type eq 'zset') {
            $v = join(',', @{ HashpayTest::redis_reply('ZRANGE', $k, 0, -1,
                                                      'WITHSCORES') });
        } elsif ($type eq 'list') {
            $v = join(',', @{ HashpayTest::redis_reply('LRANGE', $k, 0, -1) });
        } else {
            $v = HashpayTest::flat(HashpayTest::redis_reply('XRANGE', $k,
                                                            '-', '+'));
            $v =~ s/\n/,/g;
        }

        my $ttl = HashpayTest::redis_reply('PTTL', $k);
        $ttl = 'ttl' if $ttl >= 0;
        push @out, "$k => $type|$ttl|$v";
    }

    return join("\n", @out);
}

my %blocks;
my %before;
my $next_id = 0;

sub trim {
    my ($s) = @_;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    return $s;
}

# the value of a knob for request $i (an array ref holds one per request)
sub knob {
    my ($block, $name, $i) = @_;
    my $v = $block->$name;
    $v = $v->[$i] if ref $v eq 'ARRAY';
    return ref $v ? $v : trim($v);
}

sub timestamp {
    my ($v) = @_;
    return time() unless defined $v;
    return time() + ($1 // 0) if $v =~ /^now([+-]\d+)?$/;
    return $v;
}

sub secret {
    my ($name) = @_;
    return $SECRETS{$name} // $name;
}

Test::Nginx::Socket::add_block_preprocessor(sub {
    my ($block) = @_;
    my $id = ++$next_id;

    $blocks{$id} = $block;

    if (defined(my $t = $block->transaction)) {
        my @items = ref $t eq 'ARRAY' ? @$t : ($t);
        my $uri = trim($block->transaction_uri) || $URI;
        my (@reqs, @hdrs);

        for my $i (0 .. $#items) {
            my $item = $items[$i];

            if (ref $item eq 'HASH') {
                push @reqs, $item->{request};
                push @hdrs, $item->{headers} // '';
                next;
            }

            my $body = trim($item);
            my $wid = knob($block, 'webhook_id', $i) // 'msg_' . ($i + 1);
            my $ts = timestamp(knob($block, 'webhook_timestamp', $i));
            my $sid = knob($block, 'signed_id', $i) // $wid;
            my $sts = knob($block, 'signed_timestamp', $i);
            $sts = defined $sts ? timestamp($sts) : $ts;
            my $sbody = knob($block, 'signed_body', $i) // $body;
            my @secrets = map { secret($_) }
                          split ' ', knob($block, 'whsec', $i) // 'A';
            my @entries = map { sw_sign($_, $sid, $sts, $sbody) } @secrets;
            my $sig = join(' ', @entries);
            my $tpl = knob($block, 'signature', $i);

            if (defined $tpl) {
                my $b64 = @entries ? substr($entries[0], 3) : '';
                $tpl =~ s/\{sig\}/$sig/g;
                $tpl =~ s/\{b64\}/$b64/g;
                $sig = $tpl;
            }

            my @names = split ' ', knob($block, 'header_names', $i)
                              // 'webhook-id webhook-timestamp webhook-signature';
            my %drop = map { lc($_) => 1 }
                       split ' ', knob($block, 'drop_headers', $i) // '';
            my @h;
            push @h, "$names[0]: $wid" unless $drop{'webhook-id'};
            push @h, "$names[1]: $ts" unless $drop{'webhook-timestamp'};
            push @h, "$names[2]: $sig" unless $drop{'webhook-signature'};
            push @h, 'Content-Type: application/json';
            my $extra = knob($block, 'extra_headers', $i);
            push @h, $extra if defined $extra && length $extra;

            push @reqs, "POST $uri\n$body";
            push @hdrs, join("\n", @h);
        }

        if (ref $t eq 'ARRAY') {
            $block->set_value('request', \@reqs);
            $block->set_value('more_headers', \@hdrs);
        } else {
            $block->set_value('request', $reqs[0]);
            $block->set_value('more_headers', $hdrs[0]);
        }
    }

    $block->set_value('config', $CONFIG) unless defined $block->config;

    if (defined $block->redis_unchanged) {
        my $init = $block->init;
        $block->set_value('init', (defined $init ? "$init\n" : '')
                                  . "HashpayTxn::before_requests($id);");
    }
});

sub before_requests {
    my ($id) = @_;
    $before{$id} = snapshot();
}

sub request_count {
    my ($block) = @_;
    my $r = $block->request;
    return ref $r eq 'ARRAY' ? scalar @$r : 1;
}

Test::Nginx::Socket::add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;

    return if $dry_run;
    return unless defined $block->redis_unchanged;
    return unless $req_idx == request_count($block) - 1;

    my ($id) = grep { $blocks{$_} == $block } keys %blocks;
    Test::More::is(snapshot(), $before{$id} // '(no snapshot)',
                   $block->name . ' - Redis unchanged');
});

1;
