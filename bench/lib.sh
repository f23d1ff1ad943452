# Shell helpers shared by the benchmark scripts (bench/run.sh,
# bench/purchase.sh, bench/transactions.sh); POSIX sh, sourced as
#
#     ROOT=$(pwd)  WORK=...  NAME=bench-something
#     . "$ROOT/bench/lib.sh"
#
# NAME prefixes the messages of die, WORK is where redis and nginx keep
# their files.  Sourcing it sets MODULE and the binaries (NGINX,
# REDIS_SERVER, REDIS_CLI, WRK, from the environment if set), HZ, empty
# NGINX_PID / REDIS_PID, failed=0, and the traps: on exit (also on failure,
# Ctrl-C or SIGTERM) the nginx and the redis-server started here are
# stopped.
#
# Functions:
#   die MSG...              "NAME: MSG" on stderr, exit 1
#   check_setup VAR...      the module is built, the binaries exist, and each
#                           VAR holds a positive number (BENCH_VAR in the
#                           message)
#   free_port [WANT [NOT [FIRST LAST]]]
#                           a free TCP port on 127.0.0.1: WANT if given (it
#                           must be free), else the first free one in
#                           FIRST-LAST, else one from the kernel; never NOT
#   start_redis PORT        a redis-server (no persistence) on 127.0.0.1:PORT
#                           in the foreground of a background job, files in
#                           WORK; waits for PONG; sets REDIS_PORT, REDIS_PID.
#                           With BENCH_TLS=1 it also listens with TLS on a
#                           free port (REDIS_TLS_PORT), with a CA and
#                           certificate made by openssl in WORK/tls, and
#                           nginx_conf points the module there (tls)
#   rcli ARGS...            redis-cli against it
#   redis_mem               its used_memory (bytes)
#   redis_cpu               its CPU time so far (used_cpu_sys + user, in s)
#   link_users N [TAG]      links users 1..N (as bench/gen.pl and
#                           bench/purchase.pl name them: id 14000000<n, 11
#                           digits>, screen name bench<n>, card
#                           tok_bench_<n>) by EVALs of 50 000 users; with
#                           TAG (the key of a cashback offer), gives each
#                           one saved claim clm_<n> of it, as tweet.lua
#                           saves one (src/lua/README.md)
#   pending_codes           "<user id> <code>" of every pending purchase
#   nginx_conf WORKERS WHO  writes WORK/nginx.conf: the module, WORKERS
#                           worker processes, error_log WORK/error.log warn,
#                           access_log off, keepalive_requests 1000000,
#                           hashpay_redis 127.0.0.1:REDIS_PORT, and one server
#                           on 127.0.0.1:NGINX_PORT holding `location = /ping
#                           { return 204; }` after the lines read from stdin
#                           (the other locations); WHO names the writer
#   start_nginx             nginx -c WORK/nginx.conf, waits for /ping to
#                           answer 204; sets NGINX_PID
#   cleanup                 stops nginx (QUIT) and redis (TERM) if running
#   workers                 pids of the nginx workers
#   rss                     "total kB (pid:kB ...)" of the workers' VmRSS
#   ticks PID...            CPU ticks (user + system) used so far by the pids
#   child_cpu FILE          CPU seconds of this shell's children from the
#                           output of `times` in FILE
#   seconds DURATION        seconds in a wrk duration (10s, 2m, 1h, 30)
#   sockerr FILE            the sum of wrk's "Socket errors" in its output
#   wrk_check FILE          reads the wrk output FILE of a run of a script
#                           that uses bench/check.lua: sets RPS OK BAD SENT
#                           POOL EXH MAXSENT WRONG SOCKERR (RPS=0, OK=0 and
#                           WRK_ERR=1 when wrk printed no result)
#   ratio A B               A / B with 3 decimals ("n/a" when B is 0)
#   since T0                seconds (2 decimals) since T0 (date +%s.%N)

MODULE="$ROOT/build/ngx_http_hashpay_module.so"

NGINX=${NGINX:-/usr/sbin/nginx}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_CLI=${REDIS_CLI:-/usr/bin/redis-cli}
WRK=${WRK:-/usr/bin/wrk}

# shellcheck disable=SC2034  # HZ and failed are for the scripts
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

NGINX_PID=
REDIS_PID=
# shellcheck disable=SC2034
failed=0

die() {
    echo "$NAME: $*" >&2
    exit 1
}

# ------------------------------------------------------------- clean-up

stop() {    # stop PID SIGNAL: signal, wait up to 10 s, then SIGKILL
    kill -"$2" "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

cleanup() {
    if [ -n "$NGINX_PID" ]; then
        stop "$NGINX_PID" QUIT
        NGINX_PID=
    fi
    if [ -n "$REDIS_PID" ]; then
        stop "$REDIS_PID" TERM
        REDIS_PID=
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------- checks

check_setup() {
    [ -f "$MODULE" ] || die "$MODULE not built (run make)"
    for b in "$NGINX" "$REDIS_SERVER" "$REDIS_CLI" "$WRK"; do
        [ -x "$b" ] || die "$b not found"
    done
    for v in "$@"; do
        eval "x=\$$v"
        # shellcheck disable=SC2154  # x is set by the eval
        case "$x" in
        ''|*[!0-9]*|0) die "BENCH_$v must be a positive number, not \"$x\"" ;;
        esac
    done
}

# ------------------------------------------------------------- ports

free_port() {
    perl -MIO::Socket::INET -e '
        my ($want, $not, $first, $last) = @ARGV;
        my @try = $want ? ($want) : $first ? ($first .. $last) : ((0) x 20);
        for my $p (@try) {
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                LocalPort => $p, Listen => 1, ReuseAddr => 1) or next;
            next if $not && $s->sockport == $not;
            print $s->sockport, "\n";
            exit 0;
        }
        die $want ? "port $want is not free\n" : "no free port\n";' \
        "${1:-0}" "${2:-0}" "${3:-0}" "${4:-0}"
}

# ------------------------------------------------------------- redis

rcli() {
    "$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

# a CA and a server certificate for 127.0.0.1 in WORK/tls (BENCH_TLS=1)
make_tls() {
    mkdir -p "$WORK/tls"
    (
        cd "$WORK/tls" || exit 1
        echo "subjectAltName=IP:127.0.0.1" > server.ext
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
            -subj "/CN=hashpay bench CA" -keyout ca.key -out ca.crt &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=redis" \
            -keyout server.key -out server.csr &&
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
            -CAcreateserial -days 2 -extfile server.ext -out server.crt
    ) > "$WORK/tls/openssl.log" 2>&1 || die "openssl: see $WORK/tls/openssl.log"
}

start_redis() {
    REDIS_PORT=$1
    set --
    if [ "${BENCH_TLS:-0}" = 1 ]; then
        make_tls
        REDIS_TLS_PORT=$(free_port 0 "$REDIS_PORT") || die "no TLS port"
        set -- --tls-port "$REDIS_TLS_PORT" \
            --tls-cert-file "$WORK/tls/server.crt" \
            --tls-key-file "$WORK/tls/server.key" \
            --tls-ca-cert-file "$WORK/tls/ca.crt" --tls-auth-clients no
    fi
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" \
        --save '' --appendonly no --daemonize no \
        --dir "$WORK" --pidfile "$WORK/redis.pid" \
        --logfile "$WORK/redis.log" "$@" &
    REDIS_PID=$!
    i=0
    until [ "$(rcli ping 2>/dev/null)" = PONG ]; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$REDIS_PID" 2>/dev/null; then
            cat "$WORK/redis.log" >&2 2>/dev/null
            die "could not start redis on 127.0.0.1:$REDIS_PORT"
        fi
        sleep 0.1
    done
}

redis_mem() {
    rcli info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r'
}

redis_cpu() {
    rcli info cpu | tr -d '\r' | awk -F: '
        /^used_cpu_(sys|user):/ { s += $2 } END { printf "%.6f", s }'
}

link_users() {
    lu_from=1
    while [ "$lu_from" -le "$1" ]; do
        lu_to=$((lu_from + 49999))
        [ "$lu_to" -le "$1" ] || lu_to=$1
        lu_n=$(rcli eval '
            local p, from, to, tag = ARGV[1], tonumber(ARGV[2]),
                                     tonumber(ARGV[3]), ARGV[4]
            local offer_key = p .. ":offer:" .. tag
            local o = redis.call("HMGET", offer_key, "tag", "merchant_id",
                                 "currency", "cashback_cents",
                                 "min_spend_cents")
            local t = redis.call("TIME")
            local now = tostring(t[1] * 1000 + math.floor(t[2] / 1000))
            for i = from, to do
                local n = string.format("%011d", i)
                local uid = "14000000" .. n
                local tok = "tok_bench_" .. i
                local id = "clm_" .. i
                redis.call("HSET", p .. ":link:" .. uid, "user_id", uid,
                           "card_token", tok, "screen_name", "bench" .. i,
                           "linked_at", now)
                redis.call("SET", p .. ":card:" .. tok, uid)
                if tag ~= "" then
                    redis.call("HSET", p .. ":claim:" .. id, "id", id,
                               "offer", o[1], "offer_key", tag,
                               "user_id", uid, "screen_name", "bench" .. i,
                               "card_token", tok,
                               "tweet_id", "17000000" .. n, "state", "saved",
                               "merchant_id", o[2], "currency", o[3],
                               "cashback_cents", o[4],
                               "min_spend_cents", o[5], "created_at", now,
                               "redeemed_at", "", "voided_at", "",
                               "txn_id", "")
                    redis.call("ZADD", p .. ":claims:" .. uid, i, id)
                    redis.call("ZADD", p .. ":claims:" .. uid .. ":" .. o[2]
                               .. ":" .. o[3], i, id)
                    redis.call("SET", p .. ":bought:" .. tag .. ":" .. uid, 1)
                end
            end
            if tag ~= "" then
                redis.call("HINCRBY", offer_key, "claimed", to - from + 1)
                local seq = tonumber(redis.call("GET", p .. ":claim_seq")
                                     or "0")
                if seq < to then redis.call("SET", p .. ":claim_seq", to) end
            end
            return to - from + 1' 0 hashpay "$lu_from" "$lu_to" "${2:-}")
        [ "$lu_n" = $((lu_to - lu_from + 1)) ] \
            || die "linking users $lu_from-$lu_to failed: $lu_n"
        lu_from=$((lu_to + 1))
    done
}

pending_codes() {
    rcli --raw eval '
        local n = tonumber(redis.call("GET", "hashpay:purchase_seq") or "0")
        local out = {}
        for i = 1, n do
            local p = redis.call("HMGET", "hashpay:purchase:pur_" .. i,
                                 "user_id", "code", "state")
            if p[3] == "pending" then out[#out + 1] = p[1] .. " " .. p[2] end
        end
        return out' 0
}

# ------------------------------------------------------------- nginx

nginx_conf() {
    redis_line="hashpay_redis 127.0.0.1:$REDIS_PORT;"
    if [ "${BENCH_TLS:-0}" = 1 ]; then
        redis_line="hashpay_redis 127.0.0.1:$REDIS_TLS_PORT tls tls_ca=$WORK/tls/ca.crt;"
    fi
    {
        cat <<EOF
# written by $2
load_module $MODULE;

daemon off;
master_process on;
worker_processes $1;
pid nginx.pid;
error_log error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;

    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;

    $redis_line

    server {
        listen 127.0.0.1:$NGINX_PORT;
        server_name localhost;

EOF
        cat
        cat <<EOF
        location = /ping {
            return 204;
        }
    }
}
EOF
    } > "$WORK/nginx.conf"
}

start_nginx() {
    "$NGINX" -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/error.log" &
    NGINX_PID=$!
    i=0
    until [ "$(curl -s -o /dev/null -w '%{http_code}' \
                "http://127.0.0.1:$NGINX_PORT/ping" 2>/dev/null)" = 204 ]
    do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
            cat "$WORK/error.log" >&2 2>/dev/null
            die "could not start nginx on 127.0.0.1:$NGINX_PORT"
        fi
        sleep 0.1
    done
}

# ------------------------------------------------------------- figures

# pids of the nginx workers (children of the master)
workers() {
    # (cat, not awk FILES: a process that ends while it reads does not
    # stop the others from being read)
    cat /proc/[0-9]*/stat 2>/dev/null |
        awk -v p="$NGINX_PID" '$2 == "(nginx)" && $4 == p { print $1 }'
}

rss() {
    total=0
    list=
    for w in $(workers); do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$w/status" 2>/dev/null)
        [ -n "$kb" ] || continue
        total=$((total + kb))
        list="$list $w:${kb}kB"
    done
    echo "${total} kB (${list# })"
}

ticks() {
    t=0
    for p in "$@"; do
        n=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null)
        t=$((t + ${n:-0}))
    done
    echo "$t"
}

# (times must run in the script's shell, not in a $(...) subshell: the
# difference around a wrk run is wrk's)
child_cpu() {
    awk 'NR == 2 { s = 0
                   for (i = 1; i <= 2; i++) {
                       split($i, a, "m"); s += a[1] * 60 + a[2] }
                   printf "%.2f", s }' "$1"
}

seconds() {
    case "$1" in
    *h) echo $((${1%h} * 3600)) ;;
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *)  echo "$1" ;;
    esac
}

sockerr() {
    n=$(awk '/Socket errors:/ { gsub(/[^0-9 ]/, ""); n = 0
                                for (i = 1; i <= NF; i++) n += $i
                                print n }' "$1")
    echo "${n:-0}"
}

field_of() {    # field_of NAME: NAME=<n> of $wc_line
    echo "$wc_line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

wrk_check() {
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$1")
    wc_line=$(grep '^hashpay-check: ok=' "$1")
    OK=$(field_of ok) BAD=$(field_of bad) SENT=$(field_of sent)
    POOL=$(field_of pool) EXH=$(field_of exhausted)
    MAXSENT=$(field_of maxsent)
    WRONG=$(sed -n 's/^hashpay-check: wrong (status:outcome=count): //p' "$1")
    SOCKERR=$(sockerr "$1")
    WRK_ERR=0
    if [ -z "$RPS" ] || [ -z "$OK" ]; then
        WRK_ERR=1 RPS=0 OK=0 BAD=0
    fi
}

ratio() {
    awk -v a="$1" -v b="$2" \
        'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'
}

since() {
    awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}
