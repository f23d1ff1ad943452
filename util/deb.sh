#!/bin/sh
# `make deb`: build the Debian package libnginx-mod-http-hashpay into
# build/deb/ the Debian way (debian/: dh with dh-sequence-nginx from
# nginx-dev), from a copy of the source tree, so that the tree itself stays
# clean.
#
# 1. installs the build dependencies that are missing (util/deps.sh; then
#    dpkg-checkbuilddeps checks debian/control's list);
# 2. copies the tracked and untracked-but-not-ignored files (git), or the
#    tree without build/ and t/servroot* (no git), to
#    build/deb/src/libnginx-mod-http-hashpay-<version>/;
# 3. writes debian/changelog there, version = the line of VERSION;
# 4. dpkg-buildpackage -b -us -uc, and moves the .deb to build/deb/.
#
# Root (or sudo) only to install missing build dependencies: the build
# system of dh-sequence-nginx runs Debian's configure in
# /usr/share/nginx/src with --builddir in the copy, and writes nothing
# outside it.

set -eu

ROOT=$(pwd)
OUT="$ROOT/build/deb"
PKG=libnginx-mod-http-hashpay

sh util/deps.sh debhelper dpkg-dev fakeroot build-essential nginx-dev \
    libhiredis-dev libjansson-dev libssl-dev

VERSION=$(head -n 1 VERSION)
sh util/version.sh VERSION > /dev/null   # the same check as the build's

STAGE="$OUT/src/$PKG-$VERSION"
rm -rf "$OUT"
mkdir -p "$STAGE"

if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard \
        | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
        | tar --null -T - -cf - | tar -C "$STAGE" -xf -
    DESCRIBE=$(git describe --always --dirty 2>/dev/null || echo unknown)
    DATE=$(git log -1 --format=%cD 2>/dev/null || date -R)
else
    tar --exclude=./build --exclude='./t/servroot*' -cf - . \
        | tar -C "$STAGE" -xf -
    DESCRIBE="a tree without git"
    DATE=$(date -R)
fi

cat > "$STAGE/debian/changelog" <<END
$PKG ($VERSION) bookworm; urgency=medium

  * hashpay $VERSION, built from $DESCRIBE.

 -- hashpay authors <hashpay@example.org>  $DATE
END

cd "$STAGE"
dpkg-checkbuilddeps
dpkg-buildpackage -b -us -uc > "$OUT/build.log" 2>&1 || {
    tail -40 "$OUT/build.log"
    echo "hashpay: dpkg-buildpackage failed, the whole log: $OUT/build.log" >&2
    exit 1
}
cd "$ROOT"

mv "$OUT"/src/*.deb "$OUT"/
ls "$OUT"/*.deb
