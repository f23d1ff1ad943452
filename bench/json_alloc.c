
/*
 * Copyright (C) hashpay authors
 *
 * `make bench-json-alloc`: nanoseconds per body of what the admin and
 * card-transaction handlers do with a body (ngx_http_hashpay_json_parse()
 * then the fields read), with jansson's memory three ways, in one process,
 * one core, compiled as the module is (-O2):
 *
 *   malloc    jansson's own allocator (malloc/free) and json_decref() at
 *             the end: before issue 14, point 3
 *   ours-heap the allocator of src/ngx_http_hashpay_json_alloc.c with no
 *             arena (every block a malloc() with a 16-byte header) and
 *             json_decref(): what another module's jansson pays, and a
 *             body whose pool failed
 *   arena     an arena on the pool made current around the parse, no
 *             json_decref(): the pool takes it all
 *
 * The pool is a bump allocator reset per body, as nginx's request pool is
 * in effect (a real request pool may also malloc() one more 4 kB block for
 * the arena's 2 kB chunk, which this leaves out).  Rounds alternate the
 * modes; the best round of each is printed.  Knobs: BENCH_JSON_ITERS
 * (default 100000 per round), BENCH_JSON_ROUNDS (default 7),
 * BENCH_JSON_MODE (malloc, ours-heap or arena: only that one, the others
 * print 0; for instruction counts under valgrind --tool=callgrind).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <time.h>

#include "ngx_http_hashpay_json.h"
#include "ngx_http_hashpay_json_alloc.h"
#include "pool.h"


#define ARENA_SIZE  (1024 * 1024)


typedef enum {
    MODE_MALLOC = 0,
    MODE_OURS_HEAP,
    MODE_ARENA,
    MODE_N
} mode_e;


static const char  *mode_names[MODE_N] = { "malloc", "ours-heap", "arena" };


typedef struct {
    const char  *name;
    const char  *body;
    ngx_uint_t   offer;
} body_t;


static body_t  bodies[] = {

    /* bench/transactions.pl's, as `make bench-transactions` sends it */
    { "transaction",
      "{\"txn_id\":\"txn_credited_123456\",\"card_token\":\"tok_bench_123456\","
      "\"merchant_id\":\"mch_bench\",\"amount_cents\":2500,"
      "\"currency\":\"USD\",\"at\":1796294085}", 0 },

    /* bench/transactions.sh's offer, PUT /admin/offers/BenchCash */
    { "offer",
      "{\"kind\":\"cashback\",\"title\":\"5 back\",\"stock\":1000000000,"
      "\"per_user_limit\":1,\"merchant_id\":\"mch_bench\","
      "\"cashback_cents\":500,\"min_spend_cents\":1000}", 1 },

    { NULL, NULL, 0 }
};


static json_malloc_t  ours_malloc;
static json_free_t    ours_free;


static ngx_int_t
one(body_t *b, size_t len, mode_e mode)
{
    json_t                         *root;
    ngx_int_t                       rc;
    ngx_pool_t                     *pool;
    ngx_http_hashpay_txn_t          txn;
    ngx_http_hashpay_offer_t        offer;
    ngx_http_hashpay_json_err_t     err;
    ngx_http_hashpay_json_arena_t  *a, *prev;

    ngx_memzero(&err, sizeof(ngx_http_hashpay_json_err_t));

    pool = ngx_create_pool(4096, NULL);
    a = NULL;

    if (mode == MODE_ARENA) {
        a = ngx_http_hashpay_json_arena_create(pool);
    }

    prev = ngx_http_hashpay_json_arena_use(a);
    root = ngx_http_hashpay_json_parse((u_char *) b->body, len, &err);
    (void) ngx_http_hashpay_json_arena_use(prev);

    if (root == NULL) {
        return NGX_ERROR;
    }

    if (b->offer) {
        rc = ngx_http_hashpay_offer_read(root, &offer, &err);

    } else {
        rc = ngx_http_hashpay_txn_read(root, &txn, &err);
    }

    if (mode != MODE_ARENA || a == NULL || a->heap != 0) {
        json_decref(root);
    }

    ngx_destroy_pool(pool);

    return rc;
}


static double
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


int
main(int argc, char **argv)
{
    char                           *e;
    size_t                          len;
    double                          t0, ns, best[MODE_N], total[MODE_N];
    char                           *only;
    ngx_uint_t                      i, n, round, rounds, iters, mode;
    ngx_pool_t                     *pool;
    ngx_http_hashpay_json_arena_t  *a, *prev;
    ngx_http_hashpay_json_err_t     err;
    json_t                         *root;

    e = getenv("BENCH_JSON_ITERS");
    iters = e ? strtoul(e, NULL, 10) : 100000;
    e = getenv("BENCH_JSON_ROUNDS");
    rounds = e ? strtoul(e, NULL, 10) : 7;
    only = getenv("BENCH_JSON_MODE");

    if (bench_pool_init(ARENA_SIZE) != NGX_OK
        || ngx_http_hashpay_json_alloc_init() != NGX_OK)
    {
        fprintf(stderr, "bench-json-alloc: no memory or no allocator\n");
        return 1;
    }

    json_get_alloc_funcs(&ours_malloc, &ours_free);

    printf("bench-json-alloc: %lu iterations x %lu rounds per body and "
           "mode, best round\n", (unsigned long) iters,
           (unsigned long) rounds);
    printf("%-12s %5s %10s %10s %10s %8s %8s %6s %7s\n", "body", "bytes",
           "malloc", "ours-heap", "arena", "heap/mal", "arena/mal",
           "blocks", "pool");

    for (mode = 0; mode < MODE_N; mode++) {
        total[mode] = 0;
    }

    for (i = 0; bodies[i].name; i++) {
        len = strlen(bodies[i].body);

        for (mode = 0; mode < MODE_N; mode++) {
            best[mode] = 1e30;
        }

        for (round = 0; round < rounds; round++) {
            for (mode = 0; mode < MODE_N; mode++) {

                if (only != NULL && strcmp(only, mode_names[mode]) != 0) {
                    best[mode] = 0;
                    continue;
                }

                if (mode == MODE_MALLOC) {
                    json_set_alloc_funcs(malloc, free);

                } else {
                    json_set_alloc_funcs(ours_malloc, ours_free);
                }

                t0 = now_ns();

                for (n = 0; n < iters; n++) {
                    if (one(&bodies[i], len, mode) != NGX_OK) {
                        fprintf(stderr, "bench-json-alloc: %s refused\n",
                                bodies[i].name);
                        return 1;
                    }
                }

                ns = (now_ns() - t0) / iters;

                if (ns < best[mode]) {
                    best[mode] = ns;
                }
            }
        }

        /* how much of the pool one body takes */

        json_set_alloc_funcs(ours_malloc, ours_free);
        ngx_memzero(&err, sizeof(ngx_http_hashpay_json_err_t));
        pool = ngx_create_pool(4096, NULL);
        a = ngx_http_hashpay_json_arena_create(pool);
        prev = ngx_http_hashpay_json_arena_use(a);
        root = ngx_http_hashpay_json_parse((u_char *) bodies[i].body, len,
                                           &err);
        (void) ngx_http_hashpay_json_arena_use(prev);

        printf("%-12s %5zu %8.0fns %8.0fns %8.0fns %8.3f %8.3f %6lu %5zuB\n",
               bodies[i].name, len, best[MODE_MALLOC], best[MODE_OURS_HEAP],
               best[MODE_ARENA], best[MODE_OURS_HEAP] / best[MODE_MALLOC],
               best[MODE_ARENA] / best[MODE_MALLOC],
               (unsigned long) a->blocks, a->bytes);

        (void) root;
        ngx_destroy_pool(pool);

        for (mode = 0; mode < MODE_N; mode++) {
            total[mode] += best[mode];
        }
    }

    printf("%-12s %5s %8.0fns %8.0fns %8.0fns %8.3f %8.3f\n", "total", "",
           total[MODE_MALLOC], total[MODE_OURS_HEAP], total[MODE_ARENA],
           total[MODE_OURS_HEAP] / total[MODE_MALLOC],
           total[MODE_ARENA] / total[MODE_MALLOC]);

    (void) argc;
    (void) argv;

    return 0;
}
