
/*
 * Copyright (C) hashpay authors
 *
 * hashpay_redis_cluster, the pure part: the hash slot of a key as Redis
 * Cluster computes it, the rule that makes hashpay_prefix a hash tag (so
 * that every key of the module lives in one slot), the owner of that slot
 * read from a CLUSTER SHARDS or CLUSTER SLOTS reply, and the cluster's
 * redirections and refusals (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) told
 * apart.  No connection, no logging, no allocation: the addresses found
 * point into the reply (t/unit/test_cluster.c).
 */


#ifndef _NGX_HTTP_HASHPAY_REDIS_CLUSTER_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_REDIS_CLUSTER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <hiredis/hiredis.h>


#define NGX_HTTP_HASHPAY_CLUSTER_SLOTS  16384


/* what an error reply of a cluster node says */
typedef enum {
    NGX_HTTP_HASHPAY_CLUSTER_OK = 0,       /* none of the below */
    NGX_HTTP_HASHPAY_CLUSTER_MOVED,        /* "MOVED <slot> <host>:<port>" */
    NGX_HTTP_HASHPAY_CLUSTER_ASK,          /* "ASK <slot> <host>:<port>" */
    NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN,     /* "TRYAGAIN ..." */
    NGX_HTTP_HASHPAY_CLUSTER_DOWN          /* "CLUSTERDOWN ..." */
} ngx_http_hashpay_cluster_reply_e;


/* a node's address; host points into a reply, not null-ended */
typedef struct {
    u_char                         *host;
    size_t                          len;
    ngx_int_t                       port;          /* 0: none given */
    /* CLUSTER SHARDS of a tls-cluster: "tls-port", else 0 */
    ngx_int_t                       tls_port;
} ngx_http_hashpay_cluster_node_t;


/* CRC16 (XMODEM) of the key's hash tag, or of the key, mod 16384 */
ngx_uint_t ngx_http_hashpay_cluster_keyslot(u_char *key, size_t len);

/*
 * NGX_OK when the prefix holds a hash tag that every "<prefix>:..." key
 * hashes by: its first '{' is followed, within the prefix, by at least
 * one character and then a '}' ("{hashpay}", "shop:{hp}").  The tag is
 * returned in *tag.  NGX_DECLINED otherwise ("hashpay", "{}x", "{x").
 */
ngx_int_t ngx_http_hashpay_cluster_hashtag(ngx_str_t *prefix,
    ngx_str_t *tag);

/*
 * The primary that owns the slot in a CLUSTER SHARDS reply (RESP2: each
 * shard a flat list of "slots" [start end ...] and "nodes" [node ...],
 * each node a flat list of "ip", "port", "role", "health", ...; a
 * tls-cluster gives "tls-port", and "port" only with a clear-text port
 * too, so either will do): NGX_OK and *node, the primary's "endpoint"
 * (an address, or a host name with cluster-preferred-endpoint-type
 * hostname), or its "ip" when the endpoint is unknown ("?", empty,
 * absent); NGX_DECLINED when no shard has the slot or its primary is
 * not "online" (failed, loading); NGX_ERROR when the reply is not of
 * that shape.
 */
ngx_int_t ngx_http_hashpay_cluster_shards(redisReply *reply,
    ngx_uint_t slot, ngx_http_hashpay_cluster_node_t *node);

/*
 * The same from a CLUSTER SLOTS reply ([start end [ip port id ...]
 * replicas...] per range, the primary first); an empty or "?" ip is
 * NGX_DECLINED (the node does not know its address).
 */
ngx_int_t ngx_http_hashpay_cluster_slots(redisReply *reply,
    ngx_uint_t slot, ngx_http_hashpay_cluster_node_t *node);

/*
 * What an error reply says: NGX_HTTP_HASHPAY_CLUSTER_OK for a reply that
 * is not an error or not one of the cluster's; for MOVED and ASK, *slot
 * and *node are set (a malformed MOVED or ASK is reported as such, with
 * an empty node->host, node->len 0 and node->port 0).  The address is
 * split at its last ':' (an IPv6 address has colons of its own).
 */
ngx_http_hashpay_cluster_reply_e ngx_http_hashpay_cluster_reply(
    redisReply *reply, ngx_uint_t *slot,
    ngx_http_hashpay_cluster_node_t *node);


#endif /* _NGX_HTTP_HASHPAY_REDIS_CLUSTER_H_INCLUDED_ */
