
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_json_alloc.c: the allocator becomes
 * jansson's (and not over someone else's); blocks from an arena and from
 * malloc() mixed and freed in any order, each kind as it should (the test
 * runs under AddressSanitizer and LeakSanitizer: a malloc() block not
 * freed, freed twice, or an arena block given to free() fails it); the
 * arena's last block given back as jansson grows a buffer; alignment of
 * every size; a document parsed, dumped and changed in an arena, then left
 * to the pool; a pool that fails in the middle of a document.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <stdint.h>

#include "ngx_http_hashpay_json_alloc.h"
#include "unit.h"


#define ALIGN  NGX_HTTP_HASHPAY_JSON_ALIGN
#define CHUNK  NGX_HTTP_HASHPAY_JSON_CHUNK


extern ngx_int_t  ngx_stub_alloc_budget;


static json_malloc_t  jmalloc;
static json_free_t    jfree;


static void test_install(void);
static void test_heap(void);
static void test_mixed(void);
static void test_give_back(void);
static void test_alignment(void);
static void test_document(void);
static void test_pool_fails(void);
static void test_nesting(void);

static void *other_malloc(size_t size);
static void other_free(void *p);


int
main(void)
{
    test_install();

    json_get_alloc_funcs(&jmalloc, &jfree);

    test_heap();
    test_mixed();
    test_give_back();
    test_alignment();
    test_document();
    test_pool_fails();
    test_nesting();

    return unit_done();
}


static void
test_install(void)
{
    json_free_t    f;
    json_malloc_t  m;

    /* nothing until installed: an arena would not be jansson's */

    CHECK_NULL(ngx_http_hashpay_json_arena_create(NULL),
               "no arena before the allocator is installed");

    /* someone else's allocator is left alone */

    json_set_alloc_funcs(other_malloc, other_free);
    CHECK_INT(ngx_http_hashpay_json_alloc_init(), NGX_DECLINED,
              "not installed over another allocator");
    json_get_alloc_funcs(&m, &f);
    CHECK(m == other_malloc && f == other_free, "the other one kept");
    CHECK_NULL(ngx_http_hashpay_json_arena_create(NULL),
               "no arena under another allocator");

    json_set_alloc_funcs(malloc, free);

    CHECK_INT(ngx_http_hashpay_json_alloc_init(), NGX_OK, "installed");

    json_get_alloc_funcs(&m, &f);
    CHECK(m != malloc && f != free, "jansson's allocator replaced");

    CHECK_INT(ngx_http_hashpay_json_alloc_init(), NGX_OK,
              "installed twice: still ours");
}


/* no arena current: plain malloc() blocks, freed for real (LSan checks) */

static void
test_heap(void)
{
    u_char   *p;
    json_t   *j;
    char     *s;
    size_t    i;

    for (i = 0; i < 100; i++) {
        p = jmalloc(i);
        CHECK(p != NULL, "heap block of %zu", i);
        CHECK((uintptr_t) p % ALIGN == 0, "heap block of %zu aligned", i);
        CHECK_NULL(ngx_http_hashpay_json_arena_of(p), "heap block's arena");
        ngx_memset(p, 0xa5, i);
        jfree(p);
    }

    jfree(NULL);
    CHECK(1, "free(NULL) is harmless");

    j = json_loads("{\"a\": [1, 2.5, \"x\"], \"b\": {\"c\": null}}", 0,
                   NULL);
    CHECK(j != NULL, "document on the heap");

    s = json_dumps(j, JSON_COMPACT|JSON_SORT_KEYS);
    CHECK_STR(s, s ? strlen(s) : 0, "{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":null}}",
              "heap document dumped");

    jfree(s);
    json_decref(j);
}


/*
 * Blocks of both kinds interleaved, freed in every order: each arena block
 * is the arena's, each heap block is freed (else LSan reports a leak; an
 * arena block given to free() is an ASan error).
 */

static void
test_mixed(void)
{
    void                           *blk[64];
    ngx_uint_t                      i, order;
    ngx_pool_t                     *pool;
    ngx_http_hashpay_json_arena_t  *a, *prev;

    for (order = 0; order < 3; order++) {
        pool = ngx_create_pool(1024, NULL);
        a = ngx_http_hashpay_json_arena_create(pool);
        CHECK(a != NULL, "arena");

        for (i = 0; i < 64; i++) {
            prev = ngx_http_hashpay_json_arena_use(i % 3 ? a : NULL);
            blk[i] = jmalloc(8 + i * 13);
            (void) ngx_http_hashpay_json_arena_use(prev);

            CHECK(blk[i] != NULL, "block %lu", (unsigned long) i);
            ngx_memset(blk[i], (int) i, 8 + i * 13);
        }

        for (i = 0; i < 64; i++) {
            CHECK(ngx_http_hashpay_json_arena_of(blk[i]) == (i % 3 ? a : NULL),
                  "block %lu: its kind", (unsigned long) i);
        }

        /* no block overlaps another: each still holds its own bytes */

        for (i = 0; i < 64; i++) {
            CHECK(((u_char *) blk[i])[0] == (u_char) i
                  && ((u_char *) blk[i])[7 + i * 13] == (u_char) i,
                  "block %lu intact", (unsigned long) i);
        }

        /* 0: with the arena current; 1: with none; 2: backwards */

        prev = ngx_http_hashpay_json_arena_use(order == 0 ? a : NULL);

        for (i = 0; i < 64; i++) {
            jfree(blk[order == 2 ? 63 - i : i]);
        }

        (void) ngx_http_hashpay_json_arena_use(prev);

        CHECK_INT(a->heap, 0, "no heap block counted against the arena");
        CHECK(a->bytes >= a->blocks * ALIGN, "arena's bytes counted");

        ngx_destroy_pool(pool);
    }
}


/* jansson grows a buffer by malloc(), copy, free(): the last block returns */

static void
test_give_back(void)
{
    u_char                         *p, *q, *r, *big;
    ngx_uint_t                      blocks;
    ngx_pool_t                     *pool;
    ngx_http_hashpay_json_arena_t  *a, *prev;

    pool = ngx_create_pool(1024, NULL);
    a = ngx_http_hashpay_json_arena_create(pool);
    prev = ngx_http_hashpay_json_arena_use(a);

    p = jmalloc(16);
    CHECK(p != NULL, "first block");
    blocks = a->blocks;

    jfree(p);
    CHECK_INT(a->blocks, blocks - 1, "last block given back");

    q = jmalloc(32);
    CHECK(q == p, "its room reused");

    /* a strbuffer's doubling: new, copy, old freed (not the last one) */

    ngx_memcpy(q, "0123456789abcdef0123456789abcdef", 32);
    r = jmalloc(64);
    ngx_memcpy(r, q, 32);
    jfree(q);
    CHECK(r != q && ngx_memcmp(r, "0123456789abcdef", 16) == 0,
          "grown copy intact after the old one is freed");

    /* then the grown one is the last: it goes back */

    jfree(r);
    p = jmalloc(48);
    CHECK(p == r, "last block's room reused");

    /* a big block has its own allocation and is never given back */

    big = jmalloc(CHUNK);
    CHECK(big != NULL && (uintptr_t) big % ALIGN == 0, "big block aligned");
    CHECK(ngx_http_hashpay_json_arena_of(big) == a, "big block in the arena");
    ngx_memset(big, 0x5a, CHUNK);
    jfree(big);

    q = jmalloc(16);
    CHECK(q != big, "big block not given back");
    /* each block is its size plus the header, rounded to the alignment */

    CHECK(q == p + 48 + ALIGN, "small blocks still follow each other");

    /* a block of an arena that is not current is never given back */

    (void) ngx_http_hashpay_json_arena_use(NULL);
    blocks = a->blocks;
    jfree(q);
    CHECK_INT(a->blocks, blocks, "not current: not given back");

    (void) ngx_http_hashpay_json_arena_use(a);
    r = jmalloc(16);
    CHECK(r == q + 16 + ALIGN, "its room kept");

    (void) ngx_http_hashpay_json_arena_use(prev);

    CHECK_INT(a->heap, 0, "no heap block");

    ngx_destroy_pool(pool);
}


static void
test_alignment(void)
{
    u_char                         *p;
    size_t                          size;
    ngx_pool_t                     *pool;
    ngx_http_hashpay_json_arena_t  *a, *prev;

    pool = ngx_create_pool(1024, NULL);
    a = ngx_http_hashpay_json_arena_create(pool);
    prev = ngx_http_hashpay_json_arena_use(a);

    for (size = 0; size <= 3 * CHUNK; size += (size < 64 ? 1 : 61)) {
        p = jmalloc(size);
        CHECK(p != NULL && (uintptr_t) p % ALIGN == 0,
              "arena block of %zu aligned to %d", size, ALIGN);
        CHECK(ngx_http_hashpay_json_arena_of(p) == a,
              "arena block of %zu in the arena", size);
        ngx_memset(p, 0xee, size);
    }

    CHECK_NULL(jmalloc((size_t) -1 - 8), "size overflow refused");
    CHECK_NULL(jmalloc((size_t) -1), "size overflow refused");

    (void) ngx_http_hashpay_json_arena_use(prev);

    CHECK_INT(a->heap, 0, "no heap block");

    ngx_destroy_pool(pool);
}


/*
 * What the callers do: a document parsed, read, grown (hashtable resizes,
 * arrays grow), dumped, all in the arena, then no json_decref(): the pool
 * takes it (LSan would see any malloc() block).
 */

static void
test_document(void)
{
    char                           *s, *d;
    size_t                          i, n;
    json_t                         *j, *arr, *v;
    ngx_pool_t                     *pool;
    json_error_t                    err;
    ngx_http_hashpay_json_arena_t  *a, *prev;

    s = malloc(256 * 1024);
    n = 0;
    s[n++] = '{';

    for (i = 0; i < 500; i++) {
        n += sprintf(s + n, "%s\"key_%zu\": [\"%0*zu\", %zu, %zu.5]",
                     i ? ", " : "", i, (int) (i % 300) + 1, i, i, i);
    }

    s[n++] = '}';
    s[n] = '\0';

    pool = ngx_create_pool(1024, NULL);
    a = ngx_http_hashpay_json_arena_create(pool);
    prev = ngx_http_hashpay_json_arena_use(a);

    j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
    CHECK(j != NULL, "document parsed in the arena: %s", err.text);

    if (j == NULL) {
        (void) ngx_http_hashpay_json_arena_use(prev);
        ngx_destroy_pool(pool);
        free(s);
        return;
    }

    CHECK(ngx_http_hashpay_json_arena_of(j) == a, "its root in the arena");
    CHECK_INT(json_object_size(j), 500, "its keys");

    v = json_array_get(json_object_get(j, "key_499"), 1);
    CHECK_INT(json_integer_value(v), 499, "a value read back");
    CHECK(ngx_http_hashpay_json_arena_of(v) == a, "a value in the arena");

    v = json_array_get(json_object_get(j, "key_298"), 0);
    CHECK_INT(json_string_length(v), 299, "a long string read back");

    arr = json_array();

    for (i = 0; i < 1000; i++) {
        json_array_append_new(arr, json_integer(i));
    }

    json_object_set_new(j, "grown", arr);

    for (i = 0; i < 100; i++) {
        json_object_del(j, "grown");
        json_object_set_new(j, "grown", json_string("again"));
    }

    d = json_dumps(j, JSON_COMPACT);
    CHECK(d != NULL && ngx_http_hashpay_json_arena_of(d) == a,
          "dump in the arena");

    /* the error path of a bad document frees its partial tree */

    v = json_loadb(s, n - 1, 0, &err);
    CHECK_NULL(v, "truncated document refused");

    (void) ngx_http_hashpay_json_arena_use(prev);

    CHECK_INT(a->heap, 0, "no heap block: no json_decref() needed");
    CHECK(a->blocks > 1500, "blocks counted (%lu)", (unsigned long) a->blocks);

    /* read after the arena is no longer current */

    v = json_object_get(j, "grown");
    CHECK_STR(json_string_value(v), 5, "again", "value read outside");

    /* a decref outside the arena touches only the headers */

    json_decref(j);

    ngx_destroy_pool(pool);
    free(s);
}


/* the pool fails in the middle: those blocks come from malloc(), counted */

static void
test_pool_fails(void)
{
    char                           *s;
    size_t                          i, n;
    json_t                         *j;
    ngx_pool_t                     *pool;
    json_error_t                    err;
    ngx_http_hashpay_json_arena_t  *a, *prev;

    s = malloc(64 * 1024);
    n = 0;
    s[n++] = '[';

    for (i = 0; i < 300; i++) {
        n += sprintf(s + n, "%s{\"k\": \"%0100zu\"}", i ? ", " : "", i);
    }

    s[n++] = ']';

    pool = ngx_create_pool(1024, NULL);
    a = ngx_http_hashpay_json_arena_create(pool);

    ngx_stub_alloc_budget = 3;

    prev = ngx_http_hashpay_json_arena_use(a);
    j = json_loadb(s, n, 0, &err);
    (void) ngx_http_hashpay_json_arena_use(prev);

    ngx_stub_alloc_budget = -1;

    CHECK(j != NULL, "document parsed with a failing pool");
    CHECK(a->heap > 0, "heap blocks counted (%lu)", (unsigned long) a->heap);
    CHECK(a->blocks > 0, "arena blocks before the failure");
    CHECK_NULL(ngx_http_hashpay_json_arena_of(json_array_get(j, 299)),
               "the last object on the heap");

    /* mixed: json_decref() frees the heap blocks (else LSan) */

    json_decref(j);

    ngx_destroy_pool(pool);
    free(s);
}


static void
test_nesting(void)
{
    ngx_pool_t                     *p1, *p2;
    ngx_http_hashpay_json_arena_t  *a, *b, *prev, *prev2;

    p1 = ngx_create_pool(1024, NULL);
    p2 = ngx_create_pool(1024, NULL);
    a = ngx_http_hashpay_json_arena_create(p1);
    b = ngx_http_hashpay_json_arena_create(p2);

    prev = ngx_http_hashpay_json_arena_use(a);
    CHECK_NULL(prev, "none current at first");

    prev2 = ngx_http_hashpay_json_arena_use(b);
    CHECK(prev2 == a, "the previous one returned");

    CHECK(ngx_http_hashpay_json_arena_of(jmalloc(10)) == b,
          "the current one used");

    CHECK(ngx_http_hashpay_json_arena_use(prev2) == b, "b was current");
    CHECK(ngx_http_hashpay_json_arena_of(jmalloc(10)) == a,
          "a is current again");

    CHECK(ngx_http_hashpay_json_arena_use(prev) == a, "a was current");

    ngx_destroy_pool(p1);
    ngx_destroy_pool(p2);

    /* another allocator put in after ours: arenas no longer made */

    json_set_alloc_funcs(malloc, free);
    p1 = ngx_create_pool(1024, NULL);
    CHECK_NULL(ngx_http_hashpay_json_arena_create(p1),
               "no arena under someone else's allocator");
    CHECK_INT(ngx_http_hashpay_json_alloc_init(), NGX_OK,
              "installed again over jansson's default");
    CHECK(ngx_http_hashpay_json_arena_create(p1) != NULL, "arena again");
    ngx_destroy_pool(p1);
}


static void *
other_malloc(size_t size)
{
    return malloc(size);
}


static void
other_free(void *p)
{
    free(p);
}
