#!/bin/sh
# `make bench-callgrind`: instructions per webhook delivery, counted by
# valgrind --tool=callgrind on nginx -g 'master_process off; daemon off;'
# with one worker (the process itself) serving BENCH_CG_REQUESTS signed
# deliveries (bench/post.pl, one keep-alive connection), counted only while
# they are served (--instr-atstart=no, callgrind_control -i on/off), then
# split by callgrind_annotate --inclusive=yes into
#
#   HMAC    ngx_http_hashpay_check_signature, or ngx_http_hashpay_x_verify
#           where the compiler inlined the former (the HMAC, the compare)
#   JSON    the reading of the body: ngx_http_hashpay_scan_delivery, or
#           (a module built before issue 14) json_loadb +
#           ngx_http_hashpay_delivery_read + json_delete (the document
#           freed by the pool's cleanup)
#   module  the rest of ngx_http_hashpay_handler_body (before it,
#           ngx_http_hashpay_webhook_body) (the answer built,
#           metrics, and its finalization: the response written)
#   nginx   the rest: the event loop, HTTP parsing, reading the body,
#           freeing the request
#
# Knobs: BENCH_CG_REQUESTS (default 2000), BENCH_CG_SCENARIO (a: tweets
# without a hashtag, ignored no_hashtag, no Redis call, the default; b:
# hashtags naming no offer, ignored no_offer, one Redis call),
# BENCH_CG_MODULE (another build of the module, e.g. one from before
# issue 14, to compare), BENCH_BODY_SIZE (2048).  Files in
# build/bench-callgrind/ (callgrind.out, annotate.txt).

set -u

ROOT=$(pwd)
WORK="$ROOT/build/bench-callgrind"
NAME=bench-callgrind
. "$ROOT/bench/lib.sh"

MODULE=${BENCH_CG_MODULE:-$MODULE}
REQUESTS=${BENCH_CG_REQUESTS:-2000}
SCENARIO=${BENCH_CG_SCENARIO:-a}
BODY_SIZE=${BENCH_BODY_SIZE:-2048}
SECRET="bench-consumer-secret-6e1f0c2a9b7d4e58"

# the inclusive Ir of each function named (the larger of its entries;
# 0 when absent or inlined; recursion levels f'2... left out: callgrind
# counts them twice), and the total
report() {
awk -v n="$REQUESTS" -v scenario="$SCENARIO" -v module="$MODULE" '
    function num(s) { gsub(/,/, "", s); return s + 0 }
    /PROGRAM TOTALS/ { total = num($1); next }
    $1 ~ /^[0-9][0-9,]*$/ && $2 ~ /^\(/ {
        f = $0
        sub(/ \[.*/, "", f)
        sub(/.*:/, "", f)
        # f\047N: the Nth level of a recursion, counted in f already
        if (f ~ /\047[0-9]+$/) next
        if (num($1) > ir[f]) ir[f] = num($1)
    }
    END {
        hmac = ir["ngx_http_hashpay_check_signature"]
        if (hmac == 0) hmac = ir["ngx_http_hashpay_x_verify"]
        # json_delete runs in the pool cleanup, after the body handler
        json_in = ir["ngx_http_hashpay_scan_delivery"] + ir["json_loadb"] \
                  + ir["ngx_http_hashpay_delivery_read"]
        json = json_in + ir["json_delete"]
        body = ir["ngx_http_hashpay_webhook_body"]
        # since the shared handler (src/ngx_http_hashpay_handler.c)
        if (body == 0) body = ir["ngx_http_hashpay_handler_body"]
        rest = body - hmac - json_in
        nginx = total - body - ir["json_delete"]
        printf "bench-callgrind: %s, scenario %s, %d deliveries\n", \
               module, scenario, n
        printf "  %-8s %10s %7s\n", "part", "Ir/req", "share"
        printf "  %-8s %10.0f %6.1f%%\n", "HMAC", hmac / n, 100 * hmac / total
        printf "  %-8s %10.0f %6.1f%%\n", "JSON", json / n, 100 * json / total
        printf "  %-8s %10.0f %6.1f%%\n", "module", rest / n, \
               100 * rest / total
        printf "  %-8s %10.0f %6.1f%%\n", "nginx", nginx / n, \
               100 * nginx / total
        printf "  %-8s %10.0f %6.1f%%\n", "total", total / n, 100
    }' "$1"
}

# BENCH_CG_ANNOTATE=FILE: only the report of a saved callgrind_annotate
if [ -n "${BENCH_CG_ANNOTATE:-}" ]; then
    report "$BENCH_CG_ANNOTATE"
    exit
fi

check_setup REQUESTS BODY_SIZE
command -v valgrind >/dev/null || die "valgrind not installed"
command -v callgrind_annotate >/dev/null || die "callgrind_annotate missing"
case "$SCENARIO" in
a|b) ;;
*) die "BENCH_CG_SCENARIO must be a or b" ;;
esac

mkdir -p "$WORK/tmp" || exit 1
rm -f "$WORK/error.log" "$WORK/callgrind.out" "$WORK/annotate.txt"

NGINX_PORT=$(free_port) || die "no nginx port"
REDIS_PORT=$(free_port "" "$NGINX_PORT") || die "no redis port"

# one of gen.pl's v1.1 templates (odd lines), the one nearest BODY_SIZE,
# made a body.tmpl for post.pl: the post id 19 '@', by alice (its author)
perl bench/gen.pl nooffer "$WORK/gen" "$SECRET" 1 1401234567000000000 \
    > /dev/null || die "could not generate the delivery template"
U=$(cut -f4 "$WORK/gen" | head -1)
S=$(cut -f5 "$WORK/gen" | head -1)
awk -v want="$BODY_SIZE" -v u="$U" -v s="$S" '
    NR % 2 == 1 {
        d = length($0) - want
        if (d < 0) d = -d
        if (best == "" || d < bestd) { best = $0; bestd = d }
    }
    END {
        gsub(/@@T@@/, "@@@@@@@@@@@@@@@@@@@", best)
        gsub(/@@U@@/, u, best)
        gsub(/@@S@@/, s, best)
        printf "%s", best
    }' "$WORK/gen.tmpl" > "$WORK/body.tmpl" \
    && [ -s "$WORK/body.tmpl" ] \
    || die "could not generate the delivery template"

start_redis "$REDIS_PORT"

nginx_conf 1 bench/callgrind.sh <<EOF
        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $SECRET;
        }

EOF
sed -i 's/^master_process on;/master_process off;/' "$WORK/nginx.conf"

valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$WORK/callgrind.out" \
    "$NGINX" -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/error.log" \
    > "$WORK/valgrind.log" 2>&1 &
NGINX_PID=$!

i=0
until [ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
            "http://127.0.0.1:$NGINX_PORT/ping" 2>/dev/null)" = 204 ]
do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
        cat "$WORK/valgrind.log" "$WORK/error.log" >&2 2>/dev/null
        die "nginx under valgrind did not start"
    fi
    sleep 0.2
done

# warm up (first allocations, the worker's first request), then count
perl bench/post.pl "$NGINX_PORT" "$SECRET" "$WORK/body.tmpl" \
    1401234567000000000 20 "$SCENARIO" > /dev/null || die "warm-up failed"

callgrind_control -i on "$NGINX_PID" > /dev/null \
    || die "callgrind_control -i on failed"

perl bench/post.pl "$NGINX_PORT" "$SECRET" "$WORK/body.tmpl" \
    1402234567000000000 "$REQUESTS" "$SCENARIO" || die "requests failed"

callgrind_control -i off "$NGINX_PID" > /dev/null

# QUIT: nginx exits and callgrind writes its file (which takes a while).
# Under valgrind the signal may only be seen once epoll_wait() returns,
# and an idle worker has no timer to end it (it waited 25 min once): a
# request now and then wakes the loop, which then exits.
kill -QUIT "$NGINX_PID" 2>/dev/null
i=0
while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 600 ]; do
    if [ $((i % 5)) = 0 ]; then
        curl -s --max-time 1 -o /dev/null \
            "http://127.0.0.1:$NGINX_PORT/ping" 2>/dev/null
    fi
    sleep 0.2
    i=$((i + 1))
done
wait "$NGINX_PID" 2>/dev/null
NGINX_PID=
cleanup

[ -s "$WORK/callgrind.out" ] || die "no callgrind output"

callgrind_annotate --inclusive=yes --threshold=100 "$WORK/callgrind.out" \
    > "$WORK/annotate.txt" 2>/dev/null

report "$WORK/annotate.txt"
