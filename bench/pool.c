
/*
 * Copyright (C) hashpay authors
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "pool.h"


static u_char      *arena;
static size_t       arena_size;
static size_t       arena_used;
static ngx_pool_t   bench_pool;


ngx_int_t
bench_pool_init(size_t size)
{
    arena = malloc(size);
    if (arena == NULL) {
        return NGX_ERROR;
    }

    arena_size = size;
    arena_used = 0;

    return NGX_OK;
}


ngx_pool_t *
ngx_create_pool(size_t size, ngx_log_t *log)
{
    arena_used = 0;
    return &bench_pool;
}


void
ngx_destroy_pool(ngx_pool_t *pool)
{
    arena_used = 0;
}


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    void  *p;

    if (arena_used + size > arena_size) {
        return NULL;
    }

    p = arena + arena_used;
    arena_used += size;

    return p;
}


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    arena_used = ngx_align(arena_used, NGX_ALIGNMENT);

    return ngx_pnalloc(pool, size);
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    void  *p;

    p = ngx_palloc(pool, size);
    if (p != NULL) {
        ngx_memzero(p, size);
    }

    return p;
}
