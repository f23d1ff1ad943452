package HashpayTest;

# Helpers shared by hashpay's t/*.t, built only on Test::Nginx::Socket's
# public hooks (add_block_preprocessor, add_response_body_check), so the
# same files run under upstream Test::Nginx and under t/compat.
#
# Sections it adds to a block:
#
#   --- delivery         a webhook body (JSON), or "@name.json" for a file of
#                        ../shared/examples; becomes a signed POST. With
#                        "eval", an array ref of bodies: one request each.
#   --- delivery_uri     where to POST it (default /webhooks/x)
#   --- signed_with      the secret that signs it (default "test"); "none"
#                        for no signature header
#   --- signature_header which header carries it (default
#                        x-twitter-webhooks-signature)
#   --- extra_headers    more request headers, one a line
#   --- redis_init       Redis commands run before the requests, one a line,
#                        words split on white space (FLUSHDB comes first,
#                        always)
#   --- redis_after eval [ [ [cmd, args...], expected ], ... ] checked after
#                        the last request; expected is a string (the
#                        reply; array elements a line each) or a qr//
#   (a block without --- http_config gets "hashpay_redis" for the private
#   Redis; one without --- config gets /webhooks/x, secret "test",
#   operator 15234567, and /ping)
#   --- events eval      [ [ type, { field => value or qr// or undef } ], ...]
#                        the events stream after the last request, every
#                        entry in order, every field of data (undef: any
#                        value, but present); event_id and at are checked
#                        for shape on every event

use strict;
use warnings;

use Test::More ();
use Test::Nginx::Socket ();
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use IO::Socket::INET ();
use Exporter 'import';

our @EXPORT_OK = qw(redis redis_reply sign example redis_port events);

our $RedisPort = $ENV{TEST_NGINX_REDIS_PORT} || 6379;
our $RedisHost = $ENV{TEST_NGINX_REDIS_HOST} || '127.0.0.1';
our $Examples = $ENV{HASHPAY_EXAMPLES} || '../shared/examples';

my %blocks;
my $next_id = 0;

sub redis_port { $RedisPort }

# One Redis command over a plain socket (RESP).  Simple replies come back
# as strings (errors as "ERR ..."), nil as undef, arrays as array refs.
sub redis_reply {
    my @cmd = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $RedisHost,
                                     PeerPort => $RedisPort,
                                     Proto => 'tcp', Timeout => 5)
        or die "cannot connect to redis at $RedisHost:$RedisPort: $!";
    my $req = '*' . scalar(@cmd) . "\r\n";
    $req .= '$' . length($_) . "\r\n$_\r\n" for @cmd;
    print $sock $req;
    my $reply = read_reply($sock);
    close $sock;
    return $reply;
}

sub read_reply {
    my ($sock) = @_;
    my $line = <$sock>;
    die "redis closed the connection" unless defined $line;
    $line =~ s/\r\n$//;
    my ($t, $rest) = (substr($line, 0, 1), substr($line, 1));

    return $rest if $t eq '+' || $t eq ':' || $t eq '-';

    if ($t eq '$') {
        return undef if $rest < 0;
        my $buf = '';
        while (length($buf) < $rest + 2) {
            my $n = read($sock, $buf, $rest + 2 - length($buf), length($buf));
            die "short read from redis" unless $n;
        }
        return substr($buf, 0, $rest);
    }

    if ($t eq '*') {
        return undef if $rest < 0;
        return [ map { read_reply($sock) } 1 .. $rest ];
    }

    die "bad reply from redis: $line";
}

# the same, flattened to one string: array elements a line each
sub redis {
    my $r = redis_reply(@_);
    return flat($r);
}

sub flat {
    my ($r) = @_;
    return '' unless defined $r;
    return join("\n", map { flat($_) } @$r) if ref $r eq 'ARRAY';
    return $r;
}

sub sign {
    my ($secret, $body) = @_;
    return 'sha256=' . encode_base64(hmac_sha256($body, $secret), '');
}

sub example {
    my ($name) = @_;
    open(my $fh, '<', "$Examples/$name") or die "$Examples/$name: $!";
    local $/;
    my $body = <$fh>;
    close $fh;
    $body =~ s/\s+$//;
    return $body;
}

# the events stream, decoded: [ [type, {data}], ... ]
sub events {
    my $key = shift || 'hashpay:events';
    my $entries = redis_reply('XRANGE', $key, '-', '+');
    my @events;

    for my $e (@{ $entries || [] }) {
        my %f = @{ $e->[1] };
        push @events, [ $f{type}, JSON::PP->new->decode($f{data}) ];
    }

    return \@events;
}

sub body_of {
    my ($text) = @_;
    $text =~ s/^\s+|\s+$//g;
    return $text =~ /^@(\S+)$/ ? example($1) : $text;
}

Test::Nginx::Socket::add_block_preprocessor(sub {
    my ($block) = @_;
    my $id = ++$next_id;

    $blocks{$id} = $block;

    if (defined $block->delivery) {
        my $d = $block->delivery;
        my @bodies = map { body_of($_) } (ref $d eq 'ARRAY' ? @$d : ($d));
        my $uri = $block->delivery_uri || '/webhooks/x';
        $uri =~ s/^\s+|\s+$//g;
        my $secret = defined $block->signed_with ? $block->signed_with
                                                 : 'test';
        $secret =~ s/^\s+|\s+$//g;
        my $hname = $block->signature_header
                    || 'x-twitter-webhooks-signature';
        $hname =~ s/^\s+|\s+$//g;
        my $extra = $block->extra_headers || '';
        $extra =~ s/^\s+|\s+$//g;

        my (@reqs, @hdrs);

        for my $body (@bodies) {
            push @reqs, "POST $uri\n$body";
            my @h;
            push @h, "$hname: " . sign($secret, $body)
                unless $secret eq 'none';
            push @h, "Content-Type: application/json";
            push @h, $extra if length $extra;
            push @hdrs, join("\n", @h);
        }

        if (ref $d eq 'ARRAY') {
            $block->set_value('request', \@reqs);
            $block->set_value('more_headers', \@hdrs);

        } else {
            $block->set_value('request', $reqs[0]);
            $block->set_value('more_headers', $hdrs[0]);
        }
    }

    # defaults: the private Redis, and the standard webhook location

    if (!defined $block->http_config) {
        $block->set_value('http_config',
                          "hashpay_redis $RedisHost:$RedisPort;\n");
    }

    if (!defined $block->config) {
        $block->set_value('config', <<'CONFIG');
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test;
    hashpay_operator_accounts 15234567;
}

location = /ping {
    return 204;
}
CONFIG
    }

    my $init = $block->init;
    $block->set_value('init', "HashpayTest::before_requests($id);"
                              . (defined $init ? "\n$init" : ''));
});

sub before_requests {
    my ($id) = @_;
    my $block = $blocks{$id};

    my $out = redis('FLUSHDB');
    die "redis FLUSHDB failed: $out" unless $out eq 'OK';

    my $cmds = $block->redis_init;
    return unless defined $cmds;

    for my $line (split /\n/, $cmds) {
        next unless $line =~ /\S/;
        my @words = split ' ', $line;
        my $res = redis(@words);
        die "redis_init \"$line\" failed: $res" if $res =~ /^(ERR|WRONGTYPE)/;
    }
}

sub request_count {
    my ($block) = @_;
    my $r = $block->request;
    return ref $r eq 'ARRAY' ? scalar @$r : 1;
}

Test::Nginx::Socket::add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    my $name = $block->name;

    return if $dry_run;
    return unless $req_idx == request_count($block) - 1;

    if (defined $block->redis_after) {
        my $checks = $block->redis_after;
        die "$name: --- redis_after needs eval" unless ref $checks eq 'ARRAY';

        for my $check (@$checks) {
            my ($cmd, $expected) = @$check;
            my $got = redis(@$cmd);
            my $what = "$name - redis after: @$cmd";

            if (ref $expected eq 'Regexp') {
                Test::More::like($got, $expected, $what);
            } else {
                Test::More::is($got, $expected, $what);
            }
        }
    }

    if (defined $block->events) {
        my $expected = $block->events;
        die "$name: --- events needs eval" unless ref $expected eq 'ARRAY';
        my $got = events();

        Test::More::is(scalar @$got, scalar @$expected,
                       "$name - events: count");

        for my $i (0 .. $#$expected) {
            my ($type, $fields) = @{ $expected->[$i] };
            my $ev = $got->[$i] || [ '', {} ];
            my ($gtype, $data) = @$ev;

            Test::More::is($gtype, $type, "$name - event $i: type");

            Test::More::like($data->{event_id} // '', qr/^\S+$/,
                             "$name - event $i: event_id");
            Test::More::like($data->{at} // '', qr/^\d{13}$/,
                             "$name - event $i: at is unix ms");

            my %seen = (event_id => 1, at => 1);

            for my $f (sort keys %$fields) {
                my $want = $fields->{$f};
                $seen{$f} = 1;

                if (!defined $want) {
                    Test::More::ok(exists $data->{$f},
                                   "$name - event $i: $f present");
                } elsif (ref $want eq 'Regexp') {
                    Test::More::like($data->{$f} // '', $want,
                                     "$name - event $i: $f");
                } else {
                    Test::More::is($data->{$f}, $want,
                                   "$name - event $i: $f");
                }
            }

            my @extra = grep { !$seen{$_} } sort keys %$data;
            Test::More::is("@extra", '', "$name - event $i: no other field");
        }
    }
});

1;
