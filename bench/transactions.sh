#!/bin/sh
# Card-transaction throughput benchmark (issue 5), run by
# `make bench-transactions` (after building) from the repository root as
#
#     sh bench/transactions.sh
#
# In one run against one nginx (worker_processes 1, or BENCH_WORKERS)
# and a private Redis,
# with the same wrk -t/-c/-d each time:
#   credited  POST /webhooks/card (hashpay_transactions): signed card
#             transactions of 2500 cents at the offer's merchant, each on a
#             different linked user's card, each with its own txn_id and
#             webhook-id, each sent once; right answer: 200
#             {"outcome":"credited","cashback_cents":500};
#             (between the two, the users not reached yet get their
#             transaction too, unmeasured, so that no claim is left);
#   no_claim  POST /webhooks/card: new transactions, every other one on the
#             card of a user whose claim was used, the others on cards that
#             are linked to nobody; right answer: 200
#             {"outcome":"no_claim","cashback_cents":0};
#   ping      GET /ping, `return 204;` (the ceiling).
# Prints the requests/s of each, credited/ping and no_claim/ping, the
# right/wrong answer counts, socket errors, the nginx worker's CPU and
# VmRSS, and Redis used_memory; says so (and fails) if a pre-signed pool
# ran out.  Exits non-zero on wrong answers, socket errors or a non-empty
# nginx error log.
#
# Set-up: one cashback offer BenchCash (merchant mch_bench, 500 cents back
# on >= 1000 cents, per_user_limit 1, a huge stock) PUT through the admin
# API; BENCH_USERS users linked (hashpay:link:<user>, hashpay:card:<token>)
# and given one saved claim each (hashpay:claim:clm_<n>, the
# hashpay:claims:<user> zset and its index by merchant and currency,
# hashpay:claims:<user>:<merchant>:<currency>, which is what a transaction
# reads; hashpay:bought:benchcash:<user>, the offer's claimed counter and hashpay:claim_seq), written straight into Redis per
# src/lua/README.md by EVALs of 50 000 users each.  The transactions of a
# run are signed (bench/transactions.pl) right before it, so their
# webhook-timestamp is within hashpay_transactions_tolerance (default 5m)
# when they are sent (the conf says 5m; a BENCH_DURATION over 4m sets
# the duration + 2m instead).  Everything lives under
# build/bench-transactions/; nginx and Redis are stopped on exit.
#
# Knobs (environment):
#   BENCH_DURATION (10s)  BENCH_CONNECTIONS (32)  BENCH_THREADS (2)
#   BENCH_USERS            users linked, with a claim each = credited
#                          transactions (400000)
#   BENCH_WORKERS          nginx worker_processes (1)
#   BENCH_NGINX_PORT, BENCH_REDIS_PORT  (free ports in 7500-7599)
#   NGINX, REDIS_SERVER, REDIS_CLI, WRK  the binaries

set -u

ROOT=$(pwd)
WORK="$ROOT/build/bench-transactions"
NAME=bench-transactions
. "$ROOT/bench/lib.sh"      # start/stop of redis and nginx, ports, figures

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
USERS=${BENCH_USERS:-400000}

# key "bench-transactions-key-8d3f61a0c2e7"
SECRET="whsec_YmVuY2gtdHJhbnNhY3Rpb25zLWtleS04ZDNmNjFhMGMyZTc="
ADMIN_TOKEN="bench-admin-token-3c9d1e7f"
TAG=BenchCash
MERCHANT=mch_bench
AMOUNT=2500
CASHBACK=500
MIN_SPEND=1000
URI=/webhooks/card
TAG_KEY=$(echo "$TAG" | tr '[:upper:]' '[:lower:]')

check_setup CONNECTIONS THREADS USERS
[ "$CONNECTIONS" -ge "$THREADS" ] || die "fewer connections than threads"
SECS=$(seconds "$DURATION")
case "$SECS" in
''|*[!0-9]*|0) die "BENCH_DURATION must be like 10s, 1m (not \"$DURATION\")" ;;
esac

TOLERANCE=5m               # the default
[ "$SECS" -le 240 ] || TOLERANCE=$((SECS + 120))s

mkdir -p "$WORK/tmp" || exit 1
rm -f "$WORK"/error.log "$WORK"/redis.log "$WORK"/wrk-*.txt \
      "$WORK"/cards-*.txt "$WORK"/txn-*.txt "$WORK"/smoke.body

NGINX_PORT=$(free_port "${BENCH_NGINX_PORT:-}" 0 7500 7599) \
    || die "no nginx port"
REDIS_PORT=$(free_port "${BENCH_REDIS_PORT:-}" "$NGINX_PORT" 7500 7599) \
    || die "no redis port"

# ------------------------------------------------------------- redis, nginx

start_redis "$REDIS_PORT"

nginx_conf "${BENCH_WORKERS:-1}" bench/transactions.sh <<EOF
        location = $URI {
            hashpay_transactions;
            hashpay_transactions_secret $SECRET;
            hashpay_transactions_tolerance $TOLERANCE;
        }

        location /admin/ {
            hashpay_admin;
            hashpay_admin_token $ADMIN_TOKEN;
        }

EOF
start_nginx

offer='{"kind":"cashback","title":"5 back","stock":1000000000,'
offer="$offer\"per_user_limit\":1,\"merchant_id\":\"$MERCHANT\","
offer="$offer\"cashback_cents\":$CASHBACK,\"min_spend_cents\":$MIN_SPEND}"
answer=$(curl -s -w ' %{http_code}' -X PUT \
    -H "Authorization: Bearer $ADMIN_TOKEN" -d "$offer" \
    "http://127.0.0.1:$NGINX_PORT/admin/offers/$TAG")
case "$answer" in
*' 200'|*' 201') ;;
*) die "creating the offer: $answer" ;;
esac
echo "$NAME: offer $TAG: $answer"

# ------------------------------------------------------------- users, claims

# users 1..USERS, each with one saved claim of the offer (bench/lib.sh)
t0=$(date +%s.%N)
link_users "$USERS" "$TAG_KEY"
offer_key="hashpay:offer:$TAG_KEY"
CLAIMED=$(rcli hget "$offer_key" claimed)
[ "$CLAIMED" = "$USERS" ] || die "offer claimed is $CLAIMED, not $USERS"
echo "$NAME: linked $USERS users with one saved claim each in" \
     "$(since "$t0") s"

# ------------------------------------------------------------- requests

# sign KIND CARDS_FILE -> $WORK/txn-KIND.txt
sign() {
    perl bench/transactions.pl "$WORK/txn-$1.txt" "$SECRET" "$1" \
        "$MERCHANT" "$AMOUNT" < "$2" || die "could not sign the $1 pool"
}

# one transaction by hand before wrk runs (it also has the worker load the
# script into Redis): a card linked to nobody must answer no_claim
echo "1 tok_smoke_1" > "$WORK/cards-smoke.txt"
sign smoke "$WORK/cards-smoke.txt" > /dev/null
field() { cut -f"$1" "$WORK/txn-smoke.txt"; }
field 4 | tr -d '\n' > "$WORK/smoke.body"
answer=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
    -H "webhook-id: $(field 1)" -H "webhook-timestamp: $(field 2)" \
    -H "webhook-signature: v1,$(field 3)" \
    --data-binary @"$WORK/smoke.body" "http://127.0.0.1:$NGINX_PORT$URI")
[ "$answer" = '{"outcome":"no_claim","cashback_cents":0} 200' ] || {
    cat "$WORK/error.log" >&2 2>/dev/null
    die "smoke test: expected 200 no_claim, got: $answer"
}

sleep 1
RSS_START=$(rss)
REDIS_MEM_START=$(redis_mem)
KEYS_START=$(rcli dbsize)

echo "$NAME: nginx $("$NGINX" -v 2>&1 | sed 's/.*: //') on" \
     "127.0.0.1:$NGINX_PORT (worker $(workers | tr '\n' ' ')), redis" \
     "$("$REDIS_SERVER" --version | awk '{ print $3 }' | sed 's/v=//') on" \
     "127.0.0.1:$REDIS_PORT, $(nproc) CPUs, load" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$NAME: webhook-timestamps signed right before each run;" \
     "hashpay_transactions_tolerance $TOLERANCE"

# ------------------------------------------------------------- wrk

# run NAME PATH ARGS...: sets RPS OK BAD SENT POOL EXH SOCKERR WRONG CPU US
# EVALSHA (Redis's count and time per call of the run's EVALSHAs)
run() {
    name=$1
    path=$2
    shift 2
    out="$WORK/wrk-$name.txt"
    echo
    echo "=== $name: $WRK -t$THREADS -c$CONNECTIONS -d$DURATION --latency" \
         "-s bench/transactions.lua http://127.0.0.1:$NGINX_PORT$path -- $*"
    # shellcheck disable=SC2046  # one argument per worker pid
    w0=$(ticks $(workers))
    r0=$(ticks "$REDIS_PID")
    rcli config resetstat > /dev/null
    t0=$(date +%s.%N)
    "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s bench/transactions.lua "http://127.0.0.1:$NGINX_PORT$path" \
        -- "$@" > "$out" 2>&1
    rc=$?
    WALL=$(since "$t0")
    # shellcheck disable=SC2046
    w1=$(ticks $(workers))
    r1=$(ticks "$REDIS_PID")
    EVALSHA=$(rcli info commandstats | tr -d '\r' | awk -F'[:,=]' '
        /^cmdstat_evalsha:/ { printf "%d calls, %s us/call", $3, $7 }')
    cat "$out"
    [ $rc -eq 0 ] || { echo "$NAME: $name: wrk status $rc" >&2; failed=1; }
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
    CPU=$(awk -v w=$((w1 - w0)) -v r=$((r1 - r0)) -v hz="$HZ" \
              -v s="$WALL" \
          'BEGIN { printf "%.0f%%, %.0f%%", 100 * w / hz / s,
                                             100 * r / hz / s }')
    US=$(awk -v t=$((w1 - w0)) -v hz="$HZ" -v n="${OK:-0}" \
         'BEGIN { if (n > 0) printf "%.1f", 1e6 * t / hz / n
                  else print "n/a" }')
    if [ -z "$RPS" ] || [ -z "$OK" ]; then
        echo "$NAME: $name: no result from wrk" >&2
        failed=1 RPS=0 OK=0 BAD=0
    fi
    [ "$BAD" = 0 ] || { echo "$NAME: $name: $BAD WRONG ANSWERS" >&2
                        failed=1; }
    [ "$SOCKERR" = 0 ] || { echo "$NAME: $name: $SOCKERR socket errors" >&2
                            failed=1; }
    if [ "${EXH:-0}" != 0 ]; then
        echo "$NAME: $name: POOL EXHAUSTED: $EXH of $SENT requests re-sent" \
             "an already used transaction (pool $POOL)" >&2
        failed=1
    fi
}

# the users whose claim is still saved, as "<n> tok_bench_<n>" lines
unredeemed() {
    rcli --raw eval '
        local out = {}
        for i = 1, tonumber(ARGV[1]) do
            if redis.call("EXISTS", "hashpay:claims:14000000"
                          .. string.format("%011d", i)) == 1 then
                out[#out + 1] = i
            end
        end
        return out' 0 "$USERS" | awk 'NF { print $1, "tok_bench_" $1 }'
}

# credited: every linked user's card once, in order
awk -v n="$USERS" 'BEGIN { for (i = 1; i <= n; i++)
                               print i, "tok_bench_" i }' > "$WORK/cards-cred.txt"
printf '%s: credited pool: ' "$NAME"
sign cred "$WORK/cards-cred.txt"

run credited "$URI" post "$THREADS" "$WORK/txn-cred.txt" credited "$CASHBACK"
CRED_RPS=$RPS CRED_OK=$OK CRED_BAD=$BAD CRED_SENT=$SENT CRED_POOL=$POOL
CRED_EXH=$EXH CRED_SOCK=$SOCKERR CRED_WRONG=$WRONG CRED_CPU=$CPU CRED_US=$US
CRED_EVALSHA=$EVALSHA
RSS_CRED=$(rss)
REDEEMED_CRED=$(rcli hget "$offer_key" redeemed)

# top-up (not measured): the users not reached yet get their transaction
# (same webhook-id and txn_id as in the credited pool, signed anew), so
# that every claim is used before the no_claim run
round=0
while :; do
    unredeemed > "$WORK/cards-topup.txt"
    LEFT=$(grep -c . "$WORK/cards-topup.txt")
    [ "$LEFT" -gt 0 ] || break
    round=$((round + 1))
    [ $round -le 3 ] || die "$LEFT claims still saved after 3 top-ups"
    sign cred "$WORK/cards-topup.txt" > /dev/null
    t=$THREADS
    [ "$LEFT" -ge "$t" ] || t=1
    # each thread stops when its share is answered; -d is a bound
    secs=$(awk -v n="$LEFT" -v r="$CRED_RPS" \
           'BEGIN { r = r > 1000 ? r : 1000; printf "%d", n / r * 3 + 10 }')
    echo "$NAME: top-up $round (not measured): $LEFT more credited" \
         "transactions, wrk -t$t -c$CONNECTIONS, at most ${secs}s"
    "$WRK" -t"$t" -c"$CONNECTIONS" -d"${secs}s" \
        -s bench/transactions.lua "http://127.0.0.1:$NGINX_PORT$URI" \
        -- once "$t" "$WORK/txn-cred.txt" credited "$CASHBACK" \
        > "$WORK/wrk-topup-$round.txt" 2>&1
    grep '^hashpay-check: ok=' "$WORK/wrk-topup-$round.txt"
done
REDEEMED_TOPUP=$(rcli hget "$offer_key" redeemed)
[ "$REDEEMED_TOPUP" = "$USERS" ] \
    || die "offer redeemed is $REDEEMED_TOPUP after the top-up, not $USERS"

# no_claim: odd n the card of user n (linked, claim used), even n a card
# linked to nobody
awk -v n="$USERS" 'BEGIN { for (i = 1; i <= n; i++)
                               print i, (i % 2 ? "tok_bench_" : "tok_nolink_") i
                         }' > "$WORK/cards-none.txt"
printf '%s: no_claim pool: ' "$NAME"
sign none "$WORK/cards-none.txt"

run no_claim "$URI" post "$THREADS" "$WORK/txn-none.txt" no_claim 0
NONE_RPS=$RPS NONE_OK=$OK NONE_BAD=$BAD NONE_SENT=$SENT NONE_POOL=$POOL
NONE_EXH=$EXH NONE_SOCK=$SOCKERR NONE_WRONG=$WRONG NONE_CPU=$CPU NONE_US=$US
NONE_EVALSHA=$EVALSHA
RSS_NONE=$(rss)

run ping /ping ping "$THREADS"
PING_RPS=$RPS PING_OK=$OK PING_BAD=$BAD PING_SOCK=$SOCKERR PING_CPU=$CPU
PING_US=$US
RSS_END=$(rss)

REDEEMED=$(rcli hget "$offer_key" redeemed)
SAVED=$(rcli --raw eval '
    local n = 0
    for i = 1, tonumber(ARGV[1]) do
        if redis.call("HGET", "hashpay:claim:clm_" .. i, "state") == "saved"
        then n = n + 1 end
    end
    return n' 0 "$USERS")
REDIS_MEM_END=$(redis_mem)
KEYS_END=$(rcli dbsize)
XLEN=$(rcli xlen hashpay:events)
EVENTS=$(rcli get hashpay:event_seq)

cleanup

LOGLINES=$(grep -c . "$WORK/error.log" 2>/dev/null)
LOGLINES=${LOGLINES:-0}

if [ "$REDEEMED" != "$USERS" ] || [ "$SAVED" != 0 ]; then
    echo "$NAME: at the end $REDEEMED claims redeemed and $SAVED saved," \
         "expected $USERS and 0" >&2
    failed=1
fi
# wrk does not count the answers still in flight when -d ends, but they
# were processed: credited answers <= redeemed <= transactions sent
if [ "${REDEEMED_CRED:-0}" -lt "$CRED_OK" ] ||
   [ "${REDEEMED_CRED:-0}" -gt "${CRED_SENT:-0}" ]; then
    echo "$NAME: $REDEEMED_CRED claims redeemed in the credited run," \
         "$CRED_OK credited answers, $CRED_SENT sent" >&2
    failed=1
fi

pool() {    # pool SENT POOL EXHAUSTED
    if [ "${3:-0}" = 0 ]; then
        echo "$1 sent of $2 pre-signed, not exhausted"
    else
        echo "$1 sent of $2 pre-signed, EXHAUSTED ($3 re-sent)"
    fi
}

echo
echo "================================================================"
echo "hashpay transactions bench $(date -u '+%Y-%m-%d %H:%M UTC')," \
     "$(nproc) CPUs, worker_processes ${BENCH_WORKERS:-1}, wrk -t$THREADS -c$CONNECTIONS" \
     "-d$DURATION, $USERS linked users with a claim"
printf '%-20s %11s  %-26s %s\n' "" "requests/s" \
       "answers right/wrong/sockerr" "CPU: nginx, redis; nginx/answer"
printf '%-20s %11s  %-26s %s\n' "credited (500)" "$CRED_RPS" \
       "$CRED_OK / $CRED_BAD / $CRED_SOCK" "$CRED_CPU; $CRED_US us"
printf '%-20s %11s  %-26s %s\n' "no_claim (0)" "$NONE_RPS" \
       "$NONE_OK / $NONE_BAD / $NONE_SOCK" "$NONE_CPU; $NONE_US us"
printf '%-20s %11s  %-26s %s\n' "ping (return 204)" "$PING_RPS" \
       "$PING_OK / $PING_BAD / $PING_SOCK" "$PING_CPU; $PING_US us"
echo "ratio credited/ping    $(ratio "$CRED_RPS" "$PING_RPS")"
echo "ratio no_claim/ping    $(ratio "$NONE_RPS" "$PING_RPS")"
echo "redis EVALSHA          credited: ${CRED_EVALSHA:-none};" \
     "no_claim: ${NONE_EVALSHA:-none}"
echo "wrong credited answers ${CRED_WRONG:-?}"
echo "wrong no_claim answers ${NONE_WRONG:-?}"
echo "credited transactions  $(pool "$CRED_SENT" "$CRED_POOL" "$CRED_EXH")"
echo "no_claim transactions  $(pool "$NONE_SENT" "$NONE_POOL" "$NONE_EXH")" \
     "(half on used cards, half on unlinked ones)"
echo "claims                 redeemed in the credited run $REDEEMED_CRED," \
     "after the top-up $REDEEMED_TOPUP, at the end $REDEEMED; still saved" \
     "$SAVED"
echo "nginx worker VmRSS     start $RSS_START"
echo "                       after credited $RSS_CRED"
echo "                       after no_claim $RSS_NONE"
echo "                       after ping $RSS_END"
echo "redis used_memory      start $REDIS_MEM_START B ($KEYS_START keys)," \
     "end $REDIS_MEM_END B ($KEYS_END keys); events ${EVENTS:-0}" \
     "emitted, stream length $XLEN"
echo "nginx error log        $LOGLINES line(s) at warn or above" \
     "($WORK/error.log)"
if [ "$LOGLINES" != 0 ]; then
    head -n 10 "$WORK/error.log"
    failed=1
fi
echo "================================================================"

if [ "$failed" != 0 ]; then
    echo "$NAME: FAILED (see above)" >&2
    exit 1
fi
