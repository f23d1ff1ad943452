#!/bin/sh
# Purchase-path throughput benchmark (issue 4), run by `make bench-purchase`
# (after building) from the repository root as
#
#     sh bench/purchase.sh
#
# In one run against one nginx (worker_processes 1, or BENCH_WORKERS)
# and a private Redis,
# with the same wrk -t/-c/-d each time:
#   intent   POST /webhooks/x: signed intent tweets "#BenchOffer", each by
#            a different linked user with its own tweet id, each sent once;
#            right answer: 200 "outcome":"intent_created";
#   confirm  POST /webhooks/x: "yes #Confirm<CODE>" from the user of each
#            purchase created in the intent run (codes read from Redis,
#            deliveries signed between the runs), new tweet ids;
#            right answer: 200 "outcome":"confirmed";
#            (between the two, the intents not sent yet are sent too,
#            unmeasured, so that every linked user has a purchase to
#            confirm);
#   ping     GET /ping, `return 204;` (the ceiling).
# Prints the requests/s of each, intent/ping and confirm/ping, and the
# right/wrong answer counts; says so (and fails) if a pre-generated pool
# ran out.  Exits non-zero on wrong answers, socket errors or a non-empty
# nginx error log.  Set-up: BENCH_USERS users are linked (HASH
# hashpay:link:<user> + STRING hashpay:card:<token>, one EVAL), one
# purchase offer BenchOffer with a huge stock is PUT through the admin API.
# Everything lives under build/bench-purchase/; nginx and Redis are
# stopped on exit.
#
# Knobs (environment):
#   BENCH_DURATION (10s)  BENCH_CONNECTIONS (32)  BENCH_THREADS (2)
#   BENCH_USERS            users linked = intent deliveries (400000)
#   BENCH_WORKERS          nginx worker_processes (1)
#   BENCH_NGINX_PORT, BENCH_REDIS_PORT  (free ports in 7400-7499)
#   NGINX, REDIS_SERVER, REDIS_CLI, WRK  the binaries

set -u

ROOT=$(pwd)
WORK="$ROOT/build/bench-purchase"
NAME=bench-purchase
. "$ROOT/bench/lib.sh"      # start/stop of redis and nginx, ports, figures

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
USERS=${BENCH_USERS:-400000}

SECRET="bench-consumer-secret-6e1f0c2a9b7d4e58"
ADMIN_TOKEN="bench-admin-token-3c9d1e7f"
TAG=BenchOffer

check_setup CONNECTIONS THREADS USERS
[ "$CONNECTIONS" -ge "$THREADS" ] || die "fewer connections than threads"

mkdir -p "$WORK/tmp" || exit 1
rm -f "$WORK"/error.log "$WORK"/redis.log "$WORK"/wrk-*.txt \
      "$WORK"/intents.txt "$WORK"/confirms.txt "$WORK"/codes.txt \
      "$WORK"/bought.txt "$WORK"/topup.txt

NGINX_PORT=$(free_port "${BENCH_NGINX_PORT:-}" 0 7400 7499) \
    || die "no nginx port"
REDIS_PORT=$(free_port "${BENCH_REDIS_PORT:-}" "$NGINX_PORT" 7400 7499) \
    || die "no redis port"

echo "bench-purchase: generating $USERS signed intent deliveries"
perl bench/purchase.pl intents "$WORK/intents.txt" "$SECRET" "$USERS" "$TAG" \
    || die "could not generate the intents"

# ------------------------------------------------------------- redis

start_redis "$REDIS_PORT"

# link the users (ids as in bench/purchase.pl; bench/lib.sh)
t0=$(date +%s.%N)
link_users "$USERS"
echo "bench-purchase: linked $USERS users in $(since "$t0") s"

# ------------------------------------------------------------- nginx

nginx_conf "${BENCH_WORKERS:-1}" bench/purchase.sh <<EOF
        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $SECRET;
        }

        location /admin/ {
            hashpay_admin;
            hashpay_admin_token $ADMIN_TOKEN;
        }

EOF
start_nginx

answer=$(curl -s -w ' %{http_code}' -X PUT \
    -H "Authorization: Bearer $ADMIN_TOKEN" \
    -d '{"title":"Gift","price_cents":2500,"stock":1000000000}' \
    "http://127.0.0.1:$NGINX_PORT/admin/offers/$TAG")
case "$answer" in
*' 200'|*' 201') ;;
*) die "creating the offer: $answer" ;;
esac
echo "bench-purchase: offer $TAG: $answer"

echo "bench-purchase: nginx $("$NGINX" -v 2>&1 | sed 's/.*: //') on" \
     "127.0.0.1:$NGINX_PORT, redis on 127.0.0.1:$REDIS_PORT," \
     "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------- wrk

# run NAME PATH ARGS...: sets RPS OK BAD SENT POOL EXH SOCKERR WRONG
run() {
    name=$1
    path=$2
    shift 2
    out="$WORK/wrk-$name.txt"
    echo
    echo "=== $name: $WRK -t$THREADS -c$CONNECTIONS -d$DURATION --latency" \
         "-s bench/purchase.lua http://127.0.0.1:$NGINX_PORT$path -- $*"
    "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s bench/purchase.lua "http://127.0.0.1:$NGINX_PORT$path" -- "$@" \
        > "$out" 2>&1
    rc=$?
    cat "$out"
    [ $rc -eq 0 ] || { echo "bench-purchase: $name: wrk status $rc" >&2
                       failed=1; }
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    check=$(grep '^hashpay-check: ok=' "$out")
    OK=$(echo "$check" | sed -n 's/.* ok=\([0-9]*\).*/\1/p')
    BAD=$(echo "$check" | sed -n 's/.* bad=\([0-9]*\).*/\1/p')
    SENT=$(echo "$check" | sed -n 's/.* sent=\([0-9]*\).*/\1/p')
    POOL=$(echo "$check" | sed -n 's/.* pool=\([0-9]*\).*/\1/p')
    EXH=$(echo "$check" | sed -n 's/.* exhausted=\([0-9]*\).*/\1/p')
    WRONG=$(sed -n 's/^hashpay-check: wrong (status:outcome=count): //p' \
            "$out")
    SOCKERR=$(sockerr "$out")
    if [ -z "$RPS" ] || [ -z "$OK" ]; then
        echo "bench-purchase: $name: no result from wrk" >&2
        failed=1 RPS=0 OK=0 BAD=0
    fi
    [ "$BAD" = 0 ] || { echo "bench-purchase: $name: $BAD WRONG ANSWERS" >&2
                        failed=1; }
    [ "$SOCKERR" = 0 ] || { echo "bench-purchase: $name: $SOCKERR socket" \
                            "errors" >&2; failed=1; }
    if [ "${EXH:-0}" != 0 ]; then
        echo "bench-purchase: $name: POOL EXHAUSTED: $EXH of $SENT requests" \
             "re-sent an already used delivery (pool $POOL)" >&2
        failed=1
    fi
}

run intent /webhooks/x post "$THREADS" "$WORK/intents.txt" intent_created
INT_RPS=$RPS INT_OK=$OK INT_BAD=$BAD INT_SENT=$SENT INT_POOL=$POOL
INT_EXH=$EXH INT_SOCK=$SOCKERR INT_WRONG=$WRONG

# top-up (not measured): the intents not sent yet, so that the confirm
# run has a pending purchase for every one of the BENCH_USERS users
rcli --raw eval '
    local n = tonumber(redis.call("GET", "hashpay:purchase_seq") or "0")
    local out = {}
    for i = 1, n do
        out[#out + 1] = redis.call("HGET", "hashpay:purchase:pur_" .. i,
                                   "user_id")
    end
    return out' 0 > "$WORK/bought.txt" || die "reading the purchases failed"
awk -F'"' 'NR == FNR { had[$1] = 1; next } !($4 in had)' \
    "$WORK/bought.txt" "$WORK/intents.txt" > "$WORK/topup.txt"
LEFT=$(grep -c . "$WORK/topup.txt")
if [ "$LEFT" -gt 0 ]; then
    TOPUP_SECS=$(awk -v n="$LEFT" -v r="$INT_RPS" \
                 'BEGIN { r = r > 1000 ? r : 1000; printf "%d", n / r * 1.3 + 2 }')
    echo "bench-purchase: top-up (not measured): $LEFT more intents," \
         "wrk -d${TOPUP_SECS}s"
    "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${TOPUP_SECS}s" \
        -s bench/purchase.lua "http://127.0.0.1:$NGINX_PORT/webhooks/x" \
        -- post "$THREADS" "$WORK/topup.txt" intent_created \
        > "$WORK/wrk-topup.txt" 2>&1
    grep '^hashpay-check: ok=' "$WORK/wrk-topup.txt"
fi

# every purchase's user and code -> confirmation deliveries
t0=$(date +%s.%N)
pending_codes > "$WORK/codes.txt" || die "reading the codes failed"
PENDING=$(grep -c . "$WORK/codes.txt")
PURCHASES=$(rcli get hashpay:purchase_seq)
perl bench/purchase.pl confirms "$WORK/confirms.txt" "$SECRET" Confirm \
    < "$WORK/codes.txt" || die "could not generate the confirmations"
echo "bench-purchase: $PURCHASES purchases, $PENDING pending; codes read" \
     "and confirmations signed in $(since "$t0") s"
[ "$PENDING" -gt 0 ] || die "no pending purchase to confirm"

run confirm /webhooks/x post "$THREADS" "$WORK/confirms.txt" confirmed
CON_RPS=$RPS CON_OK=$OK CON_BAD=$BAD CON_SENT=$SENT CON_POOL=$POOL
CON_EXH=$EXH CON_SOCK=$SOCKERR CON_WRONG=$WRONG

run ping /ping ping "$THREADS"
PING_RPS=$RPS PING_OK=$OK PING_BAD=$BAD PING_SOCK=$SOCKERR

SOLD=$(rcli hget "hashpay:offer:$(echo "$TAG" | tr 'A-Z' 'a-z')" sold)
KEYS=$(rcli dbsize)

cleanup

LOGLINES=$(grep -c . "$WORK/error.log" 2>/dev/null)
LOGLINES=${LOGLINES:-0}

pool() {    # pool SENT POOL EXHAUSTED
    if [ "${3:-0}" = 0 ]; then
        echo "$1 sent of $2 pre-signed, not exhausted"
    else
        echo "$1 sent of $2 pre-signed, EXHAUSTED ($3 re-sent)"
    fi
}

echo
echo "================================================================"
echo "hashpay purchase bench $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc)" \
     "CPUs, worker_processes ${BENCH_WORKERS:-1}, wrk -t$THREADS -c$CONNECTIONS -d$DURATION," \
     "$USERS linked users"
printf '%-20s %11s  %s\n' "" "requests/s" "answers right / wrong / sockerr"
printf '%-20s %11s  %s\n' "intent (created)" "$INT_RPS" \
       "$INT_OK / $INT_BAD / $INT_SOCK"
printf '%-20s %11s  %s\n' "confirm (confirmed)" "$CON_RPS" \
       "$CON_OK / $CON_BAD / $CON_SOCK"
printf '%-20s %11s  %s\n' "ping (return 204)" "$PING_RPS" \
       "$PING_OK / $PING_BAD / $PING_SOCK"
echo "ratio intent/ping     $(ratio "$INT_RPS" "$PING_RPS")"
echo "ratio confirm/ping    $(ratio "$CON_RPS" "$PING_RPS")"
echo "wrong intent answers  ${INT_WRONG:-?}"
echo "wrong confirm answers ${CON_WRONG:-?}"
echo "intent deliveries     $(pool "$INT_SENT" "$INT_POOL" "$INT_EXH")"
echo "confirm deliveries    $(pool "$CON_SENT" "$CON_POOL" "$CON_EXH")" \
     "(one per pending purchase)"
echo "redis at end          purchases $PURCHASES, offer sold $SOLD," \
     "keys $KEYS"
echo "nginx error log       $LOGLINES line(s) at warn or above" \
     "($WORK/error.log)"
if [ "$LOGLINES" != 0 ]; then
    head -n 10 "$WORK/error.log"
    failed=1
fi
echo "================================================================"

if [ "$failed" != 0 ]; then
    echo "bench-purchase: FAILED (see above)" >&2
    exit 1
fi
