#!/bin/sh
# Install the Debian packages hashpay needs to build, test, run and bench
# (python3-redis: contrib/consumer and its tests; prometheus: promtool, for
# the checks of contrib/prometheus),
# and any packages named as arguments (`make fuzz` and `make test`: clang-14
# libclang-rt-14-dev; `make bench-callgrind`: valgrind), but only those
# that are missing.  Needs root (or
# sudo) when something is missing; does nothing at all when everything is
# there.

set -e

PKGS="gcc make nginx-light nginx-dev libssl-dev libhiredis-dev libjansson-dev
      redis-server redis-sentinel redis-tools openssl lua5.1 wrk perl
      libtest-base-perl libipc-run-perl
      libtext-diff-perl
      libtest-longstring-perl liblist-moreutils-perl libwww-perl
      python3 python3-redis prometheus $*"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null \
         | grep -q "install ok installed"
    then
        missing="$missing $p"
    fi
done

# nginx-core or nginx-full serve as well as nginx-light.
case " $missing " in
*" nginx-light "*)
    for alt in nginx-core nginx-full nginx-extras; do
        if dpkg-query -W -f '${Status}' "$alt" 2>/dev/null \
           | grep -q "install ok installed"
        then
            missing=$(echo "$missing" | sed 's/ nginx-light//')
            break
        fi
    done
    ;;
esac

[ -z "$missing" ] && exit 0

echo "hashpay: installing missing packages:$missing"

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "hashpay: need root to install:$missing" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Debian's nginx and redis packages try to start their services; on a
# machine without an init system (containers, CI) that must not fail the
# installation, and we never use the system instances anyway.
if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends $missing
