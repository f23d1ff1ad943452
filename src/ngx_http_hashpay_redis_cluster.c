
/*
 * Copyright (C) hashpay authors
 *
 * hashpay_redis_cluster, the pure part (see the header): key slots, the
 * hash-tag rule, the owner of a slot in CLUSTER SHARDS / CLUSTER SLOTS,
 * and MOVED / ASK / TRYAGAIN / CLUSTERDOWN.  Replies are hiredis's
 * redisReply (RESP2); nothing here allocates or logs.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_redis_cluster.h"


static ngx_uint_t ngx_http_hashpay_cluster_crc16(u_char *p, size_t len);
static ngx_uint_t ngx_http_hashpay_cluster_is(redisReply *r, char *s);
static ngx_int_t ngx_http_hashpay_cluster_number(redisReply *r);
static ngx_int_t ngx_http_hashpay_cluster_digits(u_char *p, size_t len);
static ngx_int_t ngx_http_hashpay_cluster_has_slot(redisReply *ranges,
    ngx_uint_t slot);
static ngx_int_t ngx_http_hashpay_cluster_primary(redisReply *nodes,
    ngx_http_hashpay_cluster_node_t *node);
static ngx_http_hashpay_cluster_reply_e ngx_http_hashpay_cluster_redirect(
    ngx_http_hashpay_cluster_reply_e type, u_char *p, u_char *last,
    ngx_uint_t *slot, ngx_http_hashpay_cluster_node_t *node);


/* CRC16-CCITT, XMODEM variant (poly 0x1021, init 0): Redis's crc16.c */

static ngx_uint_t
ngx_http_hashpay_cluster_crc16(u_char *p, size_t len)
{
    ngx_uint_t  crc, i;

    crc = 0;

    while (len--) {
        crc ^= (ngx_uint_t) *p++ << 8;

        for (i = 0; i < 8; i++) {
            crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) : (crc << 1);
            crc &= 0xffff;
        }
    }

    return crc;
}


ngx_uint_t
ngx_http_hashpay_cluster_keyslot(u_char *key, size_t len)
{
    size_t  s, e;

    /* the first '{', then the first '}' after it, with something between */

    for (s = 0; s < len; s++) {
        if (key[s] == '{') {
            break;
        }
    }

    if (s < len) {
        for (e = s + 1; e < len; e++) {
            if (key[e] == '}') {
                break;
            }
        }

        if (e < len && e != s + 1) {
            return ngx_http_hashpay_cluster_crc16(key + s + 1, e - s - 1)
                   & (NGX_HTTP_HASHPAY_CLUSTER_SLOTS - 1);
        }
    }

    return ngx_http_hashpay_cluster_crc16(key, len)
           & (NGX_HTTP_HASHPAY_CLUSTER_SLOTS - 1);
}


ngx_int_t
ngx_http_hashpay_cluster_hashtag(ngx_str_t *prefix, ngx_str_t *tag)
{
    u_char  *s, *e, *last;

    last = prefix->data + prefix->len;

    s = ngx_strlchr(prefix->data, last, '{');
    if (s == NULL) {
        return NGX_DECLINED;
    }

    e = ngx_strlchr(s + 1, last, '}');
    if (e == NULL || e == s + 1) {
        return NGX_DECLINED;
    }

    tag->data = s + 1;
    tag->len = e - s - 1;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_hashpay_cluster_is(redisReply *r, char *s)
{
    size_t  len;

    len = ngx_strlen(s);

    return (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
           && (size_t) r->len == len
           && ngx_strncmp(r->str, s, len) == 0;
}


/* an integer reply, or a string of digits (as a port may come): or -1 */

static ngx_int_t
ngx_http_hashpay_cluster_number(redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER) {
        return (r->integer >= 0 && r->integer <= 0x7fffffff)
               ? (ngx_int_t) r->integer : -1;
    }

    if (r->type == REDIS_REPLY_STRING) {
        return ngx_http_hashpay_cluster_digits((u_char *) r->str, r->len);
    }

    return -1;
}


static ngx_int_t
ngx_http_hashpay_cluster_digits(u_char *p, size_t len)
{
    ngx_int_t  n;

    if (len == 0 || len > 9) {
        return -1;
    }

    n = 0;

    while (len--) {
        if (*p < '0' || *p > '9') {
            return -1;
        }

        n = n * 10 + (*p++ - '0');
    }

    return n;
}


/* [start end start end ...]: NGX_OK, NGX_DECLINED, NGX_ERROR (shape) */

static ngx_int_t
ngx_http_hashpay_cluster_has_slot(redisReply *ranges, ngx_uint_t slot)
{
    size_t     i;
    ngx_int_t  lo, hi;

    if (ranges->type != REDIS_REPLY_ARRAY || ranges->elements % 2) {
        return NGX_ERROR;
    }

    for (i = 0; i < ranges->elements; i += 2) {
        lo = ngx_http_hashpay_cluster_number(ranges->element[i]);
        hi = ngx_http_hashpay_cluster_number(ranges->element[i + 1]);

        if (lo < 0 || hi < 0) {
            return NGX_ERROR;
        }

        if ((ngx_uint_t) lo <= slot && slot <= (ngx_uint_t) hi) {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* the online primary among a shard's nodes */

static ngx_int_t
ngx_http_hashpay_cluster_primary(redisReply *nodes,
    ngx_http_hashpay_cluster_node_t *node)
{
    size_t       i, j;
    ngx_int_t    port, tls_port;
    ngx_uint_t   primary, online;
    redisReply  *n, *k, *v, *ip, *endpoint;

    if (nodes->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    for (i = 0; i < nodes->elements; i++) {
        n = nodes->element[i];

        if (n->type != REDIS_REPLY_ARRAY || n->elements % 2) {
            return NGX_ERROR;
        }

        ip = NULL;
        endpoint = NULL;
        port = -1;
        tls_port = -1;
        primary = 0;
        online = 0;

        for (j = 0; j < n->elements; j += 2) {
            k = n->element[j];
            v = n->element[j + 1];

            if (ngx_http_hashpay_cluster_is(k, "ip")) {
                ip = v;

            } else if (ngx_http_hashpay_cluster_is(k, "endpoint")) {
                endpoint = v;

            } else if (ngx_http_hashpay_cluster_is(k, "port")) {
                port = ngx_http_hashpay_cluster_number(v);

            } else if (ngx_http_hashpay_cluster_is(k, "tls-port")) {
                tls_port = ngx_http_hashpay_cluster_number(v);

            } else if (ngx_http_hashpay_cluster_is(k, "role")) {
                primary = ngx_http_hashpay_cluster_is(v, "master");

            } else if (ngx_http_hashpay_cluster_is(k, "health")) {
                online = ngx_http_hashpay_cluster_is(v, "online");
            }
        }

        if (!primary) {
            continue;
        }

        /*
         * "endpoint" is where the node wants clients to go (its host
         * name with cluster-preferred-endpoint-type hostname); "ip"
         * when it has none ("?" or empty: unknown, or an older server)
         */

        if (endpoint != NULL && endpoint->type == REDIS_REPLY_STRING
            && endpoint->len > 0
            && !(endpoint->len == 1 && endpoint->str[0] == '?'))
        {
            ip = endpoint;
        }

        if (port != -1 && (port < 1 || port > 65535)) {
            return NGX_DECLINED;
        }

        if (tls_port != -1 && (tls_port < 1 || tls_port > 65535)) {
            return NGX_DECLINED;
        }

        if (!online || ip == NULL || ip->type != REDIS_REPLY_STRING
            || ip->len == 0 || (port == -1 && tls_port == -1))
        {
            return NGX_DECLINED;
        }

        node->host = (u_char *) ip->str;
        node->len = ip->len;
        node->port = port == -1 ? 0 : port;
        node->tls_port = tls_port == -1 ? 0 : tls_port;

        return NGX_OK;
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_hashpay_cluster_shards(redisReply *reply, ngx_uint_t slot,
    ngx_http_hashpay_cluster_node_t *node)
{
    size_t       i, j;
    ngx_int_t    rc;
    redisReply  *shard, *ranges, *nodes;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    for (i = 0; i < reply->elements; i++) {
        shard = reply->element[i];

        if (shard->type != REDIS_REPLY_ARRAY || shard->elements % 2) {
            return NGX_ERROR;
        }

        ranges = NULL;
        nodes = NULL;

        for (j = 0; j < shard->elements; j += 2) {
            if (ngx_http_hashpay_cluster_is(shard->element[j], "slots")) {
                ranges = shard->element[j + 1];

            } else if (ngx_http_hashpay_cluster_is(shard->element[j],
                                                   "nodes"))
            {
                nodes = shard->element[j + 1];
            }
        }

        if (ranges == NULL || nodes == NULL) {
            return NGX_ERROR;
        }

        rc = ngx_http_hashpay_cluster_has_slot(ranges, slot);

        if (rc == NGX_DECLINED) {
            continue;
        }

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        return ngx_http_hashpay_cluster_primary(nodes, node);
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_hashpay_cluster_slots(redisReply *reply, ngx_uint_t slot,
    ngx_http_hashpay_cluster_node_t *node)
{
    size_t       i;
    ngx_int_t    lo, hi, port;
    redisReply  *range, *primary, *ip;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    for (i = 0; i < reply->elements; i++) {
        range = reply->element[i];

        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3) {
            return NGX_ERROR;
        }

        lo = ngx_http_hashpay_cluster_number(range->element[0]);
        hi = ngx_http_hashpay_cluster_number(range->element[1]);

        if (lo < 0 || hi < 0) {
            return NGX_ERROR;
        }

        if (slot < (ngx_uint_t) lo || slot > (ngx_uint_t) hi) {
            continue;
        }

        primary = range->element[2];

        if (primary->type != REDIS_REPLY_ARRAY || primary->elements < 2) {
            return NGX_ERROR;
        }

        ip = primary->element[0];
        port = ngx_http_hashpay_cluster_number(primary->element[1]);

        if (ip->type != REDIS_REPLY_STRING || port < 0) {
            return NGX_ERROR;
        }

        if (ip->len == 0 || (ip->len == 1 && ip->str[0] == '?')
            || port < 1 || port > 65535)
        {
            return NGX_DECLINED;
        }

        node->host = (u_char *) ip->str;
        node->len = ip->len;
        node->port = port;

        return NGX_OK;
    }

    return NGX_DECLINED;
}


ngx_http_hashpay_cluster_reply_e
ngx_http_hashpay_cluster_reply(redisReply *reply, ngx_uint_t *slot,
    ngx_http_hashpay_cluster_node_t *node)
{
    u_char  *p, *last;

    if (reply->type != REDIS_REPLY_ERROR || reply->str == NULL) {
        return NGX_HTTP_HASHPAY_CLUSTER_OK;
    }

    p = (u_char *) reply->str;
    last = p + reply->len;

    if (reply->len > 6 && ngx_strncmp(p, "MOVED ", 6) == 0) {
        return ngx_http_hashpay_cluster_redirect(
                   NGX_HTTP_HASHPAY_CLUSTER_MOVED, p + 6, last, slot, node);
    }

    if (reply->len > 4 && ngx_strncmp(p, "ASK ", 4) == 0) {
        return ngx_http_hashpay_cluster_redirect(
                   NGX_HTTP_HASHPAY_CLUSTER_ASK, p + 4, last, slot, node);
    }

    if (reply->len >= 8 && ngx_strncmp(p, "TRYAGAIN", 8) == 0
        && (reply->len == 8 || p[8] == ' '))
    {
        return NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN;
    }

    if (reply->len >= 11 && ngx_strncmp(p, "CLUSTERDOWN", 11) == 0
        && (reply->len == 11 || p[11] == ' '))
    {
        return NGX_HTTP_HASHPAY_CLUSTER_DOWN;
    }

    return NGX_HTTP_HASHPAY_CLUSTER_OK;
}


/* "<slot> <host>:<port>", the rest of a MOVED or ASK */

static ngx_http_hashpay_cluster_reply_e
ngx_http_hashpay_cluster_redirect(ngx_http_hashpay_cluster_reply_e type,
    u_char *p, u_char *last, ngx_uint_t *slot,
    ngx_http_hashpay_cluster_node_t *node)
{
    u_char     *sp, *colon;
    ngx_int_t   n, port;

    node->host = (u_char *) "";
    node->len = 0;
    node->port = 0;
    *slot = 0;

    sp = ngx_strlchr(p, last, ' ');
    if (sp == NULL) {
        return type;
    }

    n = ngx_http_hashpay_cluster_digits(p, sp - p);
    if (n < 0 || n >= NGX_HTTP_HASHPAY_CLUSTER_SLOTS) {
        return type;
    }

    p = sp + 1;

    for (colon = NULL, sp = p; sp < last; sp++) {
        if (*sp == ':') {
            colon = sp;
        }
    }

    if (colon == NULL || colon == p) {
        return type;
    }

    port = ngx_http_hashpay_cluster_digits(colon + 1, last - colon - 1);
    if (port < 1 || port > 65535) {
        return type;
    }

    *slot = n;
    node->host = p;
    node->len = colon - p;
    node->port = port;

    return type;
}
