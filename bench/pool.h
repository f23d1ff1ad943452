
/*
 * Copyright (C) hashpay authors
 *
 * A bump allocator in place of nginx's pool, for the benches that run the
 * module's pure code in one process (bench/reader.c, bench/json_alloc.c):
 * ngx_create_pool() and ngx_destroy_pool() reset it, as nginx's request
 * pool is in effect reset per request; an allocation past its size fails.
 */


#ifndef _BENCH_POOL_H_INCLUDED_
#define _BENCH_POOL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


ngx_int_t bench_pool_init(size_t size);


#endif /* _BENCH_POOL_H_INCLUDED_ */
