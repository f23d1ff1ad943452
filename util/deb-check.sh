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
#    hashpay_metrics passes too: the module is loaded from the link;
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
cleanup() {
    rm -rf "$WORK"
}
trap cleanup EXIT

# only the modules of modules-enabled, and a hashpay directive
cat > "$WORK/nginx.conf" <<END
include /etc/nginx/modules-enabled/*.conf;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:1;
        location = /metrics { hashpay_metrics; }
    }
}
END

export DEBIAN_FRONTEND=noninteractive

echo "deb-check: installing $deb"
apt-get install -y -q "./$deb"

[ -L "$LINK" ] || fail "$LINK: no link after installing"
[ "$(readlink "$LINK")" = "$CONF" ] || fail "$LINK -> $(readlink "$LINK")"
grep -q '^load_module modules/ngx_http_hashpay_module.so;$' "$CONF" \
    || fail "$CONF: $(cat "$CONF")"
nginx -t || fail "nginx -t with $PKG installed"
nginx -t -c "$WORK/nginx.conf" \
    || fail "hashpay_metrics refused with $PKG installed"
nginx -V 2>&1 | head -1
echo "deb-check: installed: the module is loaded from $LINK"

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
