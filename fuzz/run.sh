#!/bin/sh
# Fuzzing driver, run by `make fuzz` from the repository root as
#
#     sh fuzz/run.sh SECONDS build/fuzz/HARNESS...
#
# runs each harness for SECONDS (libFuzzer's -max_total_time), one after
# the other, on the seeds of fuzz/corpus/HARNESS/ and on what earlier runs
# found (build/fuzz/corpus/HARNESS/, where new inputs are written; the
# seeds are never written to), with its dictionary from fuzz/dict/.
# Prints one line per harness:
#
#     fuzz: json          ok     1234567 runs   20576 exec/s  cov 373 ...
#     fuzz: delivery      CRASH  build/fuzz/artifacts/delivery/crash-...
#
# and exits non-zero if any harness failed.  The whole output of a harness
# is in build/fuzz/HARNESS.log.  Knobs: FUZZ_FLAGS (more libFuzzer flags,
# e.g. FUZZ_FLAGS=-jobs=2).

set -u

if [ $# -lt 2 ]; then
    echo "usage: sh fuzz/run.sh SECONDS build/fuzz/HARNESS..." >&2
    exit 2
fi

seconds=$1
shift

OUT=build/fuzz
failed=0

# the first line of a failure's report
FAILURE='FUZZ ASSERTION FAILED|ERROR: [A-Za-z]+Sanitizer|ERROR: libFuzzer'
FAILURE="$FAILURE|runtime error:"

# a value of libFuzzer's -print_final_stats from the log $log
stat() {
    sed -n "s/^stat::$1: *//p" "$log" | tail -1
}

for bin in "$@"; do
    h=$(basename "$bin")

    case $h in
    delivery|json) dict=fuzz/dict/$h.dict; max_len=8192 ;;
    delivery_diff) dict=fuzz/dict/delivery.dict; max_len=8192 ;;
    *)             dict=fuzz/dict/sig.dict; max_len=4096 ;;
    esac

    mkdir -p "$OUT/corpus/$h" "$OUT/artifacts/$h"
    log=$OUT/$h.log

    # shellcheck disable=SC2086
    "$bin" -max_total_time="$seconds" -timeout=10 -max_len="$max_len" \
        -dict="$dict" -print_final_stats=1 \
        -artifact_prefix="$OUT/artifacts/$h/" ${FUZZ_FLAGS:-} \
        "$OUT/corpus/$h" "fuzz/corpus/$h" > "$log" 2>&1
    rc=$?

    runs=$(stat number_of_executed_units)
    speed=$(stat average_exec_per_sec)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p')

    if [ "$rc" = 0 ]; then
        printf 'fuzz: %-12s  ok     %9s runs  %6s exec/s  cov %s  ft %s' \
            "$h" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}"
        printf '  corpus %s\n' "${corp:-?}"
    else
        failed=1
        art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        why=$(grep -m1 -E "$FAILURE" "$log")
        printf 'fuzz: %-12s  CRASH  %s  (%s; see %s)\n' \
            "$h" "${art:-no artifact}" "${why:-exit $rc}" "$log"
    fi
done

exit $failed
