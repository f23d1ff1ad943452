#!/bin/sh
# Line and branch coverage of src/ reached by the fuzzing corpora, run
# from the repository root as
#
#     sh fuzz/coverage.sh [HARNESS...]
#
# builds each harness (default: all) once more with clang's source-based
# coverage into build/fuzz/cov/, runs it over its seeds (fuzz/corpus/NAME/)
# and what fuzzing found (build/fuzz/corpus/NAME/), without fuzzing, and
# prints llvm-cov's report of the src/ file it tests.  Needs the configured
# nginx tree (build/nginx, as `make fuzz` does) and clang 14.

set -eu

NGX_BUILD=${NGX_BUILD:-build/nginx}
COV=build/fuzz/cov
INCS="-I src -I $NGX_BUILD/src/core -I $NGX_BUILD/src/event
      -I $NGX_BUILD/src/event/modules -I $NGX_BUILD/src/os/unix
      -I $NGX_BUILD/objs -I fuzz"

if [ $# = 0 ]; then
    set -- $(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_\(.*\)\.c|\1|')
fi

mkdir -p "$COV"

for h in "$@"; do
    case $h in
    delivery) src=src/ngx_http_hashpay_tweet.c ;;
    json)     src=src/ngx_http_hashpay_json.c ;;
    *)        src=src/ngx_http_hashpay_sig.c ;;
    esac

    # shellcheck disable=SC2086
    clang-14 -g -O0 -fsanitize=fuzzer -fprofile-instr-generate \
        -fcoverage-mapping $INCS -o "$COV/$h" "fuzz/fuzz_$h.c" \
        t/unit/ngx_stubs.c "$src" -ljansson -lcrypto -lm

    mkdir -p "build/fuzz/corpus/$h"
    rm -f "$COV/$h".profraw
    LLVM_PROFILE_FILE="$COV/$h.profraw" "$COV/$h" -runs=0 \
        "build/fuzz/corpus/$h" "fuzz/corpus/$h" > "$COV/$h.log" 2>&1

    llvm-profdata-14 merge -o "$COV/$h.profdata" "$COV/$h.profraw"

    echo "== $h: $src"
    llvm-cov-14 report "$COV/$h" -instr-profile="$COV/$h.profdata" "$src" \
        | sed -n '1p;$p'
done
