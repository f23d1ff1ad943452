#!/bin/sh
# `make run`: serve conf.example with the module just built, against a
# private Redis, until Ctrl-C.  Run from the repository root as
#
#     sh util/run.sh
#
# 1. starts redis-server on 127.0.0.1 (port 6379 if free, else a free one),
#    its data in build/run/redis/ with appendonly yes, so that the state
#    survives from one `make run` to the next (`make clean` removes it);
# 2. makes build/run/ an nginx prefix: conf/nginx.conf generated from
#    conf.example (module, ports, secret files, logs and temp paths
#    adjusted), conf/consumer_secret, conf/admin_token, conf/whsec (the
#    card network's Standard Webhooks secret), logs/, and a sample
#    delivery;
# 3. prints how to drive it with curl, openssl and redis-cli;
# 4. runs /usr/sbin/nginx in the foreground (daemon off); Ctrl-C stops
#    nginx, then Redis.
#
# Environment:
#   HASHPAY_PORT        nginx's port (default 8080 if free, else a free one)
#   HASHPAY_REDIS_PORT  Redis's port (default 6379 if free, else a free one)
#   HASHPAY_SECRET      the X consumer secret (default hashpay-demo-secret)
#   HASHPAY_ADMIN_TOKEN the admin API's token (default
#                       hashpay-demo-admin-token)
#   HASHPAY_TXN_SECRET  the card network's whsec_<base64> secret (default:
#                       the one in build/run/conf/whsec, generated with
#                       openssl rand at the first run and kept)
#   NGINX, REDIS_SERVER, REDIS_CLI   the binaries (defaults: Debian's)

set -u

ROOT=$(pwd)
RUN="$ROOT/build/run"
MODULE="$ROOT/build/ngx_http_hashpay_module.so"
NGINX=${NGINX:-/usr/sbin/nginx}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_CLI=${REDIS_CLI:-/usr/bin/redis-cli}
SECRET=${HASHPAY_SECRET:-hashpay-demo-secret}

REDIS_PID=
REDIS_STARTED=
NGINX_PID=

die() {
    echo "hashpay run: $*" >&2
    exit 1
}

[ -f conf.example ] || die "run me from the repository root (make run)"
[ -f "$MODULE" ] || die "$MODULE is not built (make)"
[ -x "$NGINX" ] || die "$NGINX not found (apt-get install nginx-light)"
[ -x "$REDIS_SERVER" ] || die "$REDIS_SERVER not found" \
                              "(apt-get install redis-server)"
command -v openssl >/dev/null 2>&1 || die "openssl not found"

# a whsec_ secret: "whsec_" + base64 (padding optional)
whsec_shape='^whsec_[A-Za-z0-9+/][A-Za-z0-9+/]*=\{0,2\}$'
if [ -n "${HASHPAY_TXN_SECRET:-}" ]; then
    printf '%s\n' "$HASHPAY_TXN_SECRET" | grep -q "$whsec_shape" \
        || die "HASHPAY_TXN_SECRET must be \"whsec_\" followed by base64"
fi

# $1 if it is a free TCP port on 127.0.0.1, else one from the kernel;
# with $2 = strict, $1 or nothing
free_port() {
    perl -MIO::Socket::INET -e '
        my ($want, $strict) = @ARGV;
        if ($want) {
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                LocalPort => $want, Listen => 1, ReuseAddr => 1);
            if ($s) { print "$want\n"; exit 0 }
            exit 1 if $strict;
        }
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
            LocalPort => 0, Listen => 1) or die "no free port: $!\n";
        print $s->sockport, "\n";' "$1" "${2:-}"
}

alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

# shellcheck disable=SC2317  # called from traps
cleanup() {
    # a second Ctrl-C must not cut the cleanup short
    trap '' INT TERM HUP
    trap - EXIT
    if alive "$NGINX_PID"; then
        kill -TERM "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
    fi
    NGINX_PID=
    if [ -n "$REDIS_STARTED" ] && [ -z "$REDIS_PID" ]; then
        REDIS_PID=$(cat "$RUN/redis/redis.pid" 2>/dev/null)
    fi
    if alive "$REDIS_PID"; then
        echo "hashpay run: stopping Redis (data kept in $RUN/redis)"
        kill -TERM "$REDIS_PID" 2>/dev/null
        i=0
        while alive "$REDIS_PID" && [ "$i" -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    fi
    REDIS_PID=
}

# one `make run` at a time per checkout: they would share build/run/redis
for f in "$RUN/redis/redis.pid" "$RUN/logs/nginx.pid"; do
    if [ -f "$f" ]; then
        pid=$(cat "$f" 2>/dev/null)
        if alive "$pid"; then
            die "process $pid (from $f) is still running:" \
                "another make run? Stop it first."
        fi
        rm -f "$f"
    fi
done

# ------------------------------------------------------------------ ports

if [ -n "${HASHPAY_PORT:-}" ]; then
    PORT=$(free_port "$HASHPAY_PORT" strict) \
        || die "HASHPAY_PORT=$HASHPAY_PORT: port in use"
else
    PORT=$(free_port 8080) || die "no free port for nginx"
fi

if [ -n "${HASHPAY_REDIS_PORT:-}" ]; then
    REDIS_PORT=$(free_port "$HASHPAY_REDIS_PORT" strict) \
        || die "HASHPAY_REDIS_PORT=$HASHPAY_REDIS_PORT: port in use"
else
    REDIS_PORT=$(free_port 6379) || die "no free port for Redis"
fi

[ "$PORT" != "$REDIS_PORT" ] || die "nginx and Redis on the same port"

# ------------------------------------------------------------------ Redis

mkdir -p "$RUN/conf" "$RUN/logs" "$RUN/redis" "$RUN/tmp" || exit 1

# shellcheck disable=SC2317  # called from traps
on_signal() {
    trap '' INT TERM HUP
    exit "$1"
}

trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

"$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" \
    --dir "$RUN/redis" --appendonly yes --appendfsync always \
    --daemonize yes --pidfile "$RUN/redis/redis.pid" \
    --logfile "$RUN/logs/redis.log" \
    || die "could not start $REDIS_SERVER (see $RUN/logs/redis.log)"
REDIS_STARTED=1

ok=
i=0
while [ $i -lt 100 ]; do
    if [ -s "$RUN/redis/redis.pid" ] && [ "$("$REDIS_CLI" -h 127.0.0.1 \
           -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
    then
        REDIS_PID=$(cat "$RUN/redis/redis.pid")
        ok=1
        break
    fi
    sleep 0.1
    i=$((i + 1))
done

if [ -z "$ok" ]; then
    tail -n 20 "$RUN/logs/redis.log" >&2 2>/dev/null
    die "Redis did not answer on 127.0.0.1:$REDIS_PORT"
fi

# ------------------------------------------------------------------ nginx

# the consumer secret, readable by its owner only
(umask 077 && printf '%s\n' "$SECRET" > "$RUN/conf/consumer_secret") \
    || die "cannot write $RUN/conf/consumer_secret"

# the admin API's bearer token
TOKEN=${HASHPAY_ADMIN_TOKEN:-hashpay-demo-admin-token}
(umask 077 && printf '%s\n' "$TOKEN" > "$RUN/conf/admin_token") \
    || die "cannot write $RUN/conf/admin_token"

# the card network's Standard Webhooks secret: "whsec_" + base64 of 24
# random bytes, generated once and kept (like the Redis data), so that the
# commands printed by an earlier run still sign correctly
if [ -n "${HASHPAY_TXN_SECRET:-}" ]; then
    WHSEC=$HASHPAY_TXN_SECRET
else
    WHSEC=$(sed -n '1p' "$RUN/conf/whsec" 2>/dev/null)
    if ! printf '%s\n' "$WHSEC" | grep -q "$whsec_shape"; then
        WHSEC="whsec_$(openssl rand -base64 24)" \
            || die "openssl rand failed"
    fi
fi
(umask 077 && printf '%s\n' "$WHSEC" > "$RUN/conf/whsec") \
    || die "cannot write $RUN/conf/whsec"

# escape a string for the replacement side of sed s|||
sed_escape() {
    printf '%s\n' "$1" | sed -e 's/[\\|&]/\\&/g'
}

m=$(sed_escape "$MODULE")
r=$(sed_escape "$RUN")

# nginx's compiled-in temp paths (/var/lib/nginx/...) go under build/run
temp="client_body_temp_path $RUN/tmp/client_body;"
temp="$temp proxy_temp_path $RUN/tmp/proxy;"
V=$("$NGINX" -V 2>&1)
for mod in fastcgi scgi uwsgi; do
    case "$V" in
    *"--without-http_${mod}_module"*) ;;
    *) temp="$temp ${mod}_temp_path $RUN/tmp/$mod;" ;;
    esac
done

sp='[[:space:]]'
sed -e "s|^\($sp*\)load_module$sp.*;|\1load_module $m;|" \
    -e "/^$sp*user$sp/d" \
    -e "s|^\($sp*\)pid$sp.*;|\1pid $r/logs/nginx.pid;|" \
    -e "s|^\($sp*error_log$sp*\)[^;[:space:]]*|\1$r/logs/error.log|" \
    -e "s|^\($sp*access_log$sp*\)[^;[:space:]]*|\1$r/logs/access.log|" \
    -e "s|127\.0\.0\.1:6379|127.0.0.1:$REDIS_PORT|g" \
    -e "s|^\($sp*\)listen$sp$sp*[0-9][0-9]*|\1listen 127.0.0.1:$PORT|" \
    -e "s|/etc/nginx/hashpay/consumer_secret|$r/conf/consumer_secret|g" \
    -e "s|/etc/nginx/hashpay/admin_token|$r/conf/admin_token|g" \
    -e "s|/etc/nginx/hashpay/whsec|$r/conf/whsec|g" \
    conf.example \
| HASHPAY_TEMP="$temp" awk '
    { print }
    /^http[[:space:]]*\{/ {
        print "    # added by util/run.sh"
        n = split(ENVIRON["HASHPAY_TEMP"], t, ";")
        for (i = 1; i < n; i++) {
            sub(/^ +/, "", t[i])
            print "    " t[i] ";"
        }
    }' > "$RUN/conf/nginx.conf" || die "cannot write $RUN/conf/nginx.conf"

# a delivery shaped like the example xaa_post_offer.json of the project
# (X Activity API, post.create): a customer posts #BuyGiftCard25; a new
# post id every run, so that the demo starts afresh although Redis keeps
# its state
POST_ID="1$(date +%s)$(printf '%08d' $$)"
NOW_ISO=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
cat > "$RUN/post_offer.json" <<EOF
{
  "data": {
    "event_uuid": "$POST_ID",
    "filter": { "user_id": "1297234567890123457" },
    "event_type": "post.create",
    "payload": {
      "id": "$POST_ID",
      "text": "Treating myself #BuyGiftCard25",
      "author_id": "1297234567890123457",
      "created_at": "$NOW_ISO",
      "edit_history_tweet_ids": [ "$POST_ID" ],
      "entities": {
        "hashtags": [ { "start": 16, "end": 30, "tag": "BuyGiftCard25" } ]
      }
    },
    "includes": {
      "users": [
        {
          "id": "1297234567890123457",
          "username": "alice",
          "name": "Alice",
          "created_at": "2007-05-23T06:01:13.000Z"
        }
      ]
    }
  }
}
EOF

if ! out=$("$NGINX" -t -p "$RUN/" -c conf/nginx.conf 2>&1); then
    echo "$out" >&2
    die "nginx -t failed on $RUN/conf/nginx.conf"
fi

URL="http://127.0.0.1:$PORT/webhooks/x"
TXN_URL="http://127.0.0.1:$PORT/webhooks/card"
RCLI="redis-cli -p $REDIS_PORT"

cat <<EOF

hashpay: nginx on 127.0.0.1:$PORT, Redis on 127.0.0.1:$REDIS_PORT
  configuration  $RUN/conf/nginx.conf (from conf.example)
  secret         "$SECRET" in $RUN/conf/consumer_secret
  card secret    "$WHSEC" in $RUN/conf/whsec
  admin token    "$TOKEN" in $RUN/conf/admin_token
  logs           $RUN/logs/error.log, access.log, redis.log
  Redis data     $RUN/redis (appendonly; kept across runs)

Try it from another terminal:

# 1. CRC challenge, answered without Redis:
curl -s '$URL?crc_token=challenge_string'; echo
#    expected: sha256= followed by
printf %s challenge_string \\
    | openssl dgst -sha256 -hmac '$SECRET' -binary | base64

# 2. a signed X Activity API delivery (a post with #BuyGiftCard25):
SIG=\$(openssl dgst -sha256 -hmac '$SECRET' -binary \\
      < $RUN/post_offer.json | base64)
curl -s -H "x-twitter-webhooks-signature: sha256=\$SIG" \\
     -H 'Content-Type: application/json' \\
     --data-binary @$RUN/post_offer.json $URL; echo
#    200 {"results":[...,"outcome":"ignored","reason":"no_offer"}]}
#    until step 3 creates the offer.  A wrong signature is 401:
curl -s -H 'x-twitter-webhooks-signature: sha256=AAAA' \\
     --data-binary @$RUN/post_offer.json $URL; echo

# 3. a purchase, end to end (README: "A purchase by hand"):
curl -s -X PUT -H 'Authorization: Bearer $TOKEN' \\
     -d '{"title":"Gift card 25","price_cents":2500,"stock":10}' \\
     http://127.0.0.1:$PORT/hashpay/admin/offers/BuyGiftCard25; echo
curl -s -X PUT -H 'Authorization: Bearer $TOKEN' \\
     -d '{"card_token":"tok_visa_4242","screen_name":"alice"}' \\
     http://127.0.0.1:$PORT/hashpay/admin/links/1297234567890123457; echo
export HASHPAY_URL=$URL HASHPAY_SECRET='$SECRET'
util/hashpay-tweet --user 1297234567890123457 --screen-name alice \\
    'Treating myself #BuyGiftCard25'
#    the confirmation hashtag is in the intent.created event:
$RCLI XRANGE hashpay:events - +
util/hashpay-tweet --user 1297234567890123457 --screen-name alice \\
    'yes #ConfirmXXXXXX'          # the code from the event
curl -s -H 'Authorization: Bearer $TOKEN' \\
     http://127.0.0.1:$PORT/hashpay/admin/offers/BuyGiftCard25; echo

# 4. cashback, end to end (README: "Cashback by hand"): a cashback
#    offer, alice (linked in step 3, same exports) tweets its hashtag,
#    then pays at the merchant with her card:
curl -s -X PUT -H 'Authorization: Bearer $TOKEN' \\
     -d '{"title":"Coffee back","kind":"cashback","stock":10,
          "merchant_id":"mch_coffee","cashback_cents":500,
          "min_spend_cents":2000}' \\
     http://127.0.0.1:$PORT/hashpay/admin/offers/CoffeeBack; echo
util/hashpay-tweet --user 1297234567890123457 --screen-name alice \\
    'Saving this one #CoffeeBack'
#    the card network's side (util/hashpay-txn reads $RUN/conf/whsec):
export HASHPAY_TXN_URL=$TXN_URL
util/hashpay-txn --card-token tok_visa_4242 --merchant-id mch_coffee \\
    --amount-cents 2500
#    200 {"outcome":"credited","cashback_cents":500}; cashback.credited
#    is on the stream.  --print or --curl shows the signed request.

# 5. the operator's workers read the stream with the consumer group
#    "workers" (hashpay_events_group: hashpay created it at start, and
#    trims nothing it has not acknowledged):
$RCLI XREADGROUP GROUP workers w1 COUNT 10 STREAMS hashpay:events '>'
$RCLI XACK hashpay:events workers <entry id>

# logs:  tail -f $RUN/logs/access.log $RUN/logs/error.log

Ctrl-C stops nginx and Redis.

EOF

"$NGINX" -p "$RUN/" -c conf/nginx.conf -g 'daemon off;' &
NGINX_PID=$!

# wait returns early when a trapped signal arrives: the trap then exits
# and cleanup stops nginx and Redis
wait "$NGINX_PID"
rc=$?
NGINX_PID=
if [ $rc -ne 0 ] && [ $rc -lt 128 ]; then
    echo "hashpay run: nginx exited with status $rc" \
         "(see $RUN/logs/error.log)" >&2
fi
exit $rc
