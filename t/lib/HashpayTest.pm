package HashpayTest;

# Helpers shared by hashpay's t/*.t, built only on Test::Nginx::Socket's
# public hooks (add_block_preprocessor, add_response_body_check), so the
# same files run under upstream Test::Nginx and under t/compat.
#
# Sections it adds to a block:
#
#   --- delivery         a webhook body (JSON), or "@name.json" for a file of
#                        t/data/examples; becomes a signed POST. With
#                        "eval", an array ref of bodies: one request each.
#   --- delivery_uri     where to POST it (default /webhooks/x)
#   --- signed_with      the secret that signs it (default
#                        "test-consumer-secret"); "none"
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
#   Redis; one without --- config gets /webhooks/x, secret
#   "test-consumer-secret", operator 15234567, and /ping)
#   --- after_each eval  [ sub { ... }, undef, ... ]: Perl run after the
#                        response to request i (to stop or start a Redis
#                        between two requests of one nginx lifetime)
#   --- events eval      [ [ type, { field => value or qr// or undef } ], ...]
#                        the events stream after the last request, every
#                        entry in order, every field of data (undef: any
#                        value, but present); event_id and at are checked
#                        for shape on every event
#
# Post times.  A post older than hashpay_dedupe_ttl less a margin, or more
# than 5 minutes ahead, is ignored as stale (SPEC section 10), so a post
# that must act is dated near the time the test runs, whatever the day:
# $NOW_MS is when the test file started (unix ms), and example() moves the
# post times of the example file it reads (see there).  v1_time($ms) and
# iso_time($ms) write unix ms as v1.1 ("Wed May 23 06:01:13 +0000 2007")
# and v2 ("2007-05-23T06:01:13.000Z") created_at.

use strict;
use warnings;

use Test::More ();
use Test::Nginx::Socket ();
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use IO::Socket::INET ();
use Time::HiRes ();
use Time::Local ();
use POSIX ();
use Exporter 'import';

our @EXPORT_OK = qw(redis redis_reply sign example example_file redis_port
                    events spawn_redis stop_redis blackhole background_post
                    background_result v1_time iso_time $NOW_MS
                    wait_until whole_log);

our $RedisPort = $ENV{TEST_NGINX_REDIS_PORT} || 6379;
our $RedisHost = $ENV{TEST_NGINX_REDIS_HOST} || '127.0.0.1';
our $Examples = $ENV{HASHPAY_EXAMPLES} || 't/data/examples';

my %blocks;
my $next_id = 0;

# when the test file started, unix ms: what post times are relative to
our $NOW_MS = int(Time::HiRes::time() * 1000);

sub redis_port { $RedisPort }

# One Redis command over a plain socket (RESP).  Simple replies come back
# as strings (errors as "ERR ..."), nil as undef, arrays as array refs.
# A first argument that is a hash ref says where and how: { port => N } or
# { path => unix socket }, password => S, db => N (default: the private
# Redis of the test run, db 0).
sub redis_reply {
    my $to = ref $_[0] eq 'HASH' ? shift : {};
    my @cmd = @_;
    my $sock;

    if (defined $to->{path}) {
        require IO::Socket::UNIX;
        $sock = IO::Socket::UNIX->new(Peer => $to->{path})
            or die "cannot connect to redis at $to->{path}: $!";
    } else {
        my $port = $to->{port} || $RedisPort;
        $sock = IO::Socket::INET->new(PeerAddr => $RedisHost,
                                      PeerPort => $port,
                                      Proto => 'tcp', Timeout => 5)
            or die "cannot connect to redis at $RedisHost:$port: $!";
    }

    my @pre;
    push @pre, [ 'AUTH', $to->{password} ] if defined $to->{password};
    push @pre, [ 'SELECT', $to->{db} ] if $to->{db};

    for my $c (@pre, \@cmd) {
        my $req = '*' . scalar(@$c) . "\r\n";
        $req .= '$' . length($_) . "\r\n$_\r\n" for @$c;
        print $sock $req;
    }

    my $reply;
    $reply = read_reply($sock) for 0 .. @pre;
    close $sock;
    return $reply;
}

# A Redis server of a test file's own (to stop and start, or to configure
# with a password or a unix socket): spawn_redis(port => N, password => S,
# unix => 1) returns a hash ref { port, dir, pid, ... } once it
# answers PING; stop_redis($r) shuts it down and waits for the port to
# close.  Data is never persisted.
sub spawn_redis {
    my (%o) = @_;
    require File::Temp;
    my $dir = $o{dir} || File::Temp::tempdir('hashpay-redis-XXXXXX',
                                             TMPDIR => 1, CLEANUP => 1);
    my $port = defined $o{port} ? $o{port} : free_port();
    my $bin = $ENV{REDIS_SERVER} || 'redis-server';
    my @args = ('--port', $port, '--bind', '127.0.0.1', '--save', '',
                '--appendonly', 'no', '--dir', $dir,
                '--pidfile', "$dir/redis.pid", '--logfile', "$dir/redis.log",
                '--daemonize', 'yes');
    push @args, '--requirepass', $o{password} if defined $o{password};
    $o{path} = "$dir/redis.sock" if $o{unix};
    push @args, '--unixsocket', $o{path}, '--unixsocketperm', '777'
        if $o{unix};

    system($bin, @args) == 0 or die "cannot start $bin: $?";

    my $r = { %o, port => $port, dir => $dir };
    my $to = { port => $port, password => $o{password} };

    for (1 .. 100) {
        my $pong = eval { redis_reply($to, 'PING') };
        return $r if defined $pong && $pong eq 'PONG';
        select(undef, undef, undef, 0.05);
    }

    die "redis-server on port $port did not come up";
}

sub stop_redis {
    my ($r) = @_;
    eval { redis_reply({ port => $r->{port}, password => $r->{password} },
                       'SHUTDOWN', 'NOSAVE') };

    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => $RedisHost,
                                      PeerPort => $r->{port},
                                      Proto => 'tcp');
        return unless $s;
        close $s;
        select(undef, undef, undef, 0.05);
    }

    die "redis-server on port $r->{port} did not stop";
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# A signed webhook POST sent by a child process while the test goes on
# (Test::Nginx sends its requests one after the other).  The child writes
# the status line it got, or "none" if the connection closed without one,
# to $file.  With close_after => seconds it hangs up before any answer;
# with close_when => sub { ... } it hangs up once the sub returns true
# (polled every 50 ms; at most close_within => seconds, 30 by default),
# e.g. once the error log shows the request reached a given point.
sub background_post {
    my ($body, $file, %o) = @_;
    my $port = Test::Nginx::Util::server_port_for_client();
    my $req = "POST " . ($o{uri} || '/webhooks/x') . " HTTP/1.1\r\n"
        . "Host: localhost\r\nConnection: close\r\n"
        . "Content-Type: application/json\r\n"
        . "x-twitter-webhooks-signature: "
        . sign($o{secret} || 'test-consumer-secret', $body)
        . "\r\nContent-Length: " . length($body) . "\r\n\r\n$body";

    unlink $file;

    my $pid = fork();
    die "fork: $!" unless defined $pid;
    return $pid if $pid;

    my $status = 'none';
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp');
    if ($sock) {
        print $sock $req;
        if ($o{close_when}) {
            my $until = Time::HiRes::time() + ($o{close_within} || 30);
            until (eval { $o{close_when}->() }
                   || Time::HiRes::time() > $until)
            {
                Time::HiRes::sleep(0.05);
            }
            $status = 'closed';
        } elsif ($o{close_after}) {
            select(undef, undef, undef, $o{close_after});
            $status = 'closed';
        } else {
            my $line = <$sock>;
            $status = $1 if defined $line && $line =~ m{^HTTP/1\.1 (\d+)};
        }
        close $sock;
    }

    if (open(my $fh, '>', $file)) {
        print $fh $status;
        close $fh;
    }

    require POSIX;
    POSIX::_exit(0);
}

# what the child of background_post wrote, once it is done
sub background_result {
    my ($pid, $file) = @_;
    waitpid($pid, 0);
    open(my $fh, '<', $file) or return 'missing';
    local $/;
    my $s = <$fh>;
    close $fh;
    return $s;
}

# A port that accepts TCP connections (the kernel's backlog does) and never
# answers: a Redis that hangs.  The socket lives as long as the test file.
my @blackholes;

sub blackhole {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 64, ReuseAddr => 1)
        or die "no blackhole: $!";
    push @blackholes, $s;
    return $s->sockport;
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

# an example file as it is (trailing white space removed)
sub example_file {
    my ($name) = @_;
    open(my $fh, '<', "$Examples/$name") or die "$Examples/$name: $!";
    local $/;
    my $body = <$fh>;
    close $fh;
    $body =~ s/\s+$//;
    return $body;
}

# An example file with its post times moved near now: the examples are
# dated (2013, 2026-12-01) and a post that old is stale.  The post times
# are every timestamp_ms, and the created_at of an object that has a
# timestamp_ms (a v1.1 tweet; a favorite event) or an author_id (a v2
# post: the XAA payload, the stream's data, includes.tweets[]), and every
# editable_until (of a v2 post's edit_controls); they all
# move by the same whole number of seconds, so that the latest is a
# minute before $NOW_MS and their differences stay.  Accounts' created_at
# (user, includes.users[]) and revokes' date_time do not move.  Only the
# values change: the text is otherwise the file's.
sub example {
    my ($name) = @_;
    my $body = example_file($name);
    my $data = eval { JSON::PP->new->decode($body) };
    return $body unless ref $data;

    my (%ts, %post_at, %other_at, %until);

    my $walk;
    $walk = sub {
        my ($v) = @_;
        if (ref $v eq 'ARRAY') {
            $walk->($_) for @$v;
        } elsif (ref $v eq 'HASH') {
            my $post = exists $v->{timestamp_ms} || exists $v->{author_id};
            $ts{$v->{timestamp_ms}} = 1
                if defined $v->{timestamp_ms} && !ref $v->{timestamp_ms};
            if (defined $v->{created_at} && !ref $v->{created_at}) {
                ($post ? \%post_at : \%other_at)->{$v->{created_at}} = 1;
            }
            $until{$v->{editable_until}} = 1
                if defined $v->{editable_until} && !ref $v->{editable_until};
            $walk->($_) for values %$v;
        }
    };
    $walk->($data);

    for my $at (keys %post_at) {
        die "example($name): created_at \"$at\" of a post and of an "
            . "account: cannot tell them apart\n" if $other_at{$at};
    }

    my @ms = ((grep { /^\d+$/ } keys %ts),
              (grep { defined } map { ms_of_time($_) } keys %post_at));
    return $body unless @ms;

    my ($latest) = sort { $b <=> $a } @ms;
    my $shift = POSIX::floor(($NOW_MS - 60000 - $latest) / 1000) * 1000;

    $body =~ s{("timestamp_ms"\s*:\s*"?)(\d+)}{$1 . ($2 + $shift)}ge;
    $body =~ s{("(created_at|editable_until)"\s*:\s*")([^"]*)(")}{
        my ($k, $at, $q) = ($1, $3, $4);
        my $ms = ($2 eq 'created_at' ? $post_at{$at} : $until{$at})
                 ? ms_of_time($at) : undef;
        defined $ms ? $k . ($at =~ /^\d{4}-/ ? iso_time($ms + $shift)
                                             : v1_time($ms + $shift)) . $q
                    : "$k$at$q"
    }ge;

    return $body;
}

my @wday = qw(Sun Mon Tue Wed Thu Fri Sat);
my @mon = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);
my %mon_no = map { $mon[$_] => $_ } 0 .. 11;

# unix ms as v1.1's created_at: "Wed May 23 06:01:13 +0000 2007" (the
# milliseconds are dropped)
sub v1_time {
    my ($ms) = @_;
    my @t = gmtime(POSIX::floor($ms / 1000));
    return sprintf('%s %s %02d %02d:%02d:%02d +0000 %04d', $wday[$t[6]],
                   $mon[$t[4]], $t[3], $t[2], $t[1], $t[0], $t[5] + 1900);
}

# unix ms as ISO 8601 with milliseconds: "2007-05-23T06:01:13.000Z"
sub iso_time {
    my ($ms) = @_;
    my $s = POSIX::floor($ms / 1000);
    my @t = gmtime($s);
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $t[5] + 1900,
                   $t[4] + 1, $t[3], $t[2], $t[1], $t[0], $ms - $s * 1000);
}

# a created_at of either format as unix ms (undef: neither)
sub ms_of_time {
    my ($t) = @_;
    if ($t =~ /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?
               (?:[Zz]|([+-])(\d\d):?(\d\d))\z/x)
    {
        my $s = Time::Local::timegm($6, $5, $4, $3, $2 - 1, $1);
        $s -= ($8 eq '-' ? -1 : 1) * ($9 * 3600 + $10 * 60) if defined $8;
        return $s * 1000 + (defined $7 ? int(substr($7 . '00', 0, 3)) : 0);
    }
    if ($t =~ /^[A-Z][a-z]{2}\ ([A-Z][a-z]{2})\ (\d\d)\ (\d\d):(\d\d):(\d\d)
               \ ([+-])(\d\d)(\d\d)\ (\d{4})\z/x && exists $mon_no{$1})
    {
        my $s = Time::Local::timegm($5, $4, $3, $2, $mon_no{$1}, $9);
        $s -= ($6 eq '-' ? -1 : 1) * ($7 * 3600 + $8 * 60);
        return $s * 1000;
    }
    return undef;
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
                                                 : 'test-consumer-secret';
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
    hashpay_consumer_secret test-consumer-secret;
    hashpay_operator_accounts 15234567;
}

location = /ping {
    return 204;
}
CONFIG
    }

    # under a memory checker (make test-valgrind, make test-asan: nginx
    # under valgrind, or the module built with ASan on a loaded machine) a
    # fresh nginx's first connect, handshake and replies can take seconds
    # (valgrind translates code on first use) where the defaults give
    # 200 ms (connect_timeout=) and 1 s (timeout=): a request would get
    # 503 redis_unavailable.  A Redis line that does not choose its own
    # gets 30 s for each; one that sets it keeps it (it tests that
    # timeout).  HASHPAY_TEST_SLOW=1 asks for it without valgrind
    # (util/sanitize.sh sets it for make test-asan).
    if ($ENV{TEST_NGINX_USE_VALGRIND} || $ENV{HASHPAY_TEST_SLOW}) {
        my $http = $block->http_config;
        $http =~ s{(\bhashpay_redis(?:_sentinel|_cluster)?\s[^;]*)}{
            my $d = $1;
            $d .= ' connect_timeout=30s' if $d !~ /\bconnect_timeout=/;
            $d .= ' timeout=30s' if $d !~ /\btimeout=/;
            $d;
        }ge;
        $block->set_value('http_config', $http);
    }

    my $init = $block->init;
    $block->set_value('init', "HashpayTest::before_requests($id);"
                              . (defined $init ? "\n$init" : ''));
});

# error.log lines written since the block's requests began that match
# $pat (a string or qr//).  Test::Nginx's own --- error_log looks only at
# what each request logged; a test that acts between requests (after_each)
# or in the background asks this instead.
my $log_start = 0;

sub error_log_file {
    return Test::Nginx::Util::server_root() . '/logs/error.log';
}

sub log_lines {
    my ($pat) = @_;
    open(my $fh, '<', error_log_file()) or return ();
    seek($fh, $log_start, 0) if (-s $fh) >= $log_start;
    my @hits = grep { ref $pat ? /$pat/ : index($_, $pat) >= 0 } <$fh>;
    close $fh;
    return @hits;
}

# lines of the whole error log that match, the block's and those before
# it (the module connects at start, before the block's requests begin)
sub whole_log {
    my ($pat) = @_;
    open(my $fh, '<', error_log_file()) or return 0;
    my $n = grep { /$pat/ } <$fh>;
    close $fh;
    return $n;
}

# polls $cond every 0.1 s for up to $secs seconds: 1 once it holds, else 0
sub wait_until {
    my ($cond, $secs) = @_;
    my $until = Time::HiRes::time() + $secs;

    while (Time::HiRes::time() < $until) {
        return 1 if eval { $cond->() };
        Time::HiRes::sleep(0.1);
    }

    return 0;
}

# the same, waiting up to $secs (default 3) for the first such line: for
# what nginx logs when it notices something on its own time
sub wait_log {
    my ($pat, $secs) = @_;
    # 3 s by default; 30 s under the memory checkers (valgrind, and the
    # ASan build: HASHPAY_TEST_SLOW), where a reconnection (backoff,
    # sentinel, handshake) runs several times slower
    my $until = Time::HiRes::time()
                + ($secs || ($ENV{TEST_NGINX_USE_VALGRIND}
                             || $ENV{HASHPAY_TEST_SLOW} ? 30 : 3));

    while (1) {
        my @hits = log_lines($pat);
        return scalar @hits if @hits || Time::HiRes::time() > $until;
        Time::HiRes::sleep(0.05);
    }
}

sub before_requests {
    my ($id) = @_;
    my $block = $blocks{$id};

    $log_start = -s error_log_file() || 0;

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

    if (defined $block->after_each) {
        my $hooks = $block->after_each;
        die "$name: --- after_each needs eval" unless ref $hooks eq 'ARRAY';
        $hooks->[$req_idx]->() if ref $hooks->[$req_idx] eq 'CODE';
    }

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
