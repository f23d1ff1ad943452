
/*
 * Copyright (C) hashpay authors
 *
 * jansson's allocator on a request's pool: see the header.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_hashpay_json_alloc.h"


/* in the NGX_HTTP_HASHPAY_JSON_ALIGN bytes before what jansson gets */
typedef struct {
    ngx_http_hashpay_json_arena_t  *arena;   /* NULL: from malloc() */
    size_t                          size;    /* header included; 0: a
                                                block of its own, never
                                                given back */
} ngx_http_hashpay_json_block_t;


static void *ngx_http_hashpay_json_malloc(size_t size);
static void ngx_http_hashpay_json_free(void *p);


/*
 * Per thread: a module that runs jansson in a thread pool's thread must
 * not allocate from the arena the event loop's thread has made current.
 */
static __thread ngx_http_hashpay_json_arena_t  *ngx_http_hashpay_json_current;

static ngx_uint_t  ngx_http_hashpay_json_installed;


ngx_int_t
ngx_http_hashpay_json_alloc_init(void)
{
    json_free_t    f;
    json_malloc_t  m;

    if (sizeof(ngx_http_hashpay_json_block_t) > NGX_HTTP_HASHPAY_JSON_ALIGN) {
        return NGX_DECLINED;
    }

    json_get_alloc_funcs(&m, &f);

    if (m == ngx_http_hashpay_json_malloc
        && f == ngx_http_hashpay_json_free)
    {
        ngx_http_hashpay_json_installed = 1;
        return NGX_OK;
    }

    /* someone else's: their blocks would reach our free() */

    if (m != malloc || f != free) {
        ngx_http_hashpay_json_installed = 0;
        return NGX_DECLINED;
    }

    json_set_alloc_funcs(ngx_http_hashpay_json_malloc,
                         ngx_http_hashpay_json_free);

    ngx_http_hashpay_json_installed = 1;

    return NGX_OK;
}


ngx_http_hashpay_json_arena_t *
ngx_http_hashpay_json_arena_create(ngx_pool_t *pool)
{
    json_free_t                     f;
    json_malloc_t                   m;
    ngx_http_hashpay_json_arena_t  *a;

    if (!ngx_http_hashpay_json_installed) {
        return NULL;
    }

    /* a module that came after us may have put its own allocator in */

    json_get_alloc_funcs(&m, &f);

    if (m != ngx_http_hashpay_json_malloc
        || f != ngx_http_hashpay_json_free)
    {
        ngx_http_hashpay_json_installed = 0;
        return NULL;
    }

    a = ngx_palloc(pool, sizeof(ngx_http_hashpay_json_arena_t));
    if (a == NULL) {
        return NULL;
    }

    a->pool = pool;
    a->pos = NULL;
    a->end = NULL;
    a->blocks = 0;
    a->bytes = 0;
    a->heap = 0;

    return a;
}


ngx_http_hashpay_json_arena_t *
ngx_http_hashpay_json_arena_use(ngx_http_hashpay_json_arena_t *arena)
{
    ngx_http_hashpay_json_arena_t  *prev;

    prev = ngx_http_hashpay_json_current;
    ngx_http_hashpay_json_current = arena;

    return prev;
}


ngx_http_hashpay_json_arena_t *
ngx_http_hashpay_json_arena_of(void *p)
{
    ngx_http_hashpay_json_block_t  *b;

    b = (ngx_http_hashpay_json_block_t *)
            ((u_char *) p - NGX_HTTP_HASHPAY_JSON_ALIGN);

    return b->arena;
}


static void *
ngx_http_hashpay_json_malloc(size_t size)
{
    size_t                          total;
    u_char                         *p;
    ngx_http_hashpay_json_block_t  *b;
    ngx_http_hashpay_json_arena_t  *a;

    if (size > (size_t) -1 - 2 * NGX_HTTP_HASHPAY_JSON_ALIGN) {
        return NULL;
    }

    total = ngx_align(NGX_HTTP_HASHPAY_JSON_ALIGN + size,
                      NGX_HTTP_HASHPAY_JSON_ALIGN);

    a = ngx_http_hashpay_json_current;

    if (a == NULL) {
        goto heap;
    }

    if ((size_t) (a->end - a->pos) >= total) {
        b = (ngx_http_hashpay_json_block_t *) a->pos;
        a->pos += total;
        b->size = total;

    } else if (total > NGX_HTTP_HASHPAY_JSON_CHUNK / 4) {

        /* a big one on its own: the chunk's free part stays in use */

        p = ngx_palloc(a->pool, total + NGX_HTTP_HASHPAY_JSON_ALIGN - 1);
        if (p == NULL) {
            goto fallback;
        }

        a->bytes += total + NGX_HTTP_HASHPAY_JSON_ALIGN - 1;

        b = (ngx_http_hashpay_json_block_t *)
                ngx_align_ptr(p, NGX_HTTP_HASHPAY_JSON_ALIGN);
        b->size = 0;

    } else {
        p = ngx_palloc(a->pool, NGX_HTTP_HASHPAY_JSON_CHUNK);
        if (p == NULL) {
            goto fallback;
        }

        a->bytes += NGX_HTTP_HASHPAY_JSON_CHUNK;

        a->pos = ngx_align_ptr(p, NGX_HTTP_HASHPAY_JSON_ALIGN);
        a->end = p + NGX_HTTP_HASHPAY_JSON_CHUNK;

        b = (ngx_http_hashpay_json_block_t *) a->pos;
        a->pos += total;
        b->size = total;
    }

    b->arena = a;
    a->blocks++;

    return (u_char *) b + NGX_HTTP_HASHPAY_JSON_ALIGN;

fallback:

    /* the document then has blocks of both kinds: it needs json_decref() */

    a->heap++;

heap:

    b = malloc(NGX_HTTP_HASHPAY_JSON_ALIGN + size);
    if (b == NULL) {
        return NULL;
    }

    b->arena = NULL;
    b->size = 0;

    return (u_char *) b + NGX_HTTP_HASHPAY_JSON_ALIGN;
}


static void
ngx_http_hashpay_json_free(void *p)
{
    ngx_http_hashpay_json_block_t  *b;
    ngx_http_hashpay_json_arena_t  *a;

    if (p == NULL) {
        return;
    }

    b = (ngx_http_hashpay_json_block_t *)
            ((u_char *) p - NGX_HTTP_HASHPAY_JSON_ALIGN);

    a = b->arena;

    if (a == NULL) {
        free(b);
        return;
    }

    /*
     * The pool frees it.  The arena's last block goes back to it, which
     * only the current arena may do: an arena that is not current is only
     * known to live as long as the document in it, not beyond.
     */

    if (a == ngx_http_hashpay_json_current
        && b->size != 0
        && (u_char *) b + b->size == a->pos)
    {
        a->pos = (u_char *) b;
        a->blocks--;
    }
}
