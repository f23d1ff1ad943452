SHELL := /bin/bash
# hashpay: build, test and run the nginx module.
#
#   make          build build/ngx_http_hashpay_module.so
#   make test     install what is missing, build, run every test (and
#                 the differential fuzz target for FUZZ_TEST_SECONDS, 20)
#   make test-ha  the failover tests only: t/057-cluster.t (Redis Cluster)
#                 and t/059-failover.t (Sentinel, two edges, SIGKILL)
#   make run      install what is missing, build, run nginx + a private Redis
#   make bench    throughput figures with wrk (see bench/README.md)
#   make bench-soak   memory and per-call times as history grows (idem)
#   make bench-scripts  Redis CPU and calls per script call, per outcome
#   make bench-reader   ns per delivery: the jansson reader vs the one-pass
#                 one (bench/reader.c)
#   make bench-json-alloc  ns per admin/transaction body, jansson's memory
#                 from malloc() or from the request's pool (bench/json_alloc.c)
#   make bench-callgrind  instructions per ignored signed delivery, split
#                 into HMAC, JSON, nginx and the rest (bench/callgrind.sh)
#   make bench-commands Redis commands per webhook per outcome through
#                 nginx, and webhooks/s per edge with 1 and 2 workers
#   make deb      the Debian package build/deb/libnginx-mod-http-hashpay_*.deb
#                 (debian/, dh-sequence-nginx; installs its build
#                 dependencies; util/deb.sh)
#   make clean    remove every build product (build/)
#   make fuzz     build the libFuzzer harnesses, run each FUZZ_SECONDS
#                 (see fuzz/README.md)
#   make test-asan      the t/ suite with the module built with
#                 -fsanitize=address,undefined (build/asan/), Debian's
#                 nginx with libasan preloaded; fails on any report
#   make test-valgrind  the t/ suite with nginx under valgrind memcheck
#                 (TEST_NGINX_USE_VALGRIND, t/valgrind.suppress)
#   make test-sanitizers-can-fail   both of the above, on one file, with a
#                 module that reads one byte past a buffer (a test-only
#                 build with -DNGX_HTTP_HASHPAY_PLANT_BUG): each must fail
#                 (util/sanitize.sh)

NGX_SRC     ?= /usr/share/nginx/src
NGX_BIN     ?= /usr/sbin/nginx
BUILD       := $(CURDIR)/build
NGX_BUILD   := $(BUILD)/nginx
MODULE      := $(BUILD)/ngx_http_hashpay_module.so
NGX_CC_OPT  ?= -g -O2 -fstack-protector-strong -Wformat \
               -Werror=format-security -D_FORTIFY_SOURCE=2 -Wall -Werror
NGX_LD_OPT  ?=

SRCS        := config ngx_http_hashpay_module.c $(wildcard src/*.c src/*.h) \
               $(wildcard src/lua/*.lua) util/lua2c.sh VERSION util/version.sh

UNIT_TESTS  := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(wildcard t/unit/test_*.c))
UNIT_INCS   := -I src -I $(NGX_BUILD)/src/core -I $(NGX_BUILD)/src/event \
               -I $(NGX_BUILD)/src/event/modules -I $(NGX_BUILD)/src/os/unix \
               -I $(NGX_BUILD)/objs -I $(NGX_BUILD)/objs/addon/hashpay
UNIT_CFLAGS := -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
               -fsanitize=address,undefined -fno-omit-frame-pointer

.PHONY: all deps test test-ha unit run bench bench-purchase \
        bench-transactions bench-soak bench-scripts bench-commands \
        bench-reader bench-json-alloc bench-callgrind clean fuzz deb test-asan \
        test-valgrind test-sanitizers-can-fail

all: $(MODULE)

deps:
	@sh util/deps.sh

$(NGX_BUILD)/objs/Makefile: config util/lua2c.sh util/version.sh
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	. $(NGX_SRC)/conf_flags && cd $(NGX_BUILD) && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(NGX_CC_OPT)" \
	        $(if $(strip $(NGX_LD_OPT)),--with-ld-opt="$(NGX_LD_OPT)") \
	        --add-dynamic-module=$(CURDIR) > $(BUILD)/configure.log 2>&1 \
	    || { tail -30 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/objs/Makefile $(SRCS)
	for x in h c; do \
	    f=$(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_scripts.$$x; \
	    HASHPAY_LUAC=required sh util/lua2c.sh src/lua $$x > $$f.new \
	        || exit 1; \
	    cmp -s $$f.new $$f || mv $$f.new $$f; rm -f $$f.new; \
	done
	sh util/version.sh VERSION \
	    > $(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_version.h.new
	cmp -s $(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_version.h.new \
	    $(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_version.h \
	|| mv $(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_version.h.new \
	    $(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_version.h
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules
	cp $(NGX_BUILD)/objs/ngx_http_hashpay_module.so $@.tmp
	mv $@.tmp $@

$(BUILD)/unit/%: t/unit/%.c t/unit/unit.h t/unit/ngx_stubs.c \
                 fuzz/delivery_diff.h \
                 $(wildcard src/*.c src/*.h) $(NGX_BUILD)/objs/Makefile
	mkdir -p $(BUILD)/unit
	$(CC) $(UNIT_CFLAGS) $(UNIT_INCS) -o $@ $< t/unit/ngx_stubs.c \
	    $(UNIT_SRCS_$*) -ljansson -lcrypto

UNIT_SRCS_test_sig     := src/ngx_http_hashpay_sig.c
UNIT_SRCS_test_tweet   := src/ngx_http_hashpay_tweet.c
UNIT_SRCS_test_tweet_scan := src/ngx_http_hashpay_scan.c \
                             src/ngx_http_hashpay_tweet.c
UNIT_SRCS_test_delivery_diff := src/ngx_http_hashpay_scan.c \
                                src/ngx_http_hashpay_tweet.c
UNIT_SRCS_test_code    := src/ngx_http_hashpay_code.c
UNIT_SRCS_test_json    := src/ngx_http_hashpay_json.c
UNIT_SRCS_test_json_alloc := src/ngx_http_hashpay_json_alloc.c
UNIT_SRCS_test_backoff := src/ngx_http_hashpay_backoff.c
UNIT_SRCS_test_cluster := src/ngx_http_hashpay_redis_cluster.c
UNIT_SRCS_test_prefilter := src/ngx_http_hashpay_prefilter.c
UNIT_SRCS_test_offer_cache := src/ngx_http_hashpay_offer_cache.c
UNIT_SRCS_test_scripts := $(NGX_BUILD)/objs/addon/hashpay/ngx_http_hashpay_scripts.c

# the script table is generated with the module
$(BUILD)/unit/test_scripts: $(MODULE)

unit: $(UNIT_TESTS)

# a short run of the differential fuzz target (the webhook's fast reader
# against the jansson-based one) before the tests; FUZZ_TEST_SECONDS=0
# skips it
FUZZ_TEST_SECONDS ?= 20

test: deps
	@$(MAKE) --no-print-directory all unit
	@if [ "$(FUZZ_TEST_SECONDS)" != 0 ]; then \
	    sh util/deps.sh clang-14 libclang-rt-14-dev && \
	    $(MAKE) --no-print-directory $(BUILD)/fuzz/delivery_diff && \
	    sh fuzz/run.sh $(FUZZ_TEST_SECONDS) $(BUILD)/fuzz/delivery_diff; \
	fi
	@sh util/test.sh $(UNIT_TESTS)

test-ha: deps
	@$(MAKE) --no-print-directory all
	@T="t/057-cluster.t t/059-failover.t" sh util/test.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh util/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

# ns per delivery of the old (jansson) and new (one-pass) readers, and
# yajl's bare validation when libyajl-dev is there (bench/reader.c)
bench-reader: $(NGX_BUILD)/objs/Makefile
	mkdir -p $(BUILD)/bench
	yajl=0; [ -f /usr/include/yajl/yajl_parse.h ] && yajl=1; \
	$(CC) -O2 -g -Wall -Werror -DHASHPAY_HAVE_YAJL=$$yajl $(UNIT_INCS) \
	    -o $(BUILD)/bench/reader bench/reader.c bench/pool.c \
	    src/ngx_http_hashpay_scan.c src/ngx_http_hashpay_tweet.c \
	    -ljansson $$([ $$yajl = 1 ] && echo -lyajl)
	$(BUILD)/bench/reader $(BENCH_READER_BODIES)

# ns per admin/transaction body with jansson's memory from malloc(), from
# the allocator of src/ngx_http_hashpay_json_alloc.c without and with an
# arena (bench/json_alloc.c)
bench-json-alloc: $(NGX_BUILD)/objs/Makefile
	mkdir -p $(BUILD)/bench
	$(CC) -O2 -g -Wall -Werror $(UNIT_INCS) \
	    -o $(BUILD)/bench/json_alloc bench/json_alloc.c bench/pool.c \
	    src/ngx_http_hashpay_json.c src/ngx_http_hashpay_json_alloc.c \
	    -ljansson
	$(BUILD)/bench/json_alloc

bench-callgrind: deps
	@sh util/deps.sh valgrind
	@$(MAKE) --no-print-directory all
	@sh bench/callgrind.sh

bench-purchase: deps
	@$(MAKE) --no-print-directory all
	@sh bench/purchase.sh

bench-transactions: deps
	@$(MAKE) --no-print-directory all
	@sh bench/transactions.sh

bench-scripts: deps
	@perl bench/scripts.pl $(BENCH_CALLS)

bench-commands: deps
	@$(MAKE) --no-print-directory all
	@perl bench/commands.pl $(BENCH_CALLS)

bench-soak: deps
	@$(MAKE) --no-print-directory all
	@sh bench/soak.sh

deb:
	@sh util/deb.sh

clean:
	rm -rf $(BUILD) t/servroot

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZERS      := $(patsubst fuzz/fuzz_%.c,$(BUILD)/fuzz/%, \
                          $(wildcard fuzz/fuzz_*.c))
FUZZ_CFLAGS  := -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
                -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/fuzz/%: fuzz/fuzz_%.c fuzz/fuzz.h fuzz/delivery_diff.h \
                 t/unit/ngx_stubs.c \
                 $(wildcard src/*.c src/*.h) $(NGX_BUILD)/objs/Makefile
	mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(UNIT_INCS) -I fuzz -o $@ $< \
	    t/unit/ngx_stubs.c $(FUZZ_SRCS_$*) -ljansson -lcrypto -lm

$(BUILD)/fuzz/sw_signed: fuzz/fuzz_sw_verify.c

FUZZ_SRCS_delivery  := src/ngx_http_hashpay_tweet.c
FUZZ_SRCS_delivery_diff := src/ngx_http_hashpay_scan.c \
                           src/ngx_http_hashpay_tweet.c
FUZZ_SRCS_json      := src/ngx_http_hashpay_json.c
FUZZ_SRCS_sw_verify := src/ngx_http_hashpay_sig.c
FUZZ_SRCS_sw_signed := src/ngx_http_hashpay_sig.c
FUZZ_SRCS_sw_key    := src/ngx_http_hashpay_sig.c
FUZZ_SRCS_crc_token := src/ngx_http_hashpay_sig.c
FUZZ_SRCS_x_verify  := src/ngx_http_hashpay_sig.c

fuzz:
	@sh util/deps.sh clang-14 libclang-rt-14-dev
	@$(MAKE) --no-print-directory $(FUZZERS)
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# The module inside nginx under the sanitizers.  Each variant is a
# separate nginx tree and module under build/ (build/ngx_http_hashpay_module.so
# is never touched): a recursive make with BUILD pointing elsewhere.
#   build/asan/        -fsanitize=address,undefined, for make test-asan
#   build/plant/       the plain flags + the planted off-by-one read
#   build/asan-plant/  the sanitizer flags + the planted off-by-one read
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer
SAN_CC_OPT   := -g -O1 $(SAN_FLAGS) -Wall -Werror
PLANT        := -DNGX_HTTP_HASHPAY_PLANT_BUG

$(BUILD)/asan/ngx_http_hashpay_module.so: $(SRCS)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan \
	    NGX_CC_OPT="$(SAN_CC_OPT)" NGX_LD_OPT="$(SAN_FLAGS)" all

$(BUILD)/asan-plant/ngx_http_hashpay_module.so: $(SRCS)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan-plant \
	    NGX_CC_OPT="$(SAN_CC_OPT) $(PLANT)" NGX_LD_OPT="$(SAN_FLAGS)" all

$(BUILD)/plant/ngx_http_hashpay_module.so: $(SRCS)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/plant \
	    NGX_CC_OPT="$(NGX_CC_OPT) $(PLANT)" all

test-asan:
	@sh util/deps.sh libasan8 libubsan1
	@$(MAKE) --no-print-directory $(BUILD)/asan/ngx_http_hashpay_module.so
	@sh util/sanitize.sh asan $(BUILD)/asan/ngx_http_hashpay_module.so

test-valgrind:
	@sh util/deps.sh valgrind
	@$(MAKE) --no-print-directory all
	@sh util/sanitize.sh valgrind $(MODULE)

test-sanitizers-can-fail:
	@sh util/deps.sh libasan8 libubsan1 valgrind
	@$(MAKE) --no-print-directory \
	    $(BUILD)/asan-plant/ngx_http_hashpay_module.so \
	    $(BUILD)/plant/ngx_http_hashpay_module.so
	@sh util/sanitize.sh can-fail \
	    $(BUILD)/asan-plant/ngx_http_hashpay_module.so \
	    $(BUILD)/plant/ngx_http_hashpay_module.so
