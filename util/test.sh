#!/bin/sh
# Test driver, run by `make test` from the repository root as
#
#     sh util/test.sh [unit test binaries...]
#
# 1. runs every C unit test binary given (each ends with "N passed, N failed");
# 2. starts a private Redis on a free 127.0.0.1 port (no persistence; dir,
#    pid and log in build/test/), stopped again on exit;
# 3. runs t/*.t (or $TEST_FILES / $T, e.g. `make test T=t/020-signature.t`)
#    through TAP::Harness, against /usr/sbin/nginx with the module loaded;
# 4. prints one last line "N passed, N failed" (unit checks + TAP
#    assertions) and exits non-zero if anything failed or nothing ran.
#
# Environment it exports for the .t files:
#   TEST_NGINX_BINARY       /usr/sbin/nginx unless already set
#   TEST_NGINX_LOAD_MODULES $PWD/build/ngx_http_hashpay_module.so (if built;
#                           an explicit value, even empty, is kept)
#   TEST_NGINX_PORT         1984 if free, else a free port (kept if set)
#   TEST_NGINX_REDIS_HOST   127.0.0.1
#   TEST_NGINX_REDIS_PORT   the private Redis
#   PERL5LIB                + t/compat when Test::Nginx is not installed
# Knobs: TEST_VERBOSE=1 (TAP output of every assertion), REDIS_SERVER
# (default /usr/bin/redis-server), TEST_FILES / T (test files to run).

set -u

ROOT=$(pwd)
WORK="$ROOT/build/test"
mkdir -p "$WORK"

unit_pass=0
unit_fail=0
tap_pass=0
tap_fail=0
REDIS_PID=

cleanup() {
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a free TCP port on 127.0.0.1: $1 if it is free, else one from the kernel
free_port() {
    perl -MIO::Socket::INET -e '
        my $want = shift;
        if ($want) {
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                LocalPort => $want, Listen => 1, ReuseAddr => 1);
            if ($s) { print "$want\n"; exit 0 }
        }
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
            LocalPort => 0, Listen => 1) or die "no free port: $!\n";
        print $s->sockport, "\n";' "${1:-0}"
}

# ---------------------------------------------------------------- unit tests

for bin in "$@"; do
    name=$(basename "$bin")
    out="$WORK/$name.out"
    if [ ! -x "$bin" ]; then
        echo "unit: $name: not built"
        unit_fail=$((unit_fail + 1))
        continue
    fi
    "$bin" > "$out" 2>&1
    rc=$?
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
    if [ -z "$last" ]; then
        cat "$out"
        echo "unit: $name: no summary line (exit status $rc)"
        unit_fail=$((unit_fail + 1))
        continue
    fi
    p=${last%% passed*}
    f=${last#*passed, }
    f=${f%% failed}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    if [ "$f" -ne 0 ] || [ -n "${TEST_VERBOSE:-}" ]; then
        cat "$out"
    fi
    echo "unit: $name: $p passed, $f failed"
    unit_pass=$((unit_pass + p))
    unit_fail=$((unit_fail + f))
done

# ---------------------------------------------------------------- TAP tests

files=${TEST_FILES:-${T:-}}
if [ -z "$files" ]; then
    files=$(ls t/*.t 2>/dev/null)
fi

if [ -n "$files" ]; then
    # private Redis
    REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
    REDIS_PORT=$(free_port) || exit 1
    rm -f "$WORK/redis.log"
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" \
        --save '' --appendonly no --daemonize no \
        --dir "$WORK" --pidfile "$WORK/redis.pid" \
        --logfile "$WORK/redis.log" &
    REDIS_PID=$!

    ok=
    i=0
    while [ $i -lt 100 ]; do
        if ! kill -0 "$REDIS_PID" 2>/dev/null; then
            break
        fi
        if perl -MIO::Socket::INET -e '
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
                PeerPort => shift, Timeout => 1) or exit 1;
            print $s "PING\r\n";
            my $l = <$s>;
            exit(defined $l && $l =~ /^\+PONG/ ? 0 : 1);' "$REDIS_PORT"
        then
            ok=1
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    if [ -z "$ok" ]; then
        echo "could not start $REDIS_SERVER on 127.0.0.1:$REDIS_PORT:" >&2
        cat "$WORK/redis.log" >&2 2>/dev/null
        echo "0 passed, 1 failed"
        exit 1
    fi

    export TEST_NGINX_REDIS_HOST=127.0.0.1
    export TEST_NGINX_REDIS_PORT="$REDIS_PORT"

    # nginx under test
    export TEST_NGINX_BINARY="${TEST_NGINX_BINARY:-/usr/sbin/nginx}"
    if [ -z "${TEST_NGINX_LOAD_MODULES+set}" ]; then
        if [ -f "$ROOT/build/ngx_http_hashpay_module.so" ]; then
            TEST_NGINX_LOAD_MODULES="$ROOT/build/ngx_http_hashpay_module.so"
        else
            echo "warning: build/ngx_http_hashpay_module.so is not built" >&2
            TEST_NGINX_LOAD_MODULES=
        fi
    fi
    export TEST_NGINX_LOAD_MODULES
    if [ -z "${TEST_NGINX_PORT:-}" ]; then
        TEST_NGINX_PORT=$(free_port 1984) || exit 1
    fi
    export TEST_NGINX_PORT

    # upstream Test::Nginx if installed, else our compatible runner
    if ! perl -MTest::Nginx::Socket -e1 2>/dev/null; then
        PERL5LIB="$ROOT/t/compat${PERL5LIB:+:$PERL5LIB}"
        export PERL5LIB
    fi

    rm -f "$WORK/tap.counts"
    # shellcheck disable=SC2086
    perl -MTAP::Harness -MTAP::Parser::Aggregator -e '
        my ($counts, @files) = @ARGV;
        my $h = TAP::Harness->new({
            verbosity => $ENV{TEST_VERBOSE} ? 1 : 0,
            color     => -t STDOUT ? 1 : 0,
        });
        my $agg = TAP::Parser::Aggregator->new;
        $agg->start;
        my %seen;
        @files = grep { !$seen{$_}++ } @files;
        my @bailed;
        my @todo = @files;
        while (@todo) {
            last if eval { $h->aggregate_tests($agg, @todo); 1 };
            # "Bail out!" stops only the file that said it: go on with
            # the files not run yet
            my @done = $agg->descriptions;
            push @bailed, $done[-1] if @done;
            my %done = map { $_ => 1 } @done;
            my @left = grep { !$done{$_} } @todo;
            last if @left == @todo;
            @todo = @left;
        }
        $agg->stop;
        $h->formatter->prepare(@files);
        $h->summary($agg);

        my ($pass, $fail) = (0, 0);
        for my $f (@files) {
            my ($p) = $agg->parsers($f);
            if (!$p) { $fail++; next }
            my $passed = scalar $p->passed;
            my $failed = scalar $p->failed;
            my $planned = $p->tests_planned;
            # assertions planned but never run count as failures
            if (defined $planned && $planned > $p->tests_run) {
                $failed += $planned - $p->tests_run;
            }
            # died, bad plan, bail out, parse errors: at least one failure
            if (!$failed && ($p->has_problems || grep { $_ eq $f } @bailed)) {
                $failed = 1;
            }
            $pass += $passed;
            $fail += $failed;
        }
        open my $out, ">", $counts or die "$counts: $!";
        print $out "$pass $fail\n";
        close $out;
    ' "$WORK/tap.counts" $files
    if [ -f "$WORK/tap.counts" ]; then
        read -r tap_pass tap_fail < "$WORK/tap.counts"
    else
        tap_fail=1
    fi
fi

cleanup

passed=$((unit_pass + tap_pass))
failed=$((unit_fail + tap_fail))
echo "$passed passed, $failed failed"

if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
exit 0
