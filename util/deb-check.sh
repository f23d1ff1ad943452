#!/bin/sh
# The Debian package on this machine, as an operator gets it (.ci/run runs
# it after `make test`; needs root, and Debian's nginx, which util/deps.sh
# installs):
#
# 1. make deb;
# 2. apt-get install ./build/deb/libnginx-mod-http-hashpay_<v>_<arch>.deb:
#    the link /etc/nginx/modules-enabled/50-mod-http-hashpay.conf is there,
#    `nginx -t` (Debian's /etc/nginx/nginx.conf) passes, and a
#    configuration that includes only modules-enabled/*.conf and uses
#    hashpay_metrics passes too, and nginx run with it (a free port)
#    prints hashpay_build_info of VERSION and logs "hashpay <VERSION>
#    worker started": the module is loaded from the link;
# 3. apt-get remove: the link is gone (dh_nginx's prerm renames it
#    *.removed, which the include does not match), `nginx -t` still
#    passes and hashpay_metrics is an unknown directive again;
# 4. apt-get purge, so the machine is left as it was.
#
# A package of the same name that was installed before is refused rather
# than removed.  The tests (`make test`) never read /etc/nginx: they run
# nginx with their own -c and load build/ngx_http_hashpay_module.so.

set -eu

PKG=libnginx-mod-http-hashpay
LINK=/etc/nginx/modules-enabled/50-mod-http-hashpay.conf
CONF=/usr/share/nginx/modules-available/mod-http-hashpay.conf

fail() {
    echo "deb-check: FAIL: $*" >&2
    exit 1
}

if [ "$(id -u)" != 0 ]; then
    echo "deb-check: needs root (apt-get install)" >&2
    exit 1
fi

if dpkg-query -W -f '${Status}' "$PKG" 2>/dev/null | grep -q installed; then
    fail "$PKG is installed already: remove it first"
fi

make deb

deb=$(ls build/deb/${PKG}_*.deb)
[ "$(echo "$deb" | wc -l)" = 1 ] || fail "not one package: $deb"

WORK=$(mktemp -d)
INSTALLED=
# whatever failed: no nginx of ours left running, and the package purged
# again, so that the machine is left as it was
cleanup() {
    if [ -s "$WORK/nginx.pid" ]; then
        kill -QUIT "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    fi
    if [ -n "$INSTALLED" ] && dpkg-query -W -f '${Status}' "$PKG" \
                                2>/dev/null | grep -q installed
    then
        apt-get purge -y -q "$PKG" > /dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# a free port on 127.0.0.1
PORT=$(perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                  Listen => 1) or die "no free port: $!\n";
    print $s->sockport, "\n";')

# only the modules of modules-enabled, and a hashpay directive
cat > "$WORK/nginx.conf" <<END
include /etc/nginx/modules-enabled/*.conf;
pid $WORK/nginx.pid;
error_log $WORK/error.log info;
worker_processes 1;
events {}
http {
    access_log off;
    client_body_temp_path $WORK;
    proxy_temp_path $WORK;
    fastcgi_temp_path $WORK;
    uwsgi_temp_path $WORK;
    scgi_temp_path $WORK;
    server {
        listen 127.0.0.1:$PORT;
        location = /metrics { hashpay_metrics; }
    }
}
END

# GET /metrics of that nginx, up to 5 s
scrape() {
    perl -MIO::Socket::INET -e '
        for (1 .. 50) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
                                          PeerPort => $ARGV[0], Timeout => 2);
            if ($s) {
                print $s "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
                local $/;
                print <$s>;
                exit 0;
            }
            select undef, undef, undef, 0.1;
        }
        exit 1;' "$PORT"
}

export DEBIAN_FRONTEND=noninteractive

echo "deb-check: installing $deb"
INSTALLED=1
apt-get install -y -q "./$deb"

[ -L "$LINK" ] || fail "$LINK: no link after installing"
[ "$(readlink "$LINK")" = "$CONF" ] || fail "$LINK -> $(readlink "$LINK")"
grep -q '^load_module modules/ngx_http_hashpay_module.so;$' "$CONF" \
    || fail "$CONF: $(cat "$CONF")"
nginx -t || fail "nginx -t with $PKG installed"
nginx -t -c "$WORK/nginx.conf" \
    || fail "hashpay_metrics refused with $PKG installed"

# run it: the version of VERSION in the metrics and in the worker's log
VERSION=$(head -n 1 VERSION)
nginx -c "$WORK/nginx.conf" || fail "nginx did not start with $PKG"
metrics=$(scrape) || true
kill -QUIT "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
rm -f "$WORK/nginx.pid"
echo "$metrics" | grep -qx "hashpay_build_info{version=\"$VERSION\"} 1" \
    || fail "no hashpay_build_info of $VERSION: $metrics"
grep -q "hashpay $VERSION worker started" "$WORK/error.log" \
    || fail "no \"hashpay $VERSION worker started\": $(cat "$WORK/error.log")"
echo "deb-check: installed: the module is loaded from $LINK, version $VERSION"

apt-get remove -y -q "$PKG"

[ ! -e "$LINK" ] || fail "$LINK: still there after removing"
nginx -t || fail "nginx -t with $PKG removed"
if nginx -t -c "$WORK/nginx.conf" > "$WORK/t.out" 2>&1; then
    fail "hashpay_metrics accepted with $PKG removed"
fi
grep -q 'unknown directive "hashpay_metrics"' "$WORK/t.out" \
    || fail "not the unknown directive: $(cat "$WORK/t.out")"
echo "deb-check: removed: the module is no longer loaded"

apt-get purge -y -q "$PKG"
[ ! -e "$LINK.removed" ] || fail "$LINK.removed: still there after purge"

echo "deb-check: ok"
