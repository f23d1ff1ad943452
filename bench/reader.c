
/*
 * Copyright (C) hashpay authors
 *
 * `make bench-reader`: nanoseconds per delivery of the webhook's two
 * readers on the same bodies (the .json files of t/data/examples, or those
 * given as arguments), in one process, one core, compiled as the module is
 * (-O2):
 *
 *   jansson   json_loadb(JSON_ALLOW_NUL) + ngx_http_hashpay_delivery_read()
 *             + json_decref(): the reader before issue 14
 *   scan      ngx_http_hashpay_scan_delivery(): the one-pass reader
 *   yajl      (when libyajl-dev is installed) yajl_parse() with no
 *             callbacks at all: only yajl's own validation, the floor of
 *             any reader built on yajl
 *
 * Pools are a bump allocator reset per delivery, as nginx's request pool
 * is in effect.  Prints one line per body and the totals.  Knob:
 * BENCH_READER_ITERS (default 20000 per body).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <dirent.h>
#include <time.h>

#if (HASHPAY_HAVE_YAJL)
#include <yajl/yajl_parse.h>
#endif

#include "ngx_http_hashpay_tweet.h"
#include "ngx_http_hashpay_scan.h"
#include "pool.h"


#define ARENA_SIZE  (4 * 1024 * 1024)


ngx_array_t *
ngx_array_create(ngx_pool_t *p, ngx_uint_t n, size_t size)
{
    ngx_array_t  *a;

    a = ngx_palloc(p, sizeof(ngx_array_t));
    if (a == NULL) {
        return NULL;
    }

    if (ngx_array_init(a, p, n, size) != NGX_OK) {
        return NULL;
    }

    return a;
}


void *
ngx_array_push(ngx_array_t *a)
{
    void        *elt, *new;
    ngx_uint_t   nalloc;

    if (a->nelts == a->nalloc) {
        nalloc = 2 * a->nalloc;

        new = ngx_palloc(a->pool, nalloc * a->size);
        if (new == NULL) {
            return NULL;
        }

        ngx_memcpy(new, a->elts, a->nelts * a->size);

        a->elts = new;
        a->nalloc = nalloc;
    }

    elt = (u_char *) a->elts + a->size * a->nelts;
    a->nelts++;

    return elt;
}


static ngx_str_t  operators[] = {
    ngx_string("15234567"),
};

static ngx_http_hashpay_tweet_conf_t  conf = {
    operators, 1, ngx_string("Confirm")
};


static double
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


static ngx_uint_t  sink;


static double
run_jansson(const u_char *body, size_t len, ngx_uint_t iters)
{
    double                        t0;
    json_t                       *root;
    ngx_uint_t                    i;
    ngx_pool_t                   *pool;
    json_error_t                  err;
    ngx_http_hashpay_delivery_t   d;

    t0 = now_ns();

    for (i = 0; i < iters; i++) {
        pool = ngx_create_pool(4096, NULL);

        root = json_loadb((const char *) body, len, JSON_ALLOW_NUL, &err);

        if (root == NULL
            && json_error_code(&err) == json_error_numeric_overflow)
        {
            root = json_loadb((const char *) body, len,
                              JSON_ALLOW_NUL|JSON_DECODE_INT_AS_REAL, &err);
        }

        if (root != NULL) {
            sink += ngx_http_hashpay_delivery_read(root, &conf, pool, &d);
            json_decref(root);
        }

        ngx_destroy_pool(pool);
    }

    return (now_ns() - t0) / iters;
}


static double
run_scan(const u_char *body, size_t len, ngx_uint_t iters)
{
    double                        t0;
    ngx_uint_t                    i;
    ngx_pool_t                   *pool;
    ngx_http_hashpay_delivery_t   d;
    ngx_http_hashpay_scan_err_t   err;

    t0 = now_ns();

    for (i = 0; i < iters; i++) {
        pool = ngx_create_pool(4096, NULL);
        sink += ngx_http_hashpay_scan_delivery(body, len, &conf, pool, &d,
                                               &err);
        ngx_destroy_pool(pool);
    }

    return (now_ns() - t0) / iters;
}


#if (HASHPAY_HAVE_YAJL)

static double
run_yajl(const u_char *body, size_t len, ngx_uint_t iters)
{
    double        t0;
    ngx_uint_t    i;
    yajl_handle   h;

    t0 = now_ns();

    for (i = 0; i < iters; i++) {
        h = yajl_alloc(NULL, NULL, NULL);
        sink += yajl_parse(h, body, len);
        sink += yajl_complete_parse(h);
        yajl_free(h);
    }

    return (now_ns() - t0) / iters;
}


/* what yajl says of a lone surrogate, which jansson refuses */

static int
yajl_accepts(const char *s)
{
    int          ok;
    yajl_handle  h;

    h = yajl_alloc(NULL, NULL, NULL);
    ok = yajl_parse(h, (const u_char *) s, strlen(s)) == yajl_status_ok
         && yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);

    return ok;
}

#endif


int
main(int argc, char **argv)
{
    DIR            *dir;
    FILE           *f;
    char            path[2048], *env;
    long            n;
    u_char         *body;
    double          a, b, c, ta, tb, tc, bytes;
    ngx_uint_t      iters, files;
    struct dirent  *de;
    char           *names[256];
    int             i, count;

    if (bench_pool_init(ARENA_SIZE) != NGX_OK) {
        return 1;
    }

    env = getenv("BENCH_READER_ITERS");
    iters = env ? (ngx_uint_t) atoi(env) : 20000;

    count = 0;

    if (argc > 1) {
        for (i = 1; i < argc && count < 256; i++) {
            names[count++] = strdup(argv[i]);
        }

    } else {
        dir = opendir("t/data/examples");
        if (dir == NULL) {
            fprintf(stderr, "run from the repository's root\n");
            return 1;
        }

        while ((de = readdir(dir)) != NULL && count < 256) {
            n = strlen(de->d_name);

            if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0) {
                snprintf(path, sizeof(path), "t/data/examples/%s",
                         de->d_name);
                names[count++] = strdup(path);
            }
        }

        closedir(dir);
    }

    ta = tb = tc = bytes = 0;
    files = 0;

    printf("%-48s %6s %10s %10s %10s\n", "body", "bytes", "jansson ns",
           "scan ns", "yajl ns");

    for (i = 0; i < count; i++) {
        f = fopen(names[i], "rb");
        if (f == NULL) {
            continue;
        }

        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        body = malloc(n ? n : 1);

        if (body == NULL || fread(body, 1, n, f) != (size_t) n) {
            fclose(f);
            free(body);
            continue;
        }

        fclose(f);

        /* warm up, then measure */
        run_jansson(body, n, iters / 10 + 1);
        run_scan(body, n, iters / 10 + 1);

        a = run_jansson(body, n, iters);
        b = run_scan(body, n, iters);
        c = 0;

#if (HASHPAY_HAVE_YAJL)
        run_yajl(body, n, iters / 10 + 1);
        c = run_yajl(body, n, iters);
#endif

        printf("%-48s %6ld %10.0f %10.0f %10.0f\n",
               strrchr(names[i], '/') ? strrchr(names[i], '/') + 1 : names[i],
               n, a, b, c);

        ta += a;
        tb += b;
        tc += c;
        bytes += n;
        files++;

        free(body);
    }

    if (files == 0) {
        fprintf(stderr, "no bodies\n");
        return 1;
    }

    printf("%-48s %6.0f %10.0f %10.0f %10.0f\n", "mean per delivery",
           bytes / files, ta / files, tb / files, tc / files);
    printf("scan is %.1fx faster than jansson (%.2f vs %.2f ns/byte)\n",
           ta / tb, tb / bytes, ta / bytes);

#if (HASHPAY_HAVE_YAJL)
    printf("yajl validation alone is %.2fx the time of the whole scan; "
           "yajl accepts a lone surrogate \"\\ud800\": %s\n", tc / tb,
           yajl_accepts("[\"\\ud800\"]") ? "yes" : "no");
#endif

    return (int) (sink & 0);
}
