
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_redis_cluster.c: key slots against
 * the values Redis gives (CLUSTER KEYSLOT), the hash-tag rule of
 * hashpay_prefix, the owner of a slot in CLUSTER SHARDS and CLUSTER SLOTS
 * replies of the shape Redis 7.0 sends (and in broken ones), and MOVED,
 * ASK, TRYAGAIN, CLUSTERDOWN told apart from other errors.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <stdlib.h>

#include "ngx_http_hashpay_redis_cluster.h"
#include "unit.h"


#define MAX_REPLIES  4096


static redisReply  *replies[MAX_REPLIES];
static ngx_uint_t   nreplies;


static redisReply *mk(int type);
static redisReply *s(const char *str);
static redisReply *i(long long n);
static redisReply *err(const char *str);
static redisReply *arr(size_t n, ...);
static void free_all(void);

static redisReply *shards_reply(void);
static redisReply *node(const char *ip, long long port, const char *role,
    const char *health);

static void test_keyslot(void);
static void test_hashtag(void);
static void test_shards(void);
static void test_slots(void);
static void test_reply(void);


int
main(void)
{
    test_keyslot();
    test_hashtag();
    test_shards();
    test_slots();
    test_reply();

    free_all();

    return unit_done();
}


static redisReply *
mk(int type)
{
    redisReply  *r;

    if (nreplies == MAX_REPLIES) {
        fprintf(stderr, "too many replies\n");
        exit(2);
    }

    r = calloc(1, sizeof(redisReply));
    if (r == NULL) {
        exit(2);
    }

    r->type = type;
    replies[nreplies++] = r;

    return r;
}


static redisReply *
s(const char *str)
{
    redisReply  *r;

    r = mk(REDIS_REPLY_STRING);
    r->str = (char *) str;
    r->len = strlen(str);

    return r;
}


static redisReply *
i(long long n)
{
    redisReply  *r;

    r = mk(REDIS_REPLY_INTEGER);
    r->integer = n;

    return r;
}


static redisReply *
err(const char *str)
{
    redisReply  *r;

    r = s(str);
    r->type = REDIS_REPLY_ERROR;

    return r;
}


static redisReply *
arr(size_t n, ...)
{
    size_t       k;
    va_list      ap;
    redisReply  *r;

    r = mk(REDIS_REPLY_ARRAY);
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof(redisReply *));
    if (r->element == NULL) {
        exit(2);
    }

    va_start(ap, n);

    for (k = 0; k < n; k++) {
        r->element[k] = va_arg(ap, redisReply *);
    }

    va_end(ap);

    return r;
}


static void
free_all(void)
{
    ngx_uint_t  k;

    for (k = 0; k < nreplies; k++) {
        free(replies[k]->element);
        free(replies[k]);
    }

    nreplies = 0;
}


/* the values of redis-server 7.0's CLUSTER KEYSLOT */

static void
test_keyslot(void)
{
    struct {
        const char  *key;
        ngx_uint_t   slot;
    } cases[] = {
        { "{hashpay}", 6887 },
        { "hashpay", 6887 },
        { "{hashpay}:events", 6887 },
        { "{hashpay}:purchase:pur_17", 6887 },
        { "shop:{hashpay}:offer:tea", 6887 },
        { "123456789", 12739 },        /* CRC16 0x31C3 */
        { "foo", 12182 },
        { "{user1000}.following", 3443 },
        { "{user1000}.followers", 3443 },
        { "foo{}{bar}", 8363 },        /* an empty tag: the whole key */
        { "foo{{bar}}zap", 4015 },     /* the tag is "{bar" */
        { "foo{bar}{zap}", 5061 },     /* the first tag only: "bar" */
        { "{", 4092 },
        { "", 0 },
    };

    ngx_uint_t  k, got;

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        got = ngx_http_hashpay_cluster_keyslot((u_char *) cases[k].key,
                                                strlen(cases[k].key));
        CHECK(got == cases[k].slot, "keyslot \"%s\": %lu, want %lu",
              cases[k].key, (unsigned long) got,
              (unsigned long) cases[k].slot);
    }
}


static void
test_hashtag(void)
{
    ngx_str_t  p, tag;

    struct {
        const char  *prefix;
        const char  *tag;              /* NULL: refused */
    } cases[] = {
        { "{hashpay}", "hashpay" },
        { "shop:{hp}", "hp" },
        { "{hp}shop", "hp" },
        { "{a}{b}", "a" },
        { "{{x}", "{x" },
        { "hashpay", NULL },
        { "{}hashpay", NULL },         /* empty: Redis hashes the whole key */
        { "{hashpay", NULL },          /* the '}' would be in the key's rest */
        { "hashpay}", NULL },
        { "{}{x}", NULL },             /* the first '{' decides */
    };

    ngx_uint_t  k;
    ngx_int_t   rc;

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        p.data = (u_char *) cases[k].prefix;
        p.len = strlen(cases[k].prefix);
        ngx_str_null(&tag);

        rc = ngx_http_hashpay_cluster_hashtag(&p, &tag);

        if (cases[k].tag == NULL) {
            CHECK(rc == NGX_DECLINED, "prefix \"%s\" refused",
                  cases[k].prefix);
            continue;
        }

        CHECK(rc == NGX_OK, "prefix \"%s\" accepted", cases[k].prefix);
        CHECK_NGX_STR(tag, cases[k].tag, cases[k].prefix);

        /* every key under it is in the tag's slot */
        CHECK(ngx_http_hashpay_cluster_keyslot((u_char *) cases[k].prefix,
                                                p.len)
              == ngx_http_hashpay_cluster_keyslot(tag.data, tag.len),
              "prefix \"%s\" hashes by its tag", cases[k].prefix);
    }
}


static redisReply *
node(const char *ip, long long port, const char *role, const char *health)
{
    return arr(14, s("id"), s("1a3f2ac3b88d4bff8ce763d366d0544ce44187df"),
               s("port"), i(port), s("ip"), s(ip), s("endpoint"), s(ip),
               s("role"), s(role), s("replication-offset"), i(4242),
               s("health"), s(health));
}


/* three shards as redis-server 7.0 answers them (a replica listed first) */

static redisReply *
shards_reply(void)
{
    return arr(3,
        arr(4, s("slots"), arr(2, i(0), i(5460)),
               s("nodes"), arr(2, node("127.0.0.1", 31001, "master",
                                       "online"),
                                  node("127.0.0.1", 31005, "replica",
                                       "online"))),
        arr(4, s("slots"), arr(4, i(5461), i(6000), i(6001), i(10922)),
               s("nodes"), arr(2, node("127.0.0.1", 31006, "replica",
                                       "online"),
                                  node("127.0.0.1", 31002, "master",
                                       "online"))),
        arr(4, s("nodes"), arr(1, node("::1", 31003, "master", "online")),
               s("slots"), arr(2, i(10923), i(16383))));
}


static void
test_shards(void)
{
    ngx_int_t                        rc;
    ngx_http_hashpay_cluster_node_t  n;

    rc = ngx_http_hashpay_cluster_shards(shards_reply(), 6887, &n);
    CHECK_INT(rc, NGX_OK, "shards: slot 6887 found");
    CHECK_STR(n.host, n.len, "127.0.0.1", "shards: its primary's ip");
    CHECK_INT(n.port, 31002, "shards: its primary's port, not the replica's");

    rc = ngx_http_hashpay_cluster_shards(shards_reply(), 0, &n);
    CHECK_INT(rc, NGX_OK, "shards: slot 0");
    CHECK_INT(n.port, 31001, "shards: slot 0's primary");

    rc = ngx_http_hashpay_cluster_shards(shards_reply(), 6000, &n);
    CHECK_INT(n.port, 31002, "shards: the end of a range");

    rc = ngx_http_hashpay_cluster_shards(shards_reply(), 16383, &n);
    CHECK_INT(rc, NGX_OK, "shards: keys in another order");
    CHECK_STR(n.host, n.len, "::1", "shards: an IPv6 address");
    CHECK_INT(n.port, 31003, "shards: the last slot");

    CHECK_INT(n.tls_port, 0, "shards: no tls-port, none reported");

    /* a tls-cluster (redis-server 7.0, tls-cluster yes, port 0) */

    rc = ngx_http_hashpay_cluster_shards(
        arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                      s("nodes"),
                      arr(1, arr(12, s("id"), s("93a2"),
                                     s("tls-port"), i(20138),
                                     s("ip"), s("127.0.0.1"),
                                     s("role"), s("master"),
                                     s("replication-offset"), i(0),
                                     s("health"), s("online"))))),
        6887, &n);
    CHECK_INT(rc, NGX_OK, "shards: tls-port only");
    CHECK_INT(n.tls_port, 20138, "shards: the tls-port");
    CHECK_INT(n.port, 0, "shards: no clear-text port");

    rc = ngx_http_hashpay_cluster_shards(
        arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                      s("nodes"),
                      arr(1, arr(10, s("tls-port"), i(20138),
                                     s("port"), i(6379),
                                     s("ip"), s("127.0.0.1"),
                                     s("role"), s("master"),
                                     s("health"), s("online"))))),
        6887, &n);
    CHECK_INT(rc, NGX_OK, "shards: tls-port and port");
    CHECK_INT(n.tls_port, 20138, "shards: both: the tls-port");
    CHECK_INT(n.port, 6379, "shards: both: the port");

    rc = ngx_http_hashpay_cluster_shards(
        arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                      s("nodes"),
                      arr(1, arr(8, s("tls-port"), i(70000),
                                    s("ip"), s("127.0.0.1"),
                                    s("role"), s("master"),
                                    s("health"), s("online"))))),
        6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: a tls-port out of range");

    rc = ngx_http_hashpay_cluster_shards(
        arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                      s("nodes"),
                      arr(1, arr(6, s("ip"), s("127.0.0.1"),
                                    s("role"), s("master"),
                                    s("health"), s("online"))))),
        6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: neither port nor tls-port");

    /*
     * cluster-preferred-endpoint-type hostname: the endpoint is the host
     * name and goes before the ip; an unknown endpoint ("?") or an empty
     * one leaves the ip (a node alone in its cluster has an empty ip)
     */
    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, arr(12,
                               s("port"), i(7000), s("ip"), s(""),
                               s("endpoint"), s("node1.example"),
                               s("hostname"), s("node1.example"),
                               s("role"), s("master"),
                               s("health"), s("online"))))),
             6887, &n);
    CHECK_INT(rc, NGX_OK, "shards: a host name endpoint");
    CHECK_STR(n.host, n.len, "node1.example", "shards: the endpoint first");

    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, arr(10,
                               s("port"), i(7000), s("ip"), s("10.0.0.7"),
                               s("endpoint"), s("?"),
                               s("role"), s("master"),
                               s("health"), s("online"))))),
             6887, &n);
    CHECK_INT(rc, NGX_OK, "shards: an unknown endpoint");
    CHECK_STR(n.host, n.len, "10.0.0.7", "shards: then the ip");

    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, arr(10,
                               s("port"), i(7000), s("ip"), s(""),
                               s("endpoint"), s(""),
                               s("role"), s("master"),
                               s("health"), s("online"))))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: neither endpoint nor ip");

    /* a slot nobody serves */
    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(100)),
                           s("nodes"), arr(1, node("127.0.0.1", 1, "master",
                                                   "online")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: an uncovered slot");

    /* a shard without slots (a node that owns nothing) is skipped */
    rc = ngx_http_hashpay_cluster_shards(
             arr(2, arr(4, s("slots"), arr(0),
                           s("nodes"), arr(1, node("127.0.0.1", 1, "master",
                                                   "online"))),
                    arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, node("127.0.0.1", 2, "master",
                                                   "online")))),
             6887, &n);
    CHECK_INT(rc, NGX_OK, "shards: an empty shard skipped");
    CHECK_INT(n.port, 2, "shards: the owner");

    /* the primary failed and no replica is promoted yet */
    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(2, node("127.0.0.1", 1, "master",
                                                   "failed"),
                                              node("127.0.0.1", 2, "replica",
                                                   "online")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: a failed primary is no owner");

    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, node("127.0.0.1", 1, "master",
                                                   "loading")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: a loading primary is no owner");

    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, node("127.0.0.1", 1, "replica",
                                                   "online")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: replicas only");

    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, node("", 1, "master",
                                                   "online")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: an empty ip");

    rc = ngx_http_hashpay_cluster_shards(
             arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                           s("nodes"), arr(1, node("127.0.0.1", 70000,
                                                   "master", "online")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "shards: a port out of range");

    /* not the shape: an error, a SLOTS reply, odd lists */
    CHECK_INT(ngx_http_hashpay_cluster_shards(
                  err("ERR unknown subcommand 'SHARDS'"), 6887, &n),
              NGX_ERROR, "shards: an error reply");
    CHECK_INT(ngx_http_hashpay_cluster_shards(i(3), 6887, &n),
              NGX_ERROR, "shards: an integer");
    CHECK_INT(ngx_http_hashpay_cluster_shards(
                  arr(1, arr(3, i(0), i(16383),
                             arr(2, s("127.0.0.1"), i(1)))),
                  6887, &n),
              NGX_ERROR, "shards: a CLUSTER SLOTS reply");
    CHECK_INT(ngx_http_hashpay_cluster_shards(
                  arr(1, arr(4, s("slots"), arr(1, i(0)),
                             s("nodes"), arr(0))),
                  6887, &n),
              NGX_ERROR, "shards: an odd range list");
    CHECK_INT(ngx_http_hashpay_cluster_shards(
                  arr(1, arr(2, s("slots"), arr(2, i(0), i(16383)))),
                  6887, &n),
              NGX_ERROR, "shards: no nodes");
    CHECK_INT(ngx_http_hashpay_cluster_shards(
                  arr(1, arr(4, s("slots"), arr(2, i(0), i(16383)),
                             s("nodes"), arr(1, arr(3, s("ip"), s("x"),
                                                    s("port"))))),
                  6887, &n),
              NGX_ERROR, "shards: an odd node");
    CHECK_INT(ngx_http_hashpay_cluster_shards(
                  arr(1, arr(4, s("slots"), arr(2, s("a"), i(16383)),
                             s("nodes"), arr(0))),
                  6887, &n),
              NGX_ERROR, "shards: a range that is not a number");
    CHECK_INT(ngx_http_hashpay_cluster_shards(arr(0), 6887, &n),
              NGX_DECLINED, "shards: no shard");
}


static void
test_slots(void)
{
    ngx_int_t                        rc;
    redisReply                      *r;
    ngx_http_hashpay_cluster_node_t  n;

    /* redis-server 7.0: ip, port, id, and a map of hostname metadata */
    r = arr(3,
            arr(4, i(0), i(5460),
                arr(4, s("127.0.0.1"), i(31001), s("1a3f"), arr(0)),
                arr(4, s("127.0.0.1"), i(31005), s("e4b1"), arr(0))),
            arr(4, i(5461), i(10922),
                arr(4, s("127.0.0.1"), i(31002), s("af0f"), arr(0)),
                arr(4, s("127.0.0.1"), i(31006), s("bd23"), arr(0))),
            arr(3, i(10923), i(16383),
                arr(3, s("127.0.0.2"), i(31003), s("c0de"))));

    rc = ngx_http_hashpay_cluster_slots(r, 6887, &n);
    CHECK_INT(rc, NGX_OK, "slots: 6887 found");
    CHECK_STR(n.host, n.len, "127.0.0.1", "slots: the primary's ip");
    CHECK_INT(n.port, 31002, "slots: the primary's port");

    rc = ngx_http_hashpay_cluster_slots(r, 16383, &n);
    CHECK_INT(rc, NGX_OK, "slots: the last slot");
    CHECK_STR(n.host, n.len, "127.0.0.2", "slots: a 3-element node (6.x)");

    rc = ngx_http_hashpay_cluster_slots(
             arr(1, arr(3, i(0), i(100),
                        arr(3, s("127.0.0.1"), i(1), s("x")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "slots: uncovered");

    rc = ngx_http_hashpay_cluster_slots(
             arr(1, arr(3, i(0), i(16383), arr(3, s("?"), i(1), s("x")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "slots: an unknown endpoint");

    rc = ngx_http_hashpay_cluster_slots(
             arr(1, arr(3, i(0), i(16383), arr(3, s(""), i(1), s("x")))),
             6887, &n);
    CHECK_INT(rc, NGX_DECLINED, "slots: an empty ip");

    CHECK_INT(ngx_http_hashpay_cluster_slots(err("ERR x"), 6887, &n),
              NGX_ERROR, "slots: an error");
    CHECK_INT(ngx_http_hashpay_cluster_slots(shards_reply(), 6887, &n),
              NGX_ERROR, "slots: a CLUSTER SHARDS reply");
    CHECK_INT(ngx_http_hashpay_cluster_slots(
                  arr(1, arr(3, i(0), i(16383), s("127.0.0.1"))),
                  6887, &n),
              NGX_ERROR, "slots: a node that is not a list");
    CHECK_INT(ngx_http_hashpay_cluster_slots(
                  arr(1, arr(2, i(0), i(16383))), 6887, &n),
              NGX_ERROR, "slots: a range without a node");
}


static void
test_reply(void)
{
    ngx_uint_t                        slot;
    ngx_http_hashpay_cluster_node_t   n;
    ngx_http_hashpay_cluster_reply_e  t;

    t = ngx_http_hashpay_cluster_reply(err("MOVED 6887 127.0.0.1:31003"),
                                       &slot, &n);
    CHECK_INT(t, NGX_HTTP_HASHPAY_CLUSTER_MOVED, "MOVED");
    CHECK_INT(slot, 6887, "MOVED: the slot");
    CHECK_STR(n.host, n.len, "127.0.0.1", "MOVED: the host");
    CHECK_INT(n.port, 31003, "MOVED: the port");

    t = ngx_http_hashpay_cluster_reply(err("ASK 0 ::1:6379"), &slot, &n);
    CHECK_INT(t, NGX_HTTP_HASHPAY_CLUSTER_ASK, "ASK");
    CHECK_INT(slot, 0, "ASK: slot 0");
    CHECK_STR(n.host, n.len, "::1", "ASK: an IPv6 host");
    CHECK_INT(n.port, 6379, "ASK: the port");

    t = ngx_http_hashpay_cluster_reply(err("MOVED 16384 127.0.0.1:1"),
                                       &slot, &n);
    CHECK_INT(t, NGX_HTTP_HASHPAY_CLUSTER_MOVED, "MOVED, a bad slot");
    CHECK_INT(n.len, 0, "MOVED, a bad slot: no address");

    t = ngx_http_hashpay_cluster_reply(err("MOVED 1 127.0.0.1"), &slot, &n);
    CHECK_INT(n.len, 0, "MOVED without a port: no address");

    t = ngx_http_hashpay_cluster_reply(err("MOVED 1 127.0.0.1:"), &slot, &n);
    CHECK_INT(n.len, 0, "MOVED with an empty port: no address");

    t = ngx_http_hashpay_cluster_reply(err("MOVED 1 :6379"), &slot, &n);
    CHECK_INT(n.len, 0, "MOVED with an empty host: no address");

    t = ngx_http_hashpay_cluster_reply(err("MOVED 1"), &slot, &n);
    CHECK_INT(t, NGX_HTTP_HASHPAY_CLUSTER_MOVED, "MOVED, no address");
    CHECK_INT(n.len, 0, "MOVED, no address: none");

    t = ngx_http_hashpay_cluster_reply(err("ASK x 127.0.0.1:1"), &slot, &n);
    CHECK_INT(n.len, 0, "ASK with a bad slot: no address");

    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("TRYAGAIN Multiple keys request during rehashing of "
                      "slot"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN, "TRYAGAIN");
    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("TRYAGAIN hashpay: ERR Script attempted to access a "
                      "non local key in a cluster node"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN,
              "TRYAGAIN of the scripts' probe (_lib.lua)");
    CHECK_INT(ngx_http_hashpay_cluster_reply(err("TRYAGAIN"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN, "a bare TRYAGAIN");
    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("CLUSTERDOWN The cluster is down"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_DOWN, "CLUSTERDOWN");
    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("CLUSTERDOWN Hash slot not served"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_DOWN, "CLUSTERDOWN, slot not served");

    /* other errors and other replies are none of these */
    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("NOSCRIPT No matching script"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "NOSCRIPT");
    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("READONLY You can't write against a read only "
                      "replica."), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "READONLY");
    CHECK_INT(ngx_http_hashpay_cluster_reply(
                  err("ERR Error running script: MOVED 1 127.0.0.1:1"),
                  &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "MOVED inside another error");
    CHECK_INT(ngx_http_hashpay_cluster_reply(err("MOVEDX 1 a:1"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "MOVEDX");
    CHECK_INT(ngx_http_hashpay_cluster_reply(err("TRYAGAINX"), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "TRYAGAINX");
    CHECK_INT(ngx_http_hashpay_cluster_reply(s("MOVED 1 127.0.0.1:1"),
                                             &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "a string reply");
    CHECK_INT(ngx_http_hashpay_cluster_reply(i(1), &slot, &n),
              NGX_HTTP_HASHPAY_CLUSTER_OK, "an integer");
}
