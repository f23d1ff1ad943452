package Test::Nginx::Socket;

# Compatible stand-in for openresty's Test::Nginx::Socket, written for this
# project so its t/*.t files run where the real Test::Nginx is not packaged.
# util/test.sh only puts t/compat on PERL5LIB when
#     perl -MTest::Nginx::Socket -e1
# fails, so a real installation always wins.
#
# Block parsing, filters (eval, chomp, ...), ONLY/SKIP/LAST and the exported
# Test::More/Test::Base functions come from Test::Base itself, exactly as
# upstream.  This file implements the HTTP side: building requests from
# --- request / request eval / raw_request / pipelined_requests /
# more_headers, sending them over a raw socket, parsing responses and the
# response/error-log checks, with upstream's test names and counts.
#
# Supported sections:
#   config http_config main_config post_main_config server_name init
#   post_setup_server_root user_files log_level error_log_file
#   request (string, eval string, eval [reqs], eval [[packets]]) raw_request
#   raw_request_middle_delay pipelined_requests more_headers timeout abort
#   shutdown wait ignore_response http09 server_addr_for_client
#   error_code error_code_like response_body response_body_like
#   response_body_unlike response_body_filters response_headers
#   response_headers_like raw_response_headers_like
#   raw_response_headers_unlike error_log no_error_log grep_error_log
#   grep_error_log_out access_log no_access_log shutdown_error_log
#   no_shutdown_error_log must_die suppress_stderr skip_nginx skip_nginx2
#   skip_eval skip_openssl todo todo_nginx (+ Test::Base's ONLY SKIP LAST)
# Not supported (the block bails out): http2 http3 tcp_listen udp_listen.

use Test::Base -base;    # lower-case: no Spiffy source filter on this file

use strict;
use warnings;

our $VERSION = '0.33';
our $IsCompat = 1;

use Test::Nginx::Util;
use Encode ();
use Digest::MD5 ();
use Digest::SHA ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use List::Util qw(min);
use POSIX qw(EAGAIN EWOULDBLOCK);
use Test::LongString ();
use Time::HiRes ();

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location use_hup
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_test_cleanup_handler
    add_cleanup_handler add_response_body_check
);

our $TotalConnectingTimeouts = 0;
our @ResponseBodyChecks;

$Test::Nginx::Util::RunTestHelper         = \&run_test_helper;
$Test::Nginx::Util::CheckErrorLog         = \&check_error_log;
$Test::Nginx::Util::CheckShutdownErrorLog = \&check_shutdown_error_log;

sub run_test ($) { Test::Nginx::Util::run_test($_[0]) }

sub set_http_config_filter ($) {
    $Test::Nginx::Util::FilterHttpConfig = shift;
}

sub add_response_body_check ($) {
    push @ResponseBodyChecks, shift;
}

sub _no_ending {
    Test::More->builder->no_ending(1);
}

# ---------------------------------------------------------------------
# building requests

# Splits "METHOD [URI [VERSION]]\n<body>" the way upstream does and
# records the size of every piece so they can be rewritten in place.
sub parse_request ($$) {
    my ($name, $rreq) = @_;
    my ($first, $content) = $$rreq =~ /\A([^\n]*\n?)(.*)\z/s;
    if (!defined $first || $first eq '') {
        bail_out("$name - Request line should be non-empty");
    }

    $first =~ /^(\s*)(\S+)( *)(?:(\S+)( *))?(?:(\S+)( *))?(\s*)$/
        or bail_out("$name - Request line is not valid. Should be "
                    . "'meth [url [version]]' but got \"$first\".");

    my %r = (
        method               => $2,
        method_size          => length $2,
        skipped_before_method => length $1,
        skipped_after_method => length $3,
        url                  => $4,
        url_size             => defined $4 ? length $4 : 0,
        skipped_after_url    => defined $5 ? length $5 : 0,
        http_ver             => $6,
        http_ver_size        => defined $6 ? length $6 : 0,
        skipped_after_http_ver => (defined $7 ? length $7 : 0) + length $8,
        content              => $content,
        content_size         => length $content,
    );
    $r{url} = '/' unless defined $r{url};
    $r{http_ver} = 'HTTP/1.1' unless defined $r{http_ver};
    return \%r;
}

# Applies a list of edits ([original length, replacement or undef]) to a
# request split into packets, keeping the packet boundaries: an edit that
# crosses a boundary hands each packet as many replacement characters as it
# had original ones, the rest going to the packet where the edit ends.
sub _apply_edits {
    my ($packets, $edits) = @_;
    my @in = @$packets;
    my @todo = map { [@$_] } @$edits;
    my @out;
    my $pkt = shift @in;
    my $pos = 0;

    while (defined $pkt) {
        my $e = $todo[0];
        if (!$e) {
            push @out, $pkt;
            $pkt = shift @in;
            $pos = 0;
            next;
        }

        my ($len, $repl) = @$e;
        my $avail = length($pkt) - $pos;

        if ($len > $avail) {
            my $piece = '';
            if (defined $repl) {
                $piece = substr($repl, 0, $avail);
                $e->[1] = length($repl) > $avail ? substr($repl, $avail) : '';
            }
            $e->[0] -= $avail;
            substr($pkt, $pos) = $piece;
            push @out, $pkt;
            $pkt = shift @in;
            $pos = 0;
            next;
        }

        my $r = defined $repl ? $repl : '';
        substr($pkt, $pos, $len) = $r;
        $pos += length $r;
        shift @todo;
    }

    return \@out;
}

sub build_request_from_packets ($$$$$) {
    my ($name, $more_headers, $is_chunked, $conn, $packets) = @_;

    my $raw = join '', @$packets;
    my $r = parse_request($name, \$raw);

    my $content = $r->{content};
    my $len_header = '';
    if (!$is_chunked && $content ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/)
    {
        $content =~ s/^\s+|\s+$//g;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }

    $more_headers =~ s/(?<!\r)\n/\r\n/g;

    my $headers = '';
    $headers .= "Host: $ServerName\r\n"
        if $more_headers !~ /(?:^|\n)Host:/i;
    $headers .= "Connection: $conn\r\n"
        if $more_headers !~ /(?:^|\n)Connection/i;
    $headers .= "$more_headers$len_header\r\n";

    return _apply_edits($packets, [
        [$r->{skipped_before_method}],
        [$r->{method_size}, "$r->{method} "],
        [$r->{skipped_after_method}],
        [$r->{url_size}, "$r->{url} "],
        [$r->{skipped_after_url}],
        [$r->{http_ver_size}, "$r->{http_ver}\r\n"],
        [$r->{skipped_after_http_ver}],
        [0, $headers],
        [$r->{content_size}, $content],
    ]);
}

sub parse_more_headers ($) {
    my ($in) = @_;
    my $out = '';
    my $is_chunked;
    for my $line (split /\n+/, $in) {
        next if $line =~ /^\s*#/;
        my ($k, $v) = split /:\s*/, $line, 2;
        $v = '' unless defined $v;
        $is_chunked = 1 if lc($k) eq 'transfer-encoding' && $v eq 'chunked';
        $out .= "$k: $v\r\n";
    }
    return ($out, $is_chunked);
}

sub _headers_for {
    my ($more_headers, $i, $what) = @_;
    if (ref $more_headers eq 'ARRAY') {
        my $h = $more_headers->[$i];
        defined $h or bail_out("--- more_headers lacks data for $what");
        return parse_more_headers($h);
    }
    return parse_more_headers($more_headers);
}

# Returns a list of requests; each request is a list of packets
# ({value => ..., delay_before => ...}), sent over its own connection.
sub get_req_from_block ($) {
    my ($block) = @_;
    my $name = $block->name;
    my @list;

    if (defined(my $raw = $block->raw_request)) {
        if (ref $raw && ref $raw eq 'ARRAY') {
            push @list, [map { {value => $_} } @$raw];
        } else {
            push @list, [{value => $raw}];
        }
        return \@list;
    }

    my $request;
    if (defined $block->request_eval) {
        Test::More::diag("$name - request_eval DEPRECATED. Use request eval "
                         . "instead.");
        $request = eval $block->request_eval;
        warn $@ if $@;
    } else {
        $request = $block->request;
        if (defined $request && !ref $request) {
            # leading blank lines and "# comment" lines are ignored
            1 while $request =~ s/^\s*\#[^\n]+\s+|^\s+//s;
        }
    }

    my $more_headers = $block->more_headers || '';

    if (my $reqs = $block->pipelined_requests) {
        ref $reqs && ref $reqs eq 'ARRAY'
            or bail_out("$name - invalid entries in --- pipelined_requests");
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $one = expand_env_in_text($reqs->[$i], $name,
                                         $Test::Nginx::Util::RandPorts);
            my ($hdr, $chunked) = _headers_for($more_headers, $i,
                                               "the $i pipelined request");
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            $all .= build_request_from_packets($name, $hdr, $chunked, $conn,
                                               [$one])->[0];
        }
        push @list, [{value => $all}];
        return \@list;
    }

    if (!defined $request) {
        bail_out("$name - request empty");
    }

    if (!ref $request) {
        my ($hdr, $chunked) = _headers_for($more_headers, 0, "the request");
        push @list, [{value => build_request_from_packets(
                        $name, $hdr, $chunked, 'close', [$request])->[0]}];
        return \@list;
    }

    if (ref $request ne 'ARRAY') {
        bail_out("$name - invalid ---request : MUST be string or array of "
                 . "requests");
    }

    for my $i (0 .. $#$request) {
        my $one = $request->[$i];
        my ($hdr, $chunked) = _headers_for($more_headers, $i,
                                           "the ${i}th request");
        if (!ref $one) {
            push @list, [{value => build_request_from_packets(
                            $name, $hdr, $chunked, 'close', [$one])->[0]}];
            next;
        }

        ref $one eq 'ARRAY'
            or bail_out("$name - Invalid syntax. $one should be a string or "
                        . "an array of packets.");

        my @raw;
        for my $p (@$one) {
            if (!ref $p) {
                push @raw, $p;
            } elsif (ref $p eq 'HASH') {
                push @raw, $p->{value};
            } else {
                bail_out("$name - Invalid syntax. $p should be a string or "
                         . "hash with value.");
            }
        }

        my $built = build_request_from_packets($name, $hdr, $chunked,
                                               'close', \@raw);
        my @packets;
        for my $j (0 .. $#$built) {
            my $orig = $one->[$j];
            if (ref $orig eq 'HASH') {
                push @packets, {%$orig, value => $built->[$j]};
            } else {
                push @packets, {value => $built->[$j]};
            }
        }
        push @list, \@packets;
    }

    return \@list;
}

# ---------------------------------------------------------------------
# talking to nginx

sub _connect {
    my ($addr, $timeout, $name) = @_;
    my $max = $TotalConnectingTimeouts ? 20 : 50;
    for (my $try = 1; ; $try++) {
        my $sock = IO::Socket::INET->new(
            PeerAddr => $addr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        return $sock if $sock;

        my $err = $!;
        if ($try > $max) {
            my $msg = "$name - Can't connect to $addr:$ServerPortForClient: "
                      . "$err (aborted)\n";
            if (++$TotalConnectingTimeouts < 3) {
                _no_ending();
                fail($msg);
                return undef;
            }
            bail_out($msg);
        }

        my $st = sleep_time();
        my $wait = ($st + $st * $try) * $try / 2;
        $wait = 1 if $wait > 1;
        if ($wait >= 0.6) {
            warn "$name - Can't connect to $addr:$ServerPortForClient: $err\n"
                 . "\tRetry connecting after $wait sec\n";
        }
        Time::HiRes::sleep($wait);
    }
}

# Sends one request (a list of packets) on a fresh connection and reads
# until the server closes it.  $timeout bounds the wait for each I/O event.
sub send_request ($$$$) {
    my ($req, $middle_delay, $timeout, $block) = @_;
    my $name = $block->name;

    my @bits = map { ref $_ ? {%$_} : {value => $_} } (ref $req ? @$req : $req);
    my $head_req = (join '', map { $_->{value} // '' } @bits)
                   =~ /^\s*HEAD\s+/ ? 1 : 0;

    my $addr = $block->server_addr_for_client // $ServerAddr;
    my $sock = _connect($addr, $timeout, $name) or return (undef, $head_req);
    $sock->blocking(0);

    local $SIG{PIPE} = 'IGNORE';

    my $resp = '';
    my $cur = shift @bits;
    my $buf = $cur ? $cur->{value} // '' : '';
    my $off = 0;
    my $writing = 1;
    my $sel = IO::Select->new($sock);

    IO: while (1) {
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef,
                                         undef, $timeout);
        if (!$r && !$w) {
            next IO if $!{EINTR};
            close $sock;
            if (!defined $block->abort) {
                _no_ending();
                fail("ERROR: client socket timed out - $name\n");
            } else {
                Time::HiRes::sleep(0.005);
            }
            last IO;
        }

        if ($r && @$r) {
            while (1) {
                my $got = sysread($sock, my $chunk, 4096);
                if (!defined $got) {
                    last if $! == EAGAIN || $! == EWOULDBLOCK;
                    warn "WARNING: $name - HTTP response read failure: $!";
                    close $sock;
                    last IO;
                }
                if ($got == 0) {
                    close $sock;
                    last IO;
                }
                $resp .= $chunk;
            }
        }

        if ($writing && $w && @$w) {
            while (1) {
                if ($off < length $buf) {
                    my $n = syswrite($sock, $buf, length($buf) - $off, $off);
                    if (!defined $n) {
                        last if $! == EAGAIN || $! == EWOULDBLOCK;
                        my $msg = "write failed: $!";
                        warn "$msg\n";
                        $resp = $msg if $resp eq '';
                        close $sock;
                        last IO;
                    }
                    $off += $n;
                    next;
                }

                my $next = shift @bits;
                if (!$next) {
                    $writing = 0;
                    if (defined(my $how = $block->shutdown)) {
                        $how = 1 if $how =~ /^$/;
                        shutdown($sock, $how);
                    }
                    last;
                }

                $buf = $next->{value} // '';
                $off = 0;
                my $delay = defined $next->{delay_before}
                            ? $next->{delay_before} : $middle_delay;
                Time::HiRes::sleep($delay) if $delay;
            }
        }
    }

    return ($resp, $head_req);
}

# Parses a raw HTTP/1.x response; returns ($res, $raw_headers, $left)
# where $left is whatever follows the body (pipelined responses).
sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;
    my $left;

    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;

    if (defined $code && $code !~ /^\d+$/) {
        undef $code;
        $res->code(undef);
    }

    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    my $te = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my @trailers = $res->header('Trailer');

    if (defined $te && $te eq 'chunked') {
        my $body = $res->content // '';
        my $decoded = '';
        pos($body) = 0;
        while (1) {
            if (!@trailers && $body =~ /\G0[ \t]*\r\n\r\n/gc) {
                $left = $1 if $body =~ /\G(.+)/gcs;
                last;
            }
            if (@trailers && $body =~ /\G0[ \t]*\r\n/gc) {
                for my $t (@trailers) {
                    if ($body !~ /\G(\Q$t\E: [^\n]*\r\n)/gc) {
                        _no_ending();
                        fail("$name - invalid trailer data received "
                             . "(expected $t).");
                        return;
                    }
                }
                if ($body !~ /\G\r\n/gc) {
                    _no_ending();
                    fail("$name - invalid chunked data received "
                         . "(expected CRLF).");
                    return;
                }
                $left = $1 if $body =~ /\G(.+)/gcs;
                last;
            }
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*\r\n/gc) {
                my $size = hex $1;
                my $p = pos($body);
                if (length($body) - $p < $size) {
                    _no_ending();
                    fail("$name - invalid chunked data received (not enought "
                         . "octets for the data section)");
                    return;
                }
                $decoded .= substr($body, $p, $size);
                pos($body) = $p + $size;
                if ($body !~ /\G\r\n/gc) {
                    _no_ending();
                    fail("$name - invalid chunked data received "
                         . "(expected CRLF).");
                    return;
                }
                next;
            }
            _no_ending();
            if ($body =~ /\G(.+)/gcs) {
                fail("$name - invalid chunked body received: $1");
            } else {
                fail("$name - no last chunk found - $body");
            }
            return;
        }
        $res->content($decoded);

    } elsif (defined $len && $len ne '' && $len >= 0) {
        my $body = $res->content;
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n" unless $head_req;
        } elsif (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);
        }
    }

    return ($res, $raw_headers, $left);
}

# ---------------------------------------------------------------------
# per-request checks

sub get_indexed_value ($$$$) {
    my ($name, $value, $idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$idx] if ref $value && ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected results "
                 . "should be arrays as well.");
    }
    if (ref $value && ref $value eq 'ARRAY') {
        bail_out("$name - SHOULD NOT HAPPEN: idx != 0 and don't need array.")
            if $idx != 0;
        return $value->[0];
    }
    return $value;
}

sub check_error_code ($$$$$) {
    my ($block, $res, $dry_run, $idx, $need_array) = @_;
    my $name = $block->name;
    my $got = ($res && $res->code) || '';
    SKIP: {
        skip "$name - tests skipped due to $dry_run", 1 if $dry_run;
        if (defined $block->error_code_like) {
            my $pat = get_indexed_value($name, $block->error_code_like, $idx,
                                        $need_array);
            like($got, qr/$pat/sm, "$name - status code ok");
        } elsif (defined $block->error_code) {
            is($got, get_indexed_value($name, $block->error_code, $idx,
                                       $need_array),
               "$name - status code ok");
        } else {
            is($got, 200, "$name - status code ok");
        }
    }
}

sub check_raw_response_headers ($$$$$) {
    my ($block, $raw_headers, $dry_run, $idx, $need_array) = @_;
    my $name = $block->name;
    for my $kind (qw(like unlike)) {
        my $sect = "raw_response_headers_$kind";
        my $v = $block->$sect;
        next unless defined $v;
        SKIP: {
            skip "$name - $sect - tests skipped due to $dry_run", 1
                if $dry_run;
            my $pat = get_indexed_value($name, $v, $idx, $need_array);
            if ($kind eq 'like') {
                like($raw_headers, qr/$pat/s, "$name - raw resp headers like");
            } else {
                unlike($raw_headers, qr/$pat/s,
                       "$name - raw resp headers unlike");
            }
        }
    }
}

sub check_response_headers ($$$$$$) {
    my ($block, $res, $raw_headers, $dry_run, $idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->response_headers) {
        my $h = parse_headers(get_indexed_value($name,
                              $block->response_headers, $idx, $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key};
            SKIP: {
                skip "$name - response_headers - tests skipped due to "
                     . "$dry_run", 1 if $dry_run;
                if (!defined $val) {
                    unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                           "$name - header $key not present in the raw "
                           . "headers");
                } else {
                    $val =~ s/\$ServerPort\b/$ServerPort/g;
                    $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
                    my $actual = $res ? $res->header($key) : undef;
                    $actual = '' unless defined $actual;
                    is($actual, $val, "$name - header $key ok");
                }
            }
        }

    } elsif (defined $block->response_headers_like) {
        my $h = parse_headers(get_indexed_value($name,
                              $block->response_headers_like, $idx,
                              $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key};
            my $actual = $res ? $res->header($key) : undef;
            $actual = '' unless defined $actual;
            SKIP: {
                skip "$name - response_headers_like - tests skipped due to "
                     . "$dry_run", 1 if $dry_run;
                like($actual, qr/^$val$/, "$name - header $key like ok");
            }
        }
    }
}

sub _body_filter {
    my ($block, $f, $content) = @_;
    my $name = $block->name;
    return $f->($content) if ref $f && ref $f eq 'CODE';
    bail_out("$name - the --- response_body_filters section only supports "
             . "subroutine reference values and string values") if ref $f;
    my %builtin = (
        md5_hex  => sub { Digest::MD5::md5_hex($_[0]) },
        sha1_hex => sub { Digest::SHA::sha1_hex($_[0]) },
        uc       => sub { uc $_[0] },
        lc       => sub { lc $_[0] },
        ucfirst  => sub { ucfirst $_[0] },
        lcfirst  => sub { lcfirst $_[0] },
        length   => sub { length $_[0] },
    );
    my $code = $builtin{$f}
        or bail_out("$name - unknown filter, \"$f\", specified in the "
                    . "--- response_body_filters section");
    return $code->($content);
}

sub transform_response_body ($$$) {
    my ($block, $res, $idx) = @_;
    return unless defined $res;
    my $content = $res->content;
    return unless defined $content;
    my $filters = $block->response_body_filters;
    return unless defined $filters;
    my $name = $block->name;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//g;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }

    my $use = $filters;
    if (ref $filters->[0] eq 'ARRAY') {
        for (@$filters) {
            ref $_ eq 'ARRAY'
                or bail_out("$name - the --- response_body_filters "
                            . "two-dimensional array only be like [[uc], "
                            . "[lc]] not [[uc], lc]");
        }
        $use = $filters->[$idx];
        defined $use
            or bail_out("$name - the ---response_body_filters "
                        . "two-dimensional array unmatch the specified "
                        . "request($idx)");
    }

    for my $f (ref $use eq 'ARRAY' ? @$use : ($use)) {
        $content = _body_filter($block, $f, $content);
    }
    $res->content($content);
}

sub check_response_body ($$$$$$) {
    my ($block, $res, $dry_run, $idx, $rep, $need_array) = @_;
    my $name = $block->name;

    if (defined(my $file = $block->write_resp_body_file) && defined $res) {
        open my $out, '>', $file
            or bail_out("$name - failed to write to file '$file': $!");
        print $out $res->content // '';
        close $out;
    }

    my $content = $res ? $res->content : undef;
    if (defined $content) {
        $content =~ s/^TE: deflate,gzip;q=0\.3\r\n//gm;
        $content =~ s/^Connection: TE, close\r\n//gm;
    }

    if (defined $block->response_body || defined $block->response_body_eval) {
        if (defined $block->response_body_json_sort) {
            require JSON::PP;
            my $js = JSON::PP->new->canonical(1);
            my $obj = eval { $js->loose(1)->decode($content) };
            $content = $js->encode($obj) . "\n" if !$@ && defined $obj;
        }

        my $expected;
        if ($block->response_body_eval) {
            diag("$name - response_body_eval is DEPRECATED. Use "
                 . "response_body eval instead.");
            $expected = eval get_indexed_value($name,
                             $block->response_body_eval, $idx, $need_array);
            warn $@ if $@;
        } else {
            $expected = get_indexed_value($name, $block->response_body,
                                          $idx, $need_array);
        }

        if ($block->charset) {
            Encode::from_to($expected, 'UTF-8', $block->charset);
        }

        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
            $expected =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            $expected = expand_env_in_text($expected, $name,
                                           $Test::Nginx::Util::RandPorts);
        }

        SKIP: {
            skip "$name - response_body - tests skipped due to $dry_run", 1
                if $dry_run;
            my $desc = "$name - response_body - response is expected "
                       . "(repeated req $rep, req $idx)";
            if (ref $expected) {
                like($content, $expected, "$name - response_body - like "
                     . "(repeated req $rep, req $idx)");
            } elsif ($Test::Nginx::Util::NoLongString) {
                is($content, $expected, $desc);
            } else {
                Test::LongString::is_string($content, $expected, $desc);
            }
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $sect = "response_body_$type";
        my $pat = get_indexed_value($name, $block->$sect, $idx, $need_array);
        $pat =~ s/\$ServerPort\b/$ServerPort/g;
        $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        my $summary = trim($content);
        $summary = '' unless defined $summary;
        SKIP: {
            skip "$name - response_body_$type - tests skipped due to "
                 . "$dry_run", 1 if $dry_run;
            my $desc = "$name - response_body_$type - response is expected "
                       . "($summary)";
            if ($type eq 'like') {
                like($content, qr/$pat/s, $desc);
            } else {
                unlike($content, qr/$pat/s, $desc);
            }
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $res ? $res->content : undef, $idx, $rep, $dry_run);
    }
}

# ---------------------------------------------------------------------
# log checks

sub fmt_str ($) {
    my $s = shift;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

sub _pattern_list {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return [split /\n+/, $pats];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats];
}

sub _line_matches {
    my ($line, $pat) = @_;
    return 1 if ref $pat && $line =~ $pat;
    return index($line, "$pat") >= 0;
}

sub _value_contains {
    my ($val, $s) = @_;
    return 0 unless defined $val;
    return index("$val", $s) >= 0 if !ref $val || ref $val eq 'Regexp';
    if (ref $val eq 'ARRAY') {
        for (@$val) { return 1 if _value_contains($_, $s) }
    }
    return 0;
}

# every pattern must match some line: one pass/fail per pattern
sub _check_log_has {
    my ($lines, $pats, $label, $what, $dry_run) = @_;
    my @left = @{ _pattern_list($pats) };
    for my $line (@$lines) {
        for my $pat (@left) {
            next unless defined $pat;
            if (_line_matches($line, $pat)) {
                SKIP: {
                    skip "$label - tests skipped due to $dry_run", 1
                        if $dry_run;
                    pass("$what->[0] - pattern \"$pat\" matches a line in "
                         . "$what->[1]$what->[2]");
                }
                undef $pat;
            }
        }
    }
    for my $pat (@left) {
        next unless defined $pat;
        SKIP: {
            skip "$label - tests skipped due to $dry_run", 1 if $dry_run;
            fail("$what->[0] - pattern \"$pat\" should match a line in "
                 . "$what->[1]$what->[2]");
        }
    }
}

# no pattern may match: a fail per matching line, else one pass per pattern
sub _check_log_lacks {
    my ($lines, $pats, $label, $what, $dry_run) = @_;
    my $list = _pattern_list($pats);
    my %found;
    for my $i (0 .. $#$lines) {
        my $line = $lines->[$i];
        for my $pat (@$list) {
            next unless defined $pat;
            next unless _line_matches($line, $pat);
            _no_ending() if $found{$pat}++;
            SKIP: {
                skip "$label - tests skipped due to $dry_run ($line)", 1
                    if $dry_run;
                my @more = @$lines[$i + 1 .. min($i + 9, $#$lines - 1)];
                fail("$what->[0] - pattern \"" . fmt_str($pat) . "\" should "
                     . "not match any line in $what->[1] but matches line \""
                     . fmt_str($line) . "\"$what->[2]\n" . join('', @more));
            }
        }
    }
    for my $pat (@$list) {
        next if !defined $pat || $found{$pat};
        SKIP: {
            skip "$label - tests skipped due to $dry_run", 1 if $dry_run;
            pass("$what->[0] - pattern \"" . fmt_str($pat) . "\" does not "
                 . "match a line in $what->[1]$what->[2]");
        }
    }
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $rep, $need_array) = @_;
    my $name = $block->name;
    my $lines;
    my %warn_on = (alert => 1, crit => 1, emerg => 1);

    my $grep_pat;
    if (defined(my $g = $block->grep_error_log)) {
        $grep_pat = ref $g && ref $g eq 'ARRAY' ? $g->[$rep] : $g;
    } elsif (defined $block->grep_error_log_out) {
        bail_out("$name - No --- grep_error_log defined but "
                 . "--- grep_error_log_out is defined");
    }

    if (defined $grep_pat) {
        my $expected = $block->grep_error_log_out;
        defined $expected
            or bail_out("$name - No --- grep_error_log_out defined but "
                        . "--- grep_error_log is defined");
        $expected = expand_env_in_text($expected, $name,
                                       $Test::Nginx::Util::RandPorts);
        $expected = $expected->[$rep]
            if ref $expected && ref $expected eq 'ARRAY';

        SKIP: {
            skip "$name - error_log - tests skipped due to $dry_run", 1
                if $dry_run;
            $lines ||= error_log_data();
            my $out = '';
            for my $line (@$lines) {
                my $m;
                if (ref $grep_pat && $line =~ /$grep_pat/) {
                    $m = $&;
                } elsif ($line =~ /\Q$grep_pat\E/) {
                    $m = $&;
                }
                $out .= "$m\n" if defined $m && $m !~ /\n/;
            }
            my $desc = "$name - grep_error_log_out (req $rep)";
            if (ref $expected eq 'Regexp') {
                like($out, $expected, $desc);
            } elsif ($Test::Nginx::Util::NoLongString) {
                is($out, $expected, $desc);
            } else {
                Test::LongString::is_string($out, $expected, $desc);
            }
        }
    }

    for my $sect (qw(error_log no_error_log)) {
        my $pats = $block->$sect;
        next unless defined $pats;
        for my $lvl (keys %warn_on) {
            delete $warn_on{$lvl} if _value_contains($pats, "[$lvl");
        }
        $lines ||= error_log_data();
        my $what = [$name, 'error.log', " (req $rep)"];
        if ($sect eq 'error_log') {
            _check_log_has($lines, $pats, "$name - error_log", $what,
                           $dry_run);
        } else {
            _check_log_lacks($lines, $pats, "$name - no_error_log", $what,
                             $dry_run);
        }
    }

    if (!$dry_run && %warn_on) {
        $lines ||= error_log_data();
        for my $line (@{ $lines || [] }) {
            for my $lvl (sort keys %warn_on) {
                warn "WARNING: $name - " . fmt_str($line) . "\n"
                    if index($line, "[$lvl]") >= 0;
            }
        }
    }

    for my $line (@{ $lines || [] }) {
        if ($line =~ /\bAssertion .*?failed\b/) {
            _no_ending();
            chomp(my $l = $line);
            fail("$name - $l\n");
        }
    }
}

sub check_access_log ($$$) {
    my ($block, $dry_run, $rep) = @_;
    my $name = $block->name;
    my $lines;
    my $what = [$name, 'access.log', " (req $rep)"];
    if (defined(my $p = $block->access_log)) {
        $lines ||= access_log_data();
        _check_log_has($lines, $p, "$name - access_log", $what, $dry_run);
    }
    if (defined(my $p = $block->no_access_log)) {
        $lines ||= access_log_data();
        _check_log_lacks($lines, $p, "$name - no_access_log", $what,
                         $dry_run);
    }
}

# run when nginx for the block has been stopped
sub check_shutdown_error_log ($$) {
    my ($block, $dry_run) = @_;
    my $name = $block->name;
    my $lines;
    my $what = [$name, 'error.log', ''];
    if (defined(my $p = $block->shutdown_error_log)) {
        $lines ||= error_log_data();
        _check_log_has($lines, $p, "$name - shutdown_error_log", $what,
                       $dry_run);
        for my $line (@$lines) {
            if ($line =~ /\bAssertion .*? failed\.$/) {
                _no_ending();
                chomp(my $l = $line);
                fail("$name - $l");
            }
        }
    }
    if (defined(my $p = $block->no_shutdown_error_log)) {
        $lines ||= error_log_data();
        _check_log_lacks($lines, $p, "$name - no_shutdown_error_log", $what,
                         $dry_run);
    }
}

# ---------------------------------------------------------------------
# one repetition of one block

sub run_test_helper ($$$) {
    my ($block, $dry_run, $rep) = @_;
    my $name = $block->name;

    for my $s (qw(http2 http3 tcp_listen udp_listen)) {
        bail_out("$name - --- $s is not supported by the compat "
                 . "Test::Nginx::Socket (t/compat)") if defined $block->$s;
    }

    my $reqs = get_req_from_block($block);
    bail_out("$name - request empty") unless @$reqs;

    my $timeout = parse_time($block->timeout);
    $timeout = timeout() unless defined $timeout;

    my ($res, $n, $need_array);
    my $idx = 0;

    for my $req (@$reqs) {
        my ($raw, $head_req);
        if ($dry_run) {
            $raw = "200 OK HTTP/1.0\r\nContent-Length: 0\r\n\r\n";
        } else {
            ($raw, $head_req) = send_request($req,
                $block->raw_request_middle_delay, $timeout, $block);
        }

        if ($block->pipelined_requests) {
            $n = @{ $block->pipelined_requests };
            $need_array = 1;
        } else {
            $need_array = @$reqs > 1;
        }

        while (1) {
            $raw = '' unless defined $raw;
            my ($raw_headers, $left);

            if (!defined $block->ignore_response) {
                if (defined $block->http09) {
                    $res = HTTP::Response->new(200, 'OK', [], $raw);
                    $raw_headers = '';
                } else {
                    ($res, $raw_headers, $left)
                        = parse_response($name, $raw, $head_req);
                }
            }

            if (!$n) {
                if (defined $left && length $left) {
                    (my $l = $left) =~ s/([\0-\037\200-\377])/
                                          sprintf('\x{%02x}', ord $1)/ge;
                    warn "WARNING: $name - unexpected extra bytes after last "
                         . "chunk in response: \"$l\"\n";
                }
            } else {
                $raw = $left;
                $n--;
            }

            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $dry_run, $idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $dry_run,
                                           $idx, $need_array);
                check_response_headers($block, $res, $raw_headers, $dry_run,
                                       $idx, $need_array);
                transform_response_body($block, $res, $idx);
                check_response_body($block, $res, $dry_run, $idx, $rep,
                                    $need_array);
            }

            if ($n || $idx < @$reqs - 1) {
                Time::HiRes::sleep($block->wait) if $block->wait;
                check_error_log($block, $res, $dry_run, $rep, $need_array);
                check_access_log($block, $dry_run, $rep)
                    unless defined $block->ignore_response;
            }

            $idx++;
            last unless $n;
        }
    }

    Time::HiRes::sleep($block->wait) if $block->wait;

    if ($block->stap) {
        SKIP: {
            skip "$name - stap_out - tests skipped due to env "
                 . "TEST_NGINX_USE_STAP is not set", 1;
        }
    }

    check_error_log($block, $res, $dry_run, $rep, $need_array);
    check_access_log($block, $dry_run, $rep)
        unless defined $block->ignore_response;
}

1;
