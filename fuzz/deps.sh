#!/bin/sh
# Install what `make fuzz` needs beyond util/deps.sh, but only what is
# missing: clang 14 and its runtime libraries (libFuzzer and the
# sanitizers are in libclang-rt-14-dev).  Needs root (or sudo) when
# something is missing; does nothing at all when everything is there.

set -e

PKGS="clang-14 libclang-rt-14-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null \
         | grep -q "install ok installed"
    then
        missing="$missing $p"
    fi
done

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
$SUDO apt-get install -y -q --no-install-recommends $missing
