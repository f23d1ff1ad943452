#!/bin/sh
# Throughput benchmark, run by `make bench` (after building) from the
# repository root as
#
#     sh bench/run.sh
#
# Measures, in one run against one nginx, with wrk:
#   ping     GET /ping, a plain `return 204;` location (the baseline);
#   webhook  POST /webhooks/x (hashpay_webhook): signed ~2 KB X deliveries,
#            one tweet each, every tweet id distinct, whose hashtags name no
#            offer, so each is answered 200 "ignored"/"no_offer" after one
#            EVALSHA round-trip to Redis;
# and prints the requests/s of both, their ratio, and the nginx workers'
# resident memory (VmRSS) before, between and after the two runs.  Every
# answer is checked (204 resp. 200 + "ignored"/"no_offer"); the script
# exits non-zero if any answer was wrong, wrk saw socket errors, or the
# nginx error log (level warn) is not empty.  See bench/README.md.
#
# It starts (and stops again on exit) a private redis-server and nginx on
# 127.0.0.1, with everything (conf, logs, pid files, generated requests,
# wrk outputs) under build/bench/.
#
# Knobs (environment):
#   BENCH_DURATION     wrk -d for each run          (10s)
#   BENCH_CONNECTIONS  wrk -c                       (32)
#   BENCH_THREADS      wrk -t                       (2)
#   BENCH_WORKERS      nginx worker_processes       (1)
#   BENCH_IDS          signed deliveries to pre-generate (400000)
#   BENCH_BODY_SIZE    delivery size in bytes       (2048)
#   BENCH_NGINX_PORT   nginx port                   (a free one)
#   BENCH_REDIS_PORT   redis port                   (a free one)
#   BENCH_TLS          1: the module speaks TLS to Redis (a TLS port of
#                      the same redis-server, a CA made by openssl)  (0)
#   NGINX, REDIS_SERVER, REDIS_CLI, WRK             the binaries

set -u

ROOT=$(pwd)
WORK="$ROOT/build/bench"
NAME=bench
. "$ROOT/bench/lib.sh"      # start/stop of redis and nginx, ports, figures

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
WORKERS=${BENCH_WORKERS:-1}
IDS=${BENCH_IDS:-400000}
BODY_SIZE=${BENCH_BODY_SIZE:-2048}

SECRET="bench-consumer-secret-6e1f0c2a9b7d4e58"

# ------------------------------------------------------------- checks

check_setup CONNECTIONS THREADS WORKERS IDS BODY_SIZE
[ "$CONNECTIONS" -ge "$THREADS" ] || die "fewer connections than threads"
SECS=$(seconds "$DURATION")
case "$SECS" in
''|*[!0-9]*|0) die "BENCH_DURATION must be like 10s, 1m (not \"$DURATION\")" ;;
esac

mkdir -p "$WORK/tmp" || exit 1
rm -f "$WORK/error.log" "$WORK/redis.log" "$WORK/wrk-ping.txt" \
      "$WORK/wrk-webhook.txt" "$WORK/times"

NGINX_PORT=$(free_port "${BENCH_NGINX_PORT:-}") || die "no nginx port"
REDIS_PORT=$(free_port "${BENCH_REDIS_PORT:-}" "$NGINX_PORT") \
    || die "no redis port"

# ------------------------------------------------------------- requests

echo "bench: generating $IDS signed deliveries of $BODY_SIZE bytes"
perl bench/gen.pl "$WORK" "$SECRET" "$IDS" "$BODY_SIZE" \
    || die "could not generate the deliveries"

# ------------------------------------------------------------- redis

start_redis "$REDIS_PORT"

# ------------------------------------------------------------- nginx

nginx_conf "$WORKERS" bench/run.sh <<EOF
        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $SECRET;
        }

EOF
start_nginx

# one signed delivery by hand: the set-up must answer "ignored" before
# wrk runs (this also has the worker load the script into Redis)
answer=$(curl -s -w ' %{http_code}' \
    -H 'Content-Type: application/json; charset=utf-8' \
    -H "x-twitter-webhooks-signature: $(cat "$WORK/check.sig")" \
    --data-binary @"$WORK/check.body" \
    "http://127.0.0.1:$NGINX_PORT/webhooks/x")
case "$answer" in
*'"outcome":"ignored","reason":"no_offer"'*' 200') ;;
*)  cat "$WORK/error.log" >&2 2>/dev/null
    die "smoke test: expected 200 ignored/no_offer, got: $answer" ;;
esac

sleep 1
RSS_START=$(rss)
REDIS_MEM_START=$(redis_mem)

echo "bench: nginx $("$NGINX" -v 2>&1 | sed 's/.*: //') on" \
     "127.0.0.1:$NGINX_PORT, $WORKERS worker(s), workers $(workers | tr '\n' ' ')"
echo "bench: redis $("$REDIS_SERVER" --version | awk '{ print $3 }' |
     sed 's/v=//') on 127.0.0.1:$REDIS_PORT, pid $REDIS_PID"
echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: wrk -t$THREADS -c$CONNECTIONS -d$DURATION for each location"

# ------------------------------------------------------------- wrk

# run NAME PATH ARGS...: wrk into $WORK/wrk-NAME.txt, shown as it is;
# sets RPS, OK, BAD, SOCKERR, CPU_NGINX, CPU_REDIS, CPU_WRK, US_REQ (nginx
# worker CPU microseconds per good answer), CHECK
run() {
    name=$1
    path=$2
    shift 2
    out="$WORK/wrk-$name.txt"
    echo
    echo "=== $name: $WRK -t$THREADS -c$CONNECTIONS -d$DURATION --latency" \
         "-s bench/wrk.lua http://127.0.0.1:$NGINX_PORT$path -- $*"
    # shellcheck disable=SC2046  # one argument per worker pid
    w0=$(ticks $(workers))
    r0=$(ticks "$REDIS_PID")
    times > "$WORK/times"
    c0=$(child_cpu "$WORK/times")
    t0=$(date +%s.%N)
    "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s bench/wrk.lua "http://127.0.0.1:$NGINX_PORT$path" -- "$@" \
        > "$out" 2>&1
    rc=$?
    WALL=$(since "$t0")
    times > "$WORK/times"
    c1=$(child_cpu "$WORK/times")
    # shellcheck disable=SC2046
    w1=$(ticks $(workers))
    r1=$(ticks "$REDIS_PID")
    cat "$out"
    if [ $rc -ne 0 ]; then
        echo "bench: $name: wrk exited with status $rc" >&2
        failed=1
    fi
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    CHECK=$(grep '^hashpay-check: ok=' "$out")
    OK=$(echo "$CHECK" | sed -n 's/.* ok=\([0-9]*\).*/\1/p')
    BAD=$(echo "$CHECK" | sed -n 's/.* bad=\([0-9]*\).*/\1/p')
    SOCKERR=$(sockerr "$out")
    CPU_NGINX=$(awk -v t=$((w1 - w0)) -v hz="$HZ" -v s="$WALL" \
                'BEGIN { printf "%.0f%%", 100 * t / hz / s }')
    CPU_REDIS=$(awk -v t=$((r1 - r0)) -v hz="$HZ" -v s="$WALL" \
                'BEGIN { printf "%.0f%%", 100 * t / hz / s }')
    US_REQ=$(awk -v t=$((w1 - w0)) -v hz="$HZ" -v n="${OK:-0}" \
             'BEGIN { if (n > 0) printf "%.1f", 1e6 * t / hz / n
                      else print "n/a" }')
    CPU_WRK=$(awk -v a="$c0" -v b="$c1" -v s="$WALL" \
              'BEGIN { printf "%.0f%%", 100 * (b - a) / s }')
    if [ -z "$RPS" ] || [ -z "$OK" ]; then
        echo "bench: $name: no result from wrk" >&2
        failed=1
        RPS=0 OK=0 BAD=0
    fi
    if [ "$BAD" != 0 ]; then
        echo "bench: $name: $BAD WRONG ANSWERS (see above)" >&2
        failed=1
    fi
    if [ "$SOCKERR" != 0 ]; then
        echo "bench: $name: $SOCKERR socket errors" >&2
        failed=1
    fi
}

run ping /ping ping "$THREADS"
PING_RPS=$RPS PING_OK=$OK PING_BAD=$BAD PING_SOCKERR=$SOCKERR
PING_CPU="$CPU_NGINX, $CPU_REDIS, $CPU_WRK" PING_US=$US_REQ
RSS_MID=$(rss)

run webhook /webhooks/x webhook "$THREADS" "$WORK/body.tmpl" \
    "$WORK/pairs.txt"
HOOK_RPS=$RPS HOOK_OK=$OK HOOK_BAD=$BAD HOOK_SOCKERR=$SOCKERR
HOOK_CPU="$CPU_NGINX, $CPU_REDIS, $CPU_WRK" HOOK_US=$US_REQ
HOOK_CHECK=$CHECK
RSS_END=$(rss)

REDIS_MEM_END=$(redis_mem)
REDIS_KEYS=$(rcli dbsize)

# ------------------------------------------------------------- report

RATIO=$(ratio "$HOOK_RPS" "$PING_RPS")
WRAPPED=$(echo "$HOOK_CHECK" | sed -n 's/.* wrapped=\([0-9]*\).*/\1/p')
SENT=$(echo "$HOOK_CHECK" | sed -n 's/.* ids=\([0-9]*\).*/\1/p')

cleanup        # stop nginx and redis before reading the error log

LOGLINES=$(grep -c . "$WORK/error.log" 2>/dev/null)
LOGLINES=${LOGLINES:-0}

echo
echo "================================================================"
echo "hashpay bench $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
     "nginx worker_processes $WORKERS, wrk -t$THREADS -c$CONNECTIONS" \
     "-d$DURATION, body $BODY_SIZE bytes"
printf '%-18s %11s  %-26s %s\n' "" "requests/s" "answers ok/wrong/sockerr" \
       "CPU: nginx workers, redis, wrk"
printf '%-18s %11s  %-26s %s\n' "ping (return 204)" "$PING_RPS" \
       "$PING_OK / $PING_BAD / $PING_SOCKERR" "$PING_CPU"
printf '%-18s %11s  %-26s %s\n' "webhook (ignored)" "$HOOK_RPS" \
       "$HOOK_OK / $HOOK_BAD / $HOOK_SOCKERR" "$HOOK_CPU"
echo "ratio webhook/ping     $RATIO"
echo "nginx CPU per request  ping $PING_US us, webhook $HOOK_US us" \
     "(worker CPU time / good answers)"
echo "tweet ids              ${SENT:-?} requests built from $IDS distinct ids," \
     "wrapped around: $( [ "${WRAPPED:-0}" = 0 ] && echo no ||
                         echo "YES ($WRAPPED times; raise BENCH_IDS)")"
echo "nginx worker VmRSS     start $RSS_START"
echo "                       after ping $RSS_MID"
echo "                       after webhook $RSS_END"
echo "redis used_memory      start $REDIS_MEM_START B, end $REDIS_MEM_END B," \
     "keys at end $REDIS_KEYS"
echo "nginx error log        $LOGLINES line(s) at warn or above" \
     "($WORK/error.log)"
if [ "$LOGLINES" != 0 ]; then
    head -n 10 "$WORK/error.log"
    failed=1
fi
echo "================================================================"

if [ "$failed" != 0 ]; then
    echo "bench: FAILED (see above)" >&2
    exit 1
fi
