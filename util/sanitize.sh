#!/bin/sh
# The t/ suite with the module inside nginx under a memory checker, run by
#
#     make test-asan                  sh util/sanitize.sh asan MODULE
#     make test-valgrind              sh util/sanitize.sh valgrind MODULE
#     make test-sanitizers-can-fail   sh util/sanitize.sh can-fail \
#                                         ASAN_PLANTED PLAIN_PLANTED
#
# asan      MODULE is built with -fsanitize=address,undefined (build/asan/);
#           Debian's /usr/sbin/nginx runs it with libasan preloaded
#           (TEST_NGINX_LD_PRELOAD: the runner puts it in front of the
#           nginx command only; perl and Redis are not instrumented).
#           ASan and UBSan write their reports into build/sanitize/asan/
#           (log_path); after the suite util/sanitize-scan.pl reads them.
#           Any ASan error or UBSan "runtime error" fails.  Leaks
#           (detect_leaks=1, full stacks): a leak whose allocation stack
#           leaves nginx (the module, libcrypto, hiredis, jansson, or an
#           address nothing can place: nginx unloads the module before the
#           leak check) fails; nginx's own exit-time leaks, every frame in
#           /usr/sbin/nginx (nginx -t and a process leave their startup
#           cycle and event arrays to exit(): by design), are counted, not
#           failed.  The verdict comes from the
#           logs, not from exit statuses: exitcode=0, so that nginx's own
#           leak at exit does not turn "nginx -t" into a failed config test.
#           ASan stops the process at its first error (halt_on_error, the
#           only mode without -fsanitize-recover); UBSan goes on
#           (halt_on_error=0) so one run lists every report.
#           HASHPAY_TEST_SLOW=1: t/lib/HashpayTest.pm gives Redis lines
#           that do not set their own connect_timeout=/timeout= 30 s, as under
#           valgrind (an instrumented worker's first connect on a loaded
#           machine can miss the 200 ms default).
# valgrind  TEST_NGINX_USE_VALGRIND set to the memcheck options (the string
#           form of Test::Nginx's variable, identical in upstream
#           Test::Nginx and t/compat): --leak-check=full, definite leaks,
#           --suppressions=t/valgrind.suppress, one log file per process in
#           build/sanitize/valgrind/.  Any error in a log fails the run.
#           The client waits 30 s for an answer (TEST_NGINX_TIMEOUT, 3 s
#           otherwise) where a block does not set its own --- timeout.
#           Files in VALGRIND_SKIP (below) are not run: each says why.
# can-fail  both checkers on t/010-crc.t with a module built with
#           -DNGX_HTTP_HASHPAY_PLANT_BUG (a one-byte read past a malloc'd
#           copy of the CRC token); succeeds only if each checker fails AND
#           names the planted read (heap-buffer-overflow / Invalid read in
#           ngx_http_hashpay_crc).
#
# Knobs: T / TEST_FILES (the files), TEST_NGINX_PORT, as for util/test.sh.
# Last line: "sanitize MODE: N report(s)" and the exit status.

set -u

ROOT=$(pwd)
OUT="$ROOT/build/sanitize"

# Files that cannot run under valgrind, with the reason.  Keep it short.
# None now: the blocks with short timeouts take longer ones under valgrind
# (TEST_NGINX_*TIMEOUT* or $K/$Slow in each file; t/lib/HashpayTest.pm
# gives 30 s to Redis lines without their own).  Blocks skipped under
# valgrind (--- skip_eval, each says why): t/057-cluster.t TEST 6 (its
# load runs on two nginx of its own, never under valgrind).
VALGRIND_SKIP=""

libasan() {
    readlink -f "$(gcc -print-file-name=libasan.so)"
}

run_asan() {
    module=$1
    logs=$2
    rm -rf "$logs"
    mkdir -p "$logs"

    HASHPAY_TEST_SLOW=1 \
    TEST_NGINX_LOAD_MODULES=$module \
    TEST_NGINX_LD_PRELOAD=$(libasan) \
    ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30:exitcode=0:detect_stack_use_after_return=0:strict_string_checks=0" \
    UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=0" \
        sh util/test.sh
    suite=$?

    perl util/sanitize-scan.pl asan "$logs"
    scan=$?
    echo "sanitize asan: suite exit $suite, scan exit $scan ($logs)"
    [ "$suite" -eq 0 ] && [ "$scan" -eq 0 ]
}

run_valgrind() {
    module=$1
    logs=$2
    rm -rf "$logs"
    mkdir -p "$logs"

    files=${TEST_FILES:-${T:-}}
    if [ -z "$files" ]; then
        files=$(ls t/*.t)
        for f in $VALGRIND_SKIP; do
            echo "sanitize valgrind: skipped $f"
            files=$(echo "$files" | grep -v -x "$f")
        done
    fi

    TEST_FILES=$files T= \
    TEST_NGINX_TIMEOUT=${TEST_NGINX_TIMEOUT:-30} \
    TEST_NGINX_LOAD_MODULES=$module \
    TEST_NGINX_USE_VALGRIND="--tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=50 --keep-debuginfo=yes --suppressions=$ROOT/t/valgrind.suppress --gen-suppressions=all --log-file=$logs/vg.%p.log" \
        sh util/test.sh
    suite=$?

    perl util/sanitize-scan.pl valgrind "$logs"
    scan=$?
    echo "sanitize valgrind: suite exit $suite, scan exit $scan ($logs)"
    [ "$suite" -eq 0 ] && [ "$scan" -eq 0 ]
}

case "${1:-}" in
asan)
    run_asan "$2" "$OUT/asan"
    ;;
valgrind)
    run_valgrind "$2" "$OUT/valgrind"
    ;;
can-fail)
    ok=1
    T=t/010-crc.t
    TEST_FILES=t/010-crc.t
    export T TEST_FILES

    if run_asan "$2" "$OUT/asan-plant"; then
        echo "can-fail: test-asan PASSED with the planted bug" >&2
        ok=
    elif ! grep -l 'heap-buffer-overflow' "$OUT"/asan-plant/asan.* \
            2>/dev/null | xargs -r grep -l 'ngx_http_hashpay_crc' \
            | grep -q .
    then
        echo "can-fail: test-asan failed, but not on the planted read" >&2
        ok=
    else
        echo "can-fail: test-asan reports the planted read"
    fi

    if run_valgrind "$3" "$OUT/valgrind-plant"; then
        echo "can-fail: test-valgrind PASSED with the planted bug" >&2
        ok=
    elif ! grep -l 'Invalid read of size 1' "$OUT"/valgrind-plant/vg.* \
            2>/dev/null | xargs -r grep -l 'ngx_http_hashpay_crc' \
            | grep -q .
    then
        echo "can-fail: test-valgrind failed, but not on the planted read" >&2
        ok=
    else
        echo "can-fail: test-valgrind reports the planted read"
    fi

    if [ -z "$ok" ]; then
        echo "sanitize can-fail: FAILED"
        exit 1
    fi
    echo "sanitize can-fail: both checkers catch the planted bug"
    ;;
*)
    echo "usage: sh util/sanitize.sh asan|valgrind MODULE" >&2
    echo "       sh util/sanitize.sh can-fail ASAN_PLANTED PLAIN_PLANTED" >&2
    exit 2
    ;;
esac
