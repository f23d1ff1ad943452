#!/bin/sh
# Soak of the bounded state (issue 12, point 4), run by `make bench-soak`
# (after building) from the repository root as
#
#     sh bench/soak.sh
#
# History grows in steps against one nginx (worker_processes 1) and a
# private Redis; at each step it measures Redis's used_memory and the
# per-call time of tweet.lua, transaction.lua and offer_list.lua (INFO
# commandstats: usec_per_call of EVALSHA, each scenario run alone after a
# CONFIG RESETSTAT).  Step k (0 .. SOAK_STEPS) has behind it:
#
#   k x SOAK_INTENTS intents that expired unconfirmed: real deliveries
#            through nginx (tweet.lua), with hashpay_confirm_ttl 1s and
#            hashpay_dedupe_ttl 30s, so that their purchases, codes and
#            tweet records expire during the soak; memory is read once
#            they have (the TTL plus the time Redis takes to evict);
#   k x SOAK_CLAIM_USERS x SOAK_CLAIMS saved claims of the first
#            SOAK_CLAIM_USERS users, spread over 999 merchants (mch_0001 ..
#            mch_0999), written straight into Redis per src/lua/README.md
#            by EVALs (the claim hash, the user's claims set and its index
#            by merchant and currency, bought:, the offer's claimed);
#   1 + 1000 + k x SOAK_OFFERS offers: SoakGift (the intents' offer), the
#            cashback offers cb_0000 .. cb_0999 (merchant mch_<n>) and the
#            purchase offers soak_<n>, PUT through the admin API.
#
# At each step, in this order:
#   memory       used_memory and DBSIZE (row k);
#   tweet        SOAK_INTENTS new intents (one per linked user, signed by
#                bench/soak.pl, no timestamp_ms: never stale), each sent
#                once: 200 intent_created;
#   transaction  one fresh claim at mch_0000 for each claim user (its
#                newest), then one transaction each there (2500 cents,
#                bench/transactions.pl, signed right before): 200
#                credited 500; the claims at the 999 other merchants are
#                what transaction.lua must not read;
#   offer_list   GET offers?limit=100 for SOAK_LIST_SECONDS: 200;
#   then (k < SOAK_STEPS) the wait for this step's intents to expire, and
#   the claims and offers of the next step (the memory they take is that
#   of records, which stay).
# The events stream (hashpay_events_maxlen 10000 here) is filled to its
# cap with placeholder entries before step 0, so that its one-time filling
# is not taken for growth.
#
# Prints, per step, the history behind it, the number of keys, used_memory,
# how much of it the records seeded for the step take (claims and offers
# stay: they are records), what the last step's runs left once their TTLs
# passed ("residue", in used_memory and in used_memory_dataset), the memory
# less every record seeded so far (flat when expired history leaves
# nothing), the per-call times, and the ratios to step 0.  Exits non-zero
# on a wrong answer, a socket error, a non-empty nginx error log, or a run
# that does not finish its items.  Everything lives under
# build/bench-soak/; nginx and Redis are stopped on exit.  About 3 minutes
# on 2 CPUs with the defaults (most of it the waits for expiry).
#
# Knobs (environment):
#   SOAK_STEPS (3)  SOAK_INTENTS (100000, also the number of linked users)
#   SOAK_CLAIM_USERS (5000)  SOAK_CLAIMS (20 per claim user per step)
#   SOAK_OFFERS (3000 per step)  SOAK_LIST_SECONDS (3)
#   BENCH_CONNECTIONS (32)  BENCH_THREADS (2)
#   BENCH_NGINX_PORT, BENCH_REDIS_PORT  (free ports in 7600-7699)
#   SOAK_MODULE            the module to load (default
#                          build/ngx_http_hashpay_module.so), e.g. an older
#                          build, to compare
#   NGINX, REDIS_SERVER, REDIS_CLI, WRK  the binaries

set -u

ROOT=$(pwd)
WORK="$ROOT/build/bench-soak"
NAME=bench-soak
. "$ROOT/bench/lib.sh"      # start/stop of redis and nginx, ports, figures
MODULE=${SOAK_MODULE:-$MODULE}

STEPS=${SOAK_STEPS:-3}
INTENTS=${SOAK_INTENTS:-100000}
CLAIM_USERS=${SOAK_CLAIM_USERS:-5000}
CLAIMS=${SOAK_CLAIMS:-20}
OFFERS=${SOAK_OFFERS:-3000}
LIST_SECONDS=${SOAK_LIST_SECONDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}

SECRET="soak-consumer-secret-9a4c2e71d05b"
# key "soak-transactions-key-1b7e94c2"
TXN_SECRET="whsec_c29hay10cmFuc2FjdGlvbnMta2V5LTFiN2U5NGMy"
ADMIN_TOKEN="soak-admin-token-5f2a8c1e"
TAG=SoakGift
CONFIRM_TTL=1       # s
DEDUPE_TTL=30       # s
TOLERANCE=15        # s; dedupe ttl >= 2 x tolerance
MAXLEN=10000
MERCHANTS=1000
BATCH=20000         # claims per EVAL

check_setup STEPS INTENTS CLAIM_USERS CLAIMS OFFERS LIST_SECONDS \
            CONNECTIONS THREADS
[ "$CONNECTIONS" -ge "$THREADS" ] || die "fewer connections than threads"
[ "$CLAIM_USERS" -le "$INTENTS" ] || die "more claim users than users"

mkdir -p "$WORK/tmp" || exit 1
rm -f "$WORK"/error.log "$WORK"/redis.log "$WORK"/wrk-*.txt \
      "$WORK"/intents-*.txt "$WORK"/txn-*.txt "$WORK"/cards.txt

NGINX_PORT=$(free_port "${BENCH_NGINX_PORT:-}" 0 7600 7699) \
    || die "no nginx port"
REDIS_PORT=$(free_port "${BENCH_REDIS_PORT:-}" "$NGINX_PORT" 7600 7699) \
    || die "no redis port"

T_START=$(date +%s.%N)
URL="http://127.0.0.1:$NGINX_PORT"

# ------------------------------------------------------------- redis, nginx

start_redis "$REDIS_PORT"

# users 1..INTENTS, as bench/soak.pl names them: id 14000000<n, 11 digits>,
# screen name bench<n>, card tok_bench_<n>
linked=$(rcli eval '
    local t = redis.call("TIME")
    local now = tostring(t[1] * 1000 + math.floor(t[2] / 1000))
    for i = 1, tonumber(ARGV[1]) do
        local uid = "14000000" .. string.format("%011d", i)
        local tok = "tok_bench_" .. i
        redis.call("HSET", "hashpay:link:" .. uid, "user_id", uid,
                   "card_token", tok, "screen_name", "bench" .. i,
                   "linked_at", now)
        redis.call("SET", "hashpay:card:" .. tok, uid)
    end
    return tonumber(ARGV[1])' 0 "$INTENTS")
[ "$linked" = "$INTENTS" ] || die "linking the users failed: $linked"

nginx_conf 1 bench/soak.sh <<EOF
        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $SECRET;
            hashpay_confirm_ttl ${CONFIRM_TTL}s;
            hashpay_dedupe_ttl ${DEDUPE_TTL}s;
        }

        location = /webhooks/card {
            hashpay_transactions;
            hashpay_transactions_secret $TXN_SECRET;
            hashpay_transactions_tolerance ${TOLERANCE}s;
            hashpay_dedupe_ttl ${DEDUPE_TTL}s;
        }

        location /admin/ {
            hashpay_admin;
            hashpay_admin_token $ADMIN_TOKEN;
        }

EOF
# an http-level directive: after hashpay_redis
sed -i "s|^    hashpay_redis .*|&\n    hashpay_events_maxlen $MAXLEN;|" \
    "$WORK/nginx.conf"
start_nginx

answer=$(curl -s -w ' %{http_code}' -X PUT \
    -H "Authorization: Bearer $ADMIN_TOKEN" \
    -d '{"title":"Gift","price_cents":2500,"stock":1000000000}' \
    "$URL/admin/offers/$TAG")
case "$answer" in
*' 201') ;;
*) die "creating the offer $TAG: $answer" ;;
esac

echo "$NAME: nginx $("$NGINX" -v 2>&1 | sed 's/.*: //') on" \
     "127.0.0.1:$NGINX_PORT (worker $(workers | tr '\n' ' ')), redis" \
     "$("$REDIS_SERVER" --version | awk '{ print $3 }' | sed 's/v=//') on" \
     "127.0.0.1:$REDIS_PORT, $(nproc) CPUs, load" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$NAME: $INTENTS users linked; confirm_ttl ${CONFIRM_TTL}s," \
     "dedupe_ttl ${DEDUPE_TTL}s, events maxlen $MAXLEN"

# ------------------------------------------------------------- helpers

# wrk_once NAME PATH ARGS...: a wrk run of bench/soak.lua whose items are
# each sent once; sets OK BAD SENT POOL RPS, fails the soak on a wrong
# answer, a socket error or items left unanswered.  wrk runs for its -d
# whatever its threads do, so each thread leaves a file in WORK/done when
# its share is answered, and wrk is interrupted (SIGINT: it stops and
# reports) once every thread has; -d (120 s) is only a bound.
wrk_once() {
    name=$1
    path=$2
    shift 2
    out="$WORK/wrk-$name.txt"
    rm -rf "$WORK/done"
    mkdir -p "$WORK/done"
    SOAK_DONE_DIR="$WORK/done" "$WRK" -t"$THREADS" -c"$CONNECTIONS" \
        -d120s -s bench/soak.lua "$URL$path" -- "$@" > "$out" 2>&1 &
    wrk_pid=$!
    while kill -0 "$wrk_pid" 2>/dev/null \
          && [ "$(ls "$WORK/done" | wc -l)" -lt "$THREADS" ]
    do
        sleep 0.1
    done
    kill -INT "$wrk_pid" 2>/dev/null
    wait "$wrk_pid"
    rc=$?
    wrk_check "$name" "$out" $rc
    [ "$OK" = "$POOL" ] || { echo "$NAME: $name: $OK of $POOL items" \
                                  "answered right" >&2; failed=1; }
}

# wrk_check NAME FILE STATUS
wrk_check() {
    [ "$3" -eq 0 ] || { echo "$NAME: $1: wrk status $3" >&2; failed=1; }
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$2")
    check=$(grep '^hashpay-check: ok=' "$2")
    OK=$(echo "$check" | sed -n 's/.* ok=\([0-9]*\).*/\1/p')
    BAD=$(echo "$check" | sed -n 's/.* bad=\([0-9]*\).*/\1/p')
    SENT=$(echo "$check" | sed -n 's/.* sent=\([0-9]*\).*/\1/p')
    POOL=$(echo "$check" | sed -n 's/.* pool=\([0-9]*\).*/\1/p')
    if [ -z "$OK" ]; then
        cat "$2" >&2
        echo "$NAME: $1: no result from wrk" >&2
        failed=1 OK=0 BAD=0 SENT=0 POOL=0 RPS=0
    fi
    if [ "$BAD" != 0 ]; then
        grep '^hashpay-check:' "$2" >&2
        echo "$NAME: $1: $BAD WRONG ANSWERS" >&2
        failed=1
    fi
    s=$(sockerr "$2")
    [ "$s" = 0 ] || { echo "$NAME: $1: $s socket errors" >&2; failed=1; }
}

# EVALSHA's calls and usec_per_call since the last CONFIG RESETSTAT
evalsha_us() {
    rcli info commandstats | tr -d '\r' | awk -F'[:,=]' '
        /^cmdstat_evalsha:/ { printf "%.2f", $7; found = 1 }
        END { if (!found) printf "n/a" }'
}
evalsha_calls() {
    rcli info commandstats | tr -d '\r' | awk -F'[:,=]' '
        /^cmdstat_evalsha:/ { print $3; found = 1 }
        END { if (!found) print 0 }'
}

# claims FIRST_SLOT SLOTS: SLOTS saved claims for each claim user,
# slot j (FIRST_SLOT .. FIRST_SLOT+SLOTS-1) at merchant
# 1 + ((user * 7 + j) % 999); slot -1 is merchant 0 (the one the
# transactions use).  As tweet.lua saves a claim: the hash, the user's set
# and its index, bought:, claimed, claim_seq.
claims() {
    u0=1
    while [ "$u0" -le "$CLAIM_USERS" ]; do
        per=$(( BATCH / $2 ))
        [ "$per" -ge 1 ] || per=1
        u1=$(( u0 + per - 1 ))
        [ "$u1" -le "$CLAIM_USERS" ] || u1=$CLAIM_USERS
        n=$(rcli eval '
            local u0, u1 = tonumber(ARGV[1]), tonumber(ARGV[2])
            local j0, slots = tonumber(ARGV[3]), tonumber(ARGV[4])
            local t = redis.call("TIME")
            local now = tostring(t[1] * 1000 + math.floor(t[2] / 1000))
            local count = 0
            for u = u0, u1 do
                local uid = "14000000" .. string.format("%011d", u)
                for j = j0, j0 + slots - 1 do
                    local m = j < 0 and 0 or 1 + (u * 7 + j) % 999
                    local tag = string.format("cb_%04d", m)
                    local mch = string.format("mch_%04d", m)
                    local n = redis.call("INCR", "hashpay:claim_seq")
                    local id = "clm_" .. n
                    redis.call("HSET", "hashpay:claim:" .. id, "id", id,
                        "offer", tag, "offer_key", tag, "user_id", uid,
                        "screen_name", "bench" .. u,
                        "card_token", "tok_bench_" .. u,
                        "tweet_id", tostring(1900000000000000000 + n),
                        "state", "saved", "merchant_id", mch,
                        "currency", "USD", "cashback_cents", 500,
                        "min_spend_cents", 1000, "created_at", now,
                        "redeemed_at", "", "voided_at", "", "txn_id", "")
                    redis.call("ZADD", "hashpay:claims:" .. uid, n, id)
                    redis.call("ZADD", "hashpay:claims:" .. uid .. ":"
                               .. mch .. ":USD", n, id)
                    redis.call("INCR", "hashpay:bought:" .. tag .. ":" .. uid)
                    redis.call("HINCRBY", "hashpay:offer:" .. tag,
                               "claimed", 1)
                    count = count + 1
                end
            end
            return count' 0 "$u0" "$u1" "$1" "$2")
        [ "$n" = $(( (u1 - u0 + 1) * $2 )) ] \
            || die "seeding claims for users $u0-$u1 failed: $n"
        u0=$(( u1 + 1 ))
    done
}

# the cashback offers cb_0000 .. cb_0999, one per merchant mch_<n>
cashback_offers() {
    wrk_once cashback /admin/offers/ put "$THREADS" 0 $((MERCHANTS - 1)) \
        "$ADMIN_TOKEN" cashback
}

# wait until every intent of the last run has expired (their longest TTL,
# confirm_ttl + dedupe_ttl, from the end of the run) and Redis has evicted
# them (DBSIZE stable for a second)
settle() {
    _left=$(awk -v t="$1" -v now="$(date +%s.%N)" \
            -v ttl=$((CONFIRM_TTL + DEDUPE_TTL + 1)) \
            'BEGIN { s = t + ttl - now; if (s < 0) s = 0; printf "%.1f", s }')
    sleep "$_left"
    _last=-1
    _i=0
    while :; do
        _keys=$(rcli dbsize)
        [ "$_keys" != "$_last" ] || break
        _last=$_keys
        _i=$((_i + 1))
        [ $_i -le 60 ] || break
        sleep 1
    done
}

# U and D: used_memory and used_memory_dataset now
mem() {
    set -- $(rcli info memory | tr -d '\r' | awk -F: '
        /^used_memory:/ { u = $2 } /^used_memory_dataset:/ { d = $2 }
        END { print u, d }')
    U=$1 D=$2
}

mb() {
    awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'
}

# ------------------------------------------------------------- set-up

t0=$(date +%s.%N)
cashback_offers
echo "$NAME: $MERCHANTS cashback offers PUT in $(since "$t0") s"

# the intents of every step, signed now (no time in them)
t0=$(date +%s.%N)
k=0
while [ $k -le "$STEPS" ]; do
    perl bench/soak.pl "$WORK/intents-$k.txt" "$SECRET" \
        $((k * INTENTS + 1)) "$INTENTS" "$INTENTS" "$TAG" > /dev/null \
        || die "could not generate the intents of step $k"
    k=$((k + 1))
done
echo "$NAME: $(( (STEPS + 1) * INTENTS )) intent deliveries signed in" \
     "$(since "$t0") s"

# the events stream filled to its cap first (placeholder entries of the
# size of an intent.created), so that its one-time filling up to
# hashpay_events_maxlen is not taken for growth in the first step
rcli eval '
    local data = "{\"event_id\":\"0\",\"at\":0,\"placeholder\":\""
                 .. string.rep("x", 230) .. "\"}"
    for i = 1, tonumber(ARGV[1]) do
        redis.call("XADD", "hashpay:events", "MAXLEN", "~", ARGV[1], "*",
                   "type", "soak.fill", "data", data)
    end
    return redis.call("XLEN", "hashpay:events")' 0 "$MAXLEN" > /dev/null \
    || die "filling the events stream failed"

awk -v n="$CLAIM_USERS" 'BEGIN { for (i = 1; i <= n; i++)
                                     print i, "tok_bench_" i }' \
    > "$WORK/cards.txt"

# one smoke intent by hand, of user 1 but in none of the steps (it also
# has the worker load the script)
perl bench/soak.pl "$WORK/intents-smoke.txt" "$SECRET" \
    $(( (STEPS + 1) * INTENTS + 1 )) 1 "$INTENTS" "$TAG" > /dev/null \
    || die "could not generate the smoke intent"
answer=$(cut -f2 "$WORK/intents-smoke.txt" | tr -d '\n' \
         | curl -s -H 'Content-Type: application/json' \
               -H "x-twitter-webhooks-signature: sha256=$(cut -f1 \
                   "$WORK/intents-smoke.txt")" \
               --data-binary @- "$URL/webhooks/x")
case "$answer" in
*'"outcome":"intent_created"'*) ;;
*) cat "$WORK/error.log" >&2; die "smoke intent: $answer" ;;
esac

# ------------------------------------------------------------- steps

OFFERS_NOW=$((1 + MERCHANTS))
CLAIMS_NOW=0
REDEEMED_NOW=0
RECS=0 RECS_D=0     # bytes of every record seeded so far (used, dataset)
M0=0 M0_D=0         # of the claims at mch_0000 since the last row
rows=""
k=0
while [ $k -le "$STEPS" ]; do
    echo
    if [ $k -eq 0 ]; then
        sleep 2         # the smoke intent's pending state expires
        mem
        MEM=$U DATA=$D
        RES=0 RES_D=0 REC=0 REC_D=0
    else
        printf '%s: waiting for the intents of step %s to expire ... ' \
               "$NAME" $((k - 1))
        t0=$(date +%s.%N)
        settle "$LAST_END"
        echo "$(since "$t0") s"
        mem
        # what the last step's runs left once their TTLs passed, but the
        # claims at mch_0000 they redeemed (records)
        RES=$((U - MEM - M0)) RES_D=$((D - DATA - M0_D))
        PRE=$U PRE_D=$D
        # this step's history: claims at the 999 other merchants, offers
        t0=$(date +%s.%N)
        claims $(((k - 1) * CLAIMS)) "$CLAIMS"
        CLAIMS_NOW=$((CLAIMS_NOW + CLAIM_USERS * CLAIMS))
        wrk_once "offers-$k" /admin/offers/ put "$THREADS" \
            $(((k - 1) * OFFERS + 1)) $((k * OFFERS)) "$ADMIN_TOKEN"
        OFFERS_NOW=$((OFFERS_NOW + OFFERS))
        mem
        MEM=$U DATA=$D
        REC=$((U - PRE)) REC_D=$((D - PRE_D))
        echo "$NAME: seeded $((CLAIM_USERS * CLAIMS)) claims and PUT" \
             "$OFFERS offers in $(since "$t0") s: $REC B"
    fi
    RECS=$((RECS + REC + M0)) RECS_D=$((RECS_D + REC_D + M0_D))
    KEYS=$(rcli dbsize)
    echo "=== step $k: $((k * INTENTS)) intents expired behind," \
         "$CLAIMS_NOW history claims, $OFFERS_NOW offers: used_memory" \
         "$(mb "$MEM") MB (dataset $(mb "$DATA") MB), $KEYS keys;" \
         "residue of the last step $RES B (dataset $RES_D B), records" \
         "seeded now $REC B"

    # tweet.lua: this step's intents
    rcli config resetstat > /dev/null
    wrk_once "intents-$k" /webhooks/x post "$THREADS" \
        "$WORK/intents-$k.txt" intent_created
    TWEET_US=$(evalsha_us)
    TWEET_N=$(evalsha_calls)
    TWEET_RPS=$RPS
    echo "$NAME: tweet.lua: $TWEET_N calls, $TWEET_US us/call," \
         "$TWEET_RPS req/s; used_memory right after $(mb "$(redis_mem)")" \
         "MB (the intents live until their TTLs)"

    # transaction.lua: a fresh claim at mch_0000 each, one transaction each
    mem
    m0=$U m0_d=$D
    claims -1 1
    mem
    M0=$((U - m0)) M0_D=$((D - m0_d))
    perl bench/transactions.pl "$WORK/txn-$k.txt" "$TXN_SECRET" "s$k" \
        mch_0000 2500 < "$WORK/cards.txt" > /dev/null \
        || die "could not sign the transactions"
    rcli config resetstat > /dev/null
    wrk_once "txn-$k" /webhooks/card txn "$THREADS" "$WORK/txn-$k.txt" \
        credited 500
    TXN_US=$(evalsha_us)
    TXN_N=$(evalsha_calls)
    REDEEMED_NOW=$((REDEEMED_NOW + CLAIM_USERS))
    echo "$NAME: transaction.lua: $TXN_N calls, $TXN_US us/call"

    # offer_list.lua: the first page of 100
    rcli config resetstat > /dev/null
    "$WRK" -t1 -c4 -d"${LIST_SECONDS}s" -s bench/soak.lua \
        "$URL/admin/offers?limit=100" -- get 1 "$ADMIN_TOKEN" \
        > "$WORK/wrk-list-$k.txt" 2>&1
    wrk_check "list-$k" "$WORK/wrk-list-$k.txt" $?
    LIST_US=$(evalsha_us)
    LIST_N=$(evalsha_calls)
    echo "$NAME: offer_list.lua: $LIST_N calls, $LIST_US us/call"
    LAST_END=$(date +%s.%N)

    rows="$rows$k $((k * INTENTS)) $CLAIMS_NOW $OFFERS_NOW $KEYS $MEM"
    rows="$rows $REC $RES $RES_D $((MEM - RECS)) $((DATA - RECS_D))"
    rows="$rows $TWEET_US $TXN_US $LIST_US\n"
    if [ $k -eq 0 ]; then
        TWEET0=$TWEET_US TXN0=$TXN_US LIST0=$LIST_US
        BASE=$((MEM - RECS)) BASE_D=$((DATA - RECS_D))
    fi
    k=$((k + 1))
done

LOGLINES=$(grep -c . "$WORK/error.log" 2>/dev/null)
LOGLINES=${LOGLINES:-0}
XLEN=$(rcli xlen hashpay:events)

cleanup

echo
echo "================================================================"
echo "hashpay soak $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
     "worker_processes 1, wrk -t$THREADS -c$CONNECTIONS; $INTENTS intents" \
     "a step (confirm_ttl ${CONFIRM_TTL}s, dedupe_ttl ${DEDUPE_TTL}s)," \
     "$((CLAIM_USERS * CLAIMS)) claims a step ($CLAIM_USERS users, 999" \
     "merchants), $OFFERS offers a step; $(since "$T_START") s in all"
f='%-4s %7s %7s %6s %8s %7s %7s %6s %6s %8s %8s %6s %6s %7s\n'
printf "$f" step intents claims offers keys mem recs resid d_res \
       mem-recs data-recs tweet txn list
printf "$f" '' '' '' '' '' MB MB MB MB MB MB us us us
printf "$rows" | while read -r k i c o n m r s sd x xd tw tx li; do
    printf "$f" "$k" "$i" "$c" "$o" "$n" "$(mb "$m")" "$(mb "$r")" \
           "$(mb "$s")" "$(mb "$sd")" "$(mb "$x")" "$(mb "$xd")" \
           "$tw" "$tx" "$li"
done
echo "ratios to step 0:"
printf "$rows" | while read -r k i c o n m r s sd x xd tw tx li; do
    echo "  step $k: tweet.lua $(ratio "$tw" "$TWEET0")," \
         "transaction.lua $(ratio "$tx" "$TXN0")," \
         "offer_list.lua $(ratio "$li" "$LIST0"); mem-recs" \
         "$(ratio "$x" "$BASE"), data-recs $(ratio "$xd" "$BASE_D")"
done
echo "intents: expired unconfirmed behind the step, delivered through"
echo "nginx; claims: history claims saved at mch_0001..0999, written into"
echo "Redis (besides, $REDEEMED_NOW claims at mch_0000 redeemed by the"
echo "measured transactions); mem: used_memory once the last step's"
echo "intents expired and this step's claims and offers were seeded; recs:"
echo "what those claims and offers took (records, which stay); resid: what"
echo "the last step's runs left once their TTLs passed, the claims they"
echo "redeemed aside (d_res: the same in used_memory_dataset, i.e. without"
echo "Redis's own overhead such as hash tables sized for the live peak);"
echo "mem-recs, data-recs: used_memory and used_memory_dataset less every"
echo "record seeded so far: flat when expired history leaves nothing"
echo "events stream length at the end: $XLEN (maxlen ~ $MAXLEN)"
echo "nginx error log: $LOGLINES line(s) at warn or above ($WORK/error.log)"
if [ "$LOGLINES" != 0 ]; then
    head -n 10 "$WORK/error.log"
    failed=1
fi
echo "================================================================"

if [ "$failed" != 0 ]; then
    echo "$NAME: FAILED (see above)" >&2
    exit 1
fi
