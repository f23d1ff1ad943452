
/*
 * Copyright (C) hashpay authors
 *
 * jansson's memory from a request's pool (issue 14).  jansson has one
 * allocator for the whole process (json_set_alloc_funcs()), so the one this
 * file installs takes its blocks from the arena made "current" around a
 * jansson call, and from malloc() when there is none (another module of the
 * same nginx, another thread).  Every block carries a 16-byte header saying
 * where it came from: jansson's free() of a malloc() block frees it, of an
 * arena block does nothing (the pool frees it with the request), except
 * that the arena's last block is given back (jansson grows a buffer by
 * malloc(), copy, free()).  A document built wholly in an arena needs no
 * json_decref(): the pool takes everything at once.
 *
 * Pure: no logging, no request; unit-tested in t/unit/test_json_alloc.c.
 */


#ifndef _NGX_HTTP_HASHPAY_JSON_ALLOC_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_JSON_ALLOC_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/* the header before every block, and the blocks' alignment (malloc()'s) */
#define NGX_HTTP_HASHPAY_JSON_ALIGN  16

/* what an arena takes from its pool at a time */
#define NGX_HTTP_HASHPAY_JSON_CHUNK  2048


typedef struct {
    ngx_pool_t                 *pool;
    u_char                     *pos;      /* free part of the current chunk */
    u_char                     *end;

    ngx_uint_t                  blocks;   /* handed out from the pool */
    size_t                      bytes;    /* taken from the pool */
    ngx_uint_t                  heap;     /* malloc() blocks made while it
                                             was current (the pool failed):
                                             the document needs
                                             json_decref() */
} ngx_http_hashpay_json_arena_t;


/*
 * In a worker, before any jansson call: NGX_OK once the allocator is
 * jansson's; NGX_DECLINED if another one was there (then arenas are never
 * used and jansson keeps it).
 */
ngx_int_t ngx_http_hashpay_json_alloc_init(void);

/* NULL when the allocator is not jansson's, or on no memory */
ngx_http_hashpay_json_arena_t *ngx_http_hashpay_json_arena_create(
    ngx_pool_t *pool);

/*
 * Makes the arena (NULL: none, malloc()) the one jansson allocates from in
 * this thread and returns the previous one, to be put back right after the
 * jansson calls: an arena must not stay current beyond its pool.
 */
ngx_http_hashpay_json_arena_t *ngx_http_hashpay_json_arena_use(
    ngx_http_hashpay_json_arena_t *arena);

/* the arena a block that jansson allocated comes from; NULL: malloc() */
ngx_http_hashpay_json_arena_t *ngx_http_hashpay_json_arena_of(void *p);


#endif /* _NGX_HTTP_HASHPAY_JSON_ALLOC_H_INCLUDED_ */
