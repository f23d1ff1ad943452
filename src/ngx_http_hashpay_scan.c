
/*
 * Copyright (C) hashpay authors
 *
 * The webhook's fast reader: one pass over the body that validates it as
 * jansson's json_loadb() would and captures, by a schema of the paths the
 * reader reads, only those members; then the rules of
 * src/ngx_http_hashpay_tweet.c applied to the captures.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <errno.h>
#include <math.h>

#if (defined __SSE2__)
#include <emmintrin.h>
#define NGX_HTTP_HASHPAY_SCAN_SSE2  1
#endif

#include "ngx_http_hashpay_tweet.h"
#include "ngx_http_hashpay_scan.h"


#define NGX_HTTP_HASHPAY_ID_MAX_LEN  20
#define NGX_HTTP_HASHPAY_TS_MAX_LEN  19

/* jansson's enum json_error_code, for the log */
#define SCAN_ERR_STACK_OVERFLOW    2
#define SCAN_ERR_INVALID_UTF8      5
#define SCAN_ERR_PREMATURE_END     6
#define SCAN_ERR_END_EXPECTED      7
#define SCAN_ERR_INVALID_SYNTAX    8
#define SCAN_ERR_NULL_BYTE_IN_KEY  13
#define SCAN_ERR_NUMERIC_OVERFLOW  15


/* the members read, by name */

typedef enum {
    K_DATA = 0,
    K_MATCHING_RULES,
    K_INCLUDES,
    K_TWEET_CREATE_EVENTS,
    K_USER_EVENT,
    K_EVENT_TYPE,
    K_PAYLOAD,
    K_ID,
    K_AUTHOR_ID,
    K_EDIT_HISTORY_TWEET_IDS,
    K_EDIT_HISTORY_POST_IDS,
    K_CREATED_AT,
    K_REFERENCED_TWEETS,
    K_REFERENCED_POSTS,
    K_ENTITIES,
    K_NOTE_TWEET,
    K_NOTE_POST,
    K_USER_ID,
    K_DATE_TIME,
    K_TYPE,
    K_HASHTAGS,
    K_MENTIONS,
    K_TEXT,
    K_TAG,
    K_USERS,
    K_TWEETS,
    K_POSTS,
    K_USERNAME,
    K_ID_STR,
    K_EDIT_HISTORY,
    K_INITIAL_TWEET_ID,
    K_USER,
    K_SCREEN_NAME,
    K_TIMESTAMP_MS,
    K_RETWEETED_STATUS,
    K_TRUNCATED,
    K_EXTENDED_TWEET,
    K_REVOKE,
    K_SOURCE
} ngx_http_hashpay_key_e;


static ngx_str_t  ngx_http_hashpay_key_names[] = {
    ngx_string("data"),
    ngx_string("matching_rules"),
    ngx_string("includes"),
    ngx_string("tweet_create_events"),
    ngx_string("user_event"),
    ngx_string("event_type"),
    ngx_string("payload"),
    ngx_string("id"),
    ngx_string("author_id"),
    ngx_string("edit_history_tweet_ids"),
    ngx_string("edit_history_post_ids"),
    ngx_string("created_at"),
    ngx_string("referenced_tweets"),
    ngx_string("referenced_posts"),
    ngx_string("entities"),
    ngx_string("note_tweet"),
    ngx_string("note_post"),
    ngx_string("user_id"),
    ngx_string("date_time"),
    ngx_string("type"),
    ngx_string("hashtags"),
    ngx_string("mentions"),
    ngx_string("text"),
    ngx_string("tag"),
    ngx_string("users"),
    ngx_string("tweets"),
    ngx_string("posts"),
    ngx_string("username"),
    ngx_string("id_str"),
    ngx_string("edit_history"),
    ngx_string("initial_tweet_id"),
    ngx_string("user"),
    ngx_string("screen_name"),
    ngx_string("timestamp_ms"),
    ngx_string("retweeted_status"),
    ngx_string("truncated"),
    ngx_string("extended_tweet"),
    ngx_string("revoke"),
    ngx_string("source")
};

/* the longest name above */
#define SCAN_KEY_MAX_LEN  (sizeof("edit_history_tweet_ids") - 1)


typedef struct ngx_http_hashpay_schema_s  ngx_http_hashpay_schema_t;

typedef struct {
    ngx_uint_t                        id;
    const ngx_http_hashpay_schema_t  *child;
} ngx_http_hashpay_skey_t;

/*
 * What of a value is kept: of an object, the members named in keys (each
 * by its own schema); of an array, each element by elem (NULL: counted
 * only).  A scalar is always kept.
 */
struct ngx_http_hashpay_schema_s {
    ngx_uint_t                        nkeys;
    const ngx_http_hashpay_skey_t    *keys;
    const ngx_http_hashpay_schema_t  *elem;
    uint32_t                          lens;   /* bit n: a key of n bytes */
};


typedef enum {
    JV_ABSENT = 0,
    JV_NULL,
    JV_FALSE,
    JV_TRUE,
    JV_INTEGER,     /* an integer literal: text in str */
    JV_REAL,        /* a literal with a fraction or exponent: text in str */
    JV_STRING,      /* decoded */
    JV_OBJECT,      /* kept members in elts, by the schema's keys */
    JV_ARRAY        /* n elements, kept ones in elts */
} ngx_http_hashpay_jv_type_e;


typedef struct ngx_http_hashpay_jv_s  ngx_http_hashpay_jv_t;

struct ngx_http_hashpay_jv_s {
    ngx_uint_t                        type;
    const ngx_http_hashpay_schema_t  *schema;
    ngx_str_t                         str;
    ngx_http_hashpay_jv_t            *elts;
    ngx_uint_t                        n;
};


typedef struct {
    const u_char                     *start;
    const u_char                     *p;
    const u_char                     *end;
    ngx_pool_t                       *pool;
    ngx_uint_t                        int_as_real;  /* an integer beyond
                                                       64 bits was seen */
    ngx_int_t                         code;
    ngx_uint_t                        nomem;
} ngx_http_hashpay_scan_t;


#define SK(k, s)  { k, s }

static ngx_http_hashpay_schema_t  s_leaf = { 0, NULL, NULL, 0 };
static ngx_http_hashpay_schema_t  s_ids = { 0, NULL, &s_leaf, 0 };

static const ngx_http_hashpay_skey_t  k_ref[] = {
    SK(K_TYPE, &s_leaf), SK(K_ID, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_ref = { 2, k_ref, NULL, 0 };
static ngx_http_hashpay_schema_t  s_refs = { 0, NULL, &s_ref, 0 };

static const ngx_http_hashpay_skey_t  k_tag[] = {
    SK(K_TEXT, &s_leaf), SK(K_TAG, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_tag = { 2, k_tag, NULL, 0 };
static ngx_http_hashpay_schema_t  s_tags = { 0, NULL, &s_tag, 0 };

static const ngx_http_hashpay_skey_t  k_mention[] = {
    SK(K_ID, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_mention = { 1, k_mention, NULL, 0 };
static ngx_http_hashpay_schema_t  s_mentions = { 0, NULL, &s_mention, 0 };

static const ngx_http_hashpay_skey_t  k_entities[] = {
    SK(K_HASHTAGS, &s_tags), SK(K_MENTIONS, &s_mentions)
};
static ngx_http_hashpay_schema_t  s_entities = { 2, k_entities, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_note[] = {
    SK(K_ENTITIES, &s_entities)
};
static ngx_http_hashpay_schema_t  s_note = { 1, k_note, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_user_inner[] = {
    SK(K_ID, &s_leaf), SK(K_USERNAME, &s_leaf), SK(K_CREATED_AT, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_user_inner = {
    3, k_user_inner, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_user_entry[] = {
    SK(K_ID, &s_leaf), SK(K_USERNAME, &s_leaf), SK(K_CREATED_AT, &s_leaf),
    SK(K_DATA, &s_user_inner)
};
static ngx_http_hashpay_schema_t  s_user_entry = {
    4, k_user_entry, NULL, 0 };
static ngx_http_hashpay_schema_t  s_users = { 0, NULL, &s_user_entry, 0 };

static const ngx_http_hashpay_skey_t  k_post_inner[] = {
    SK(K_ID, &s_leaf), SK(K_AUTHOR_ID, &s_leaf),
    SK(K_ENTITIES, &s_entities), SK(K_NOTE_TWEET, &s_note),
    SK(K_NOTE_POST, &s_note)
};
static ngx_http_hashpay_schema_t  s_post_inner = {
    5, k_post_inner, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_post_entry[] = {
    SK(K_ID, &s_leaf), SK(K_AUTHOR_ID, &s_leaf),
    SK(K_ENTITIES, &s_entities), SK(K_NOTE_TWEET, &s_note),
    SK(K_NOTE_POST, &s_note), SK(K_DATA, &s_post_inner)
};
static ngx_http_hashpay_schema_t  s_post_entry = {
    6, k_post_entry, NULL, 0 };
static ngx_http_hashpay_schema_t  s_posts = { 0, NULL, &s_post_entry, 0 };

static const ngx_http_hashpay_skey_t  k_includes[] = {
    SK(K_USERS, &s_users), SK(K_TWEETS, &s_posts), SK(K_POSTS, &s_posts)
};
static ngx_http_hashpay_schema_t  s_includes = { 3, k_includes, NULL, 0 };

#define SCAN_POST_KEYS                                                        \
    SK(K_ID, &s_leaf), SK(K_AUTHOR_ID, &s_leaf),                              \
    SK(K_EDIT_HISTORY_TWEET_IDS, &s_ids),                                     \
    SK(K_EDIT_HISTORY_POST_IDS, &s_ids), SK(K_CREATED_AT, &s_leaf),           \
    SK(K_REFERENCED_TWEETS, &s_refs), SK(K_REFERENCED_POSTS, &s_refs),        \
    SK(K_ENTITIES, &s_entities), SK(K_NOTE_TWEET, &s_note),                   \
    SK(K_NOTE_POST, &s_note)

#define SCAN_POST_NKEYS  10

static const ngx_http_hashpay_skey_t  k_payload[] = {
    SCAN_POST_KEYS, SK(K_USER_ID, &s_leaf), SK(K_DATE_TIME, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_payload = {
    SCAN_POST_NKEYS + 2, k_payload, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_event[] = {
    SK(K_EVENT_TYPE, &s_leaf), SK(K_PAYLOAD, &s_payload),
    SK(K_INCLUDES, &s_includes)
};
static ngx_http_hashpay_schema_t  s_event = { 3, k_event, NULL, 0 };

/* data: the stream's post or an X Activity API event, or an array */
static const ngx_http_hashpay_skey_t  k_data[] = {
    SCAN_POST_KEYS, SK(K_EVENT_TYPE, &s_leaf), SK(K_PAYLOAD, &s_payload),
    SK(K_INCLUDES, &s_includes)
};
static ngx_http_hashpay_schema_t  s_data = {
    SCAN_POST_NKEYS + 3, k_data, &s_event, 0 };

static const ngx_http_hashpay_skey_t  k_auser[] = {
    SK(K_ID_STR, &s_leaf), SK(K_SCREEN_NAME, &s_leaf),
    SK(K_CREATED_AT, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_auser = { 3, k_auser, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_edit[] = {
    SK(K_INITIAL_TWEET_ID, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_edit = { 1, k_edit, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_ext[] = {
    SK(K_ENTITIES, &s_entities)
};
static ngx_http_hashpay_schema_t  s_ext = { 1, k_ext, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_rs[] = {
    SK(K_USER, &s_auser), SK(K_TRUNCATED, &s_leaf),
    SK(K_EXTENDED_TWEET, &s_ext), SK(K_ENTITIES, &s_entities)
};
static ngx_http_hashpay_schema_t  s_rs = { 4, k_rs, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_aaa_tweet[] = {
    SK(K_ID_STR, &s_leaf), SK(K_EDIT_HISTORY, &s_edit),
    SK(K_USER, &s_auser), SK(K_TIMESTAMP_MS, &s_leaf),
    SK(K_RETWEETED_STATUS, &s_rs), SK(K_TRUNCATED, &s_leaf),
    SK(K_EXTENDED_TWEET, &s_ext), SK(K_ENTITIES, &s_entities)
};
static ngx_http_hashpay_schema_t  s_aaa_tweet = {
    8, k_aaa_tweet, NULL, 0 };
static ngx_http_hashpay_schema_t  s_aaa_events = {
    0, NULL, &s_aaa_tweet, 0 };

static const ngx_http_hashpay_skey_t  k_source[] = {
    SK(K_USER_ID, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_source = { 1, k_source, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_revoke[] = {
    SK(K_SOURCE, &s_source), SK(K_DATE_TIME, &s_leaf)
};
static ngx_http_hashpay_schema_t  s_revoke = { 2, k_revoke, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_user_event[] = {
    SK(K_REVOKE, &s_revoke)
};
static ngx_http_hashpay_schema_t  s_user_event = {
    1, k_user_event, NULL, 0 };

static const ngx_http_hashpay_skey_t  k_root[] = {
    SK(K_DATA, &s_data), SK(K_MATCHING_RULES, &s_leaf),
    SK(K_INCLUDES, &s_includes),
    SK(K_TWEET_CREATE_EVENTS, &s_aaa_events),
    SK(K_USER_EVENT, &s_user_event)
};
static ngx_http_hashpay_schema_t  s_root = { 5, k_root, NULL, 0 };


static ngx_http_hashpay_schema_t  *ngx_http_hashpay_schemas[] = {
    &s_leaf,
    &s_ids,
    &s_ref,
    &s_refs,
    &s_tag,
    &s_tags,
    &s_mention,
    &s_mentions,
    &s_entities,
    &s_note,
    &s_user_inner,
    &s_user_entry,
    &s_users,
    &s_post_inner,
    &s_post_entry,
    &s_posts,
    &s_includes,
    &s_payload,
    &s_event,
    &s_data,
    &s_auser,
    &s_edit,
    &s_ext,
    &s_rs,
    &s_aaa_tweet,
    &s_aaa_events,
    &s_source,
    &s_revoke,
    &s_user_event,
    &s_root,
    NULL
};


/*
 * bytes of a string that need a look: '"', '\\', control characters and
 * the bytes of UTF-8 sequences
 */

static u_char  ngx_http_hashpay_scan_special[256];
static ngx_uint_t  ngx_http_hashpay_scan_ready;


static ngx_int_t ngx_http_hashpay_scan_fail(ngx_http_hashpay_scan_t *s,
    ngx_int_t code);
static ngx_int_t ngx_http_hashpay_scan_value(ngx_http_hashpay_scan_t *s,
    const ngx_http_hashpay_schema_t *sc, ngx_http_hashpay_jv_t *v,
    ngx_uint_t depth);
static ngx_int_t ngx_http_hashpay_scan_skip(ngx_http_hashpay_scan_t *s,
    ngx_uint_t depth);
static ngx_int_t ngx_http_hashpay_scan_string(ngx_http_hashpay_scan_t *s,
    ngx_uint_t key, ngx_str_t *raw, ngx_uint_t *escaped);
static ngx_int_t ngx_http_hashpay_scan_number(ngx_http_hashpay_scan_t *s,
    ngx_str_t *text, ngx_uint_t *integer);
static ngx_int_t ngx_http_hashpay_scan_literal(ngx_http_hashpay_scan_t *s,
    ngx_uint_t *type);
static ngx_int_t ngx_http_hashpay_scan_decode(ngx_http_hashpay_scan_t *s,
    ngx_str_t *raw, u_char *out, size_t *len);
static ngx_int_t ngx_http_hashpay_scan_hex4(const u_char *p);
static ngx_int_t ngx_http_hashpay_scan_key(const ngx_http_hashpay_schema_t *sc,
    const u_char *name, size_t len);

static ngx_http_hashpay_jv_t *jv_get(ngx_http_hashpay_jv_t *v,
    ngx_uint_t key);
static ngx_http_hashpay_jv_t *jv_at(ngx_http_hashpay_jv_t *v, ngx_uint_t i);

static ngx_int_t ngx_http_hashpay_scan_aaa_read(ngx_http_hashpay_jv_t *root,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_scan_xaa_read(ngx_http_hashpay_jv_t *data,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_scan_xaa_event(ngx_http_hashpay_jv_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_scan_tweet_read(ngx_http_hashpay_jv_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_scan_retweet_read(ngx_http_hashpay_jv_t *rs,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad);
static ngx_int_t ngx_http_hashpay_scan_status_hashtags(
    ngx_http_hashpay_jv_t *status, const char *prefix, ngx_pool_t *pool,
    ngx_array_t **out, const char **bad);
static ngx_int_t ngx_http_hashpay_scan_post_push(ngx_http_hashpay_jv_t *post,
    ngx_http_hashpay_jv_t *includes, const char *where,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_scan_post_read(ngx_http_hashpay_jv_t *post,
    ngx_http_hashpay_jv_t *includes, const char *where,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_scan_post_author(
    ngx_http_hashpay_jv_t *includes, ngx_http_hashpay_tweet_t *t,
    const char **bad);
static ngx_int_t ngx_http_hashpay_scan_repost_read(
    ngx_http_hashpay_jv_t *post, ngx_http_hashpay_jv_t *includes,
    ngx_str_t *ref, ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad);
static ngx_int_t ngx_http_hashpay_scan_post_hashtags(
    ngx_http_hashpay_jv_t *post, const char *prefix, ngx_pool_t *pool,
    ngx_array_t **out, const char **bad);
static ngx_int_t ngx_http_hashpay_scan_entities_hashtags(
    ngx_http_hashpay_jv_t *container, ngx_uint_t key, const char *p1,
    const char *p2, ngx_pool_t *pool, ngx_array_t **out, const char **bad);
static ngx_int_t ngx_http_hashpay_scan_hashtags_copy(
    ngx_http_hashpay_jv_t *tags, ngx_uint_t key, ngx_pool_t *pool,
    ngx_array_t **out, const char **suffix);
static void ngx_http_hashpay_scan_repost_confirm(
    ngx_http_hashpay_tweet_conf_t *conf, ngx_array_t *tags,
    ngx_http_hashpay_tweet_t *t);
static void ngx_http_hashpay_scan_hashtags_read(
    ngx_http_hashpay_tweet_conf_t *conf, ngx_array_t *tags,
    ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_scan_first_code(ngx_array_t *tags,
    ngx_str_t *prefix, u_char *code);
static ngx_int_t ngx_http_hashpay_scan_aaa_revoke(ngx_http_hashpay_jv_t *root,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_scan_xaa_revoke(
    ngx_http_hashpay_jv_t *payload, ngx_http_hashpay_delivery_t *d);
static ngx_http_hashpay_jv_t *ngx_http_hashpay_scan_get2(
    ngx_http_hashpay_jv_t *obj, ngx_uint_t name, ngx_uint_t alt,
    ngx_uint_t *which);
static ngx_http_hashpay_jv_t *ngx_http_hashpay_scan_find_id(
    ngx_http_hashpay_jv_t *list, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_scan_bad(ngx_pool_t *pool, const char **bad,
    const char *a, const char *b, const char *c, const char *d);
static ngx_int_t ngx_http_hashpay_scan_id_str(ngx_http_hashpay_jv_t *v,
    ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_scan_timestamp(ngx_http_hashpay_jv_t *v,
    ngx_http_hashpay_scan_t *s, int64_t *ts);
static ngx_uint_t ngx_http_hashpay_scan_is_operator(
    ngx_http_hashpay_tweet_conf_t *conf, ngx_str_t *id);
static int64_t ngx_http_hashpay_scan_iso(ngx_http_hashpay_jv_t *v);


static ngx_str_t  ngx_http_hashpay_scan_post_events[] = {
    ngx_string("post.create"),
    ngx_string("post.mention.create"),
    ngx_string("post.reply.create"),
    ngx_string("post.quote.create"),
    ngx_string("post.repost.create"),
    ngx_null_string
};


#define jv_is(v, t)  ((v) != NULL && (v)->type == (t))
#define jv_is_object(v)  jv_is(v, JV_OBJECT)
#define jv_is_array(v)   jv_is(v, JV_ARRAY)
#define jv_is_string(v)  jv_is(v, JV_STRING)
#define jv_is_null(v)    jv_is(v, JV_NULL)
#define jv_is_true(v)    jv_is(v, JV_TRUE)
#define jv_size(v)       (jv_is_array(v) ? (v)->n : 0)


ngx_int_t
ngx_http_hashpay_scan_delivery(const u_char *body, size_t len,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d, ngx_http_hashpay_scan_err_t *err)
{
    u_char                      c;
    ngx_int_t                   rc;
    ngx_uint_t                  i, k;
    const u_char               *p;
    ngx_http_hashpay_jv_t       root, *data;
    ngx_http_hashpay_scan_t     s;
    ngx_http_hashpay_schema_t  *sc;

    if (!ngx_http_hashpay_scan_ready) {
        for (i = 0; i < 0x20; i++) {
            ngx_http_hashpay_scan_special[i] = 1;
        }

        for (i = 0x80; i < 0x100; i++) {
            ngx_http_hashpay_scan_special[i] = 1;
        }

        ngx_http_hashpay_scan_special['"'] = 1;
        ngx_http_hashpay_scan_special['\\'] = 1;

        for (i = 0; ngx_http_hashpay_schemas[i]; i++) {
            sc = ngx_http_hashpay_schemas[i];

            for (k = 0; k < sc->nkeys; k++) {
                sc->lens |= (uint32_t) 1
                            << ngx_http_hashpay_key_names[sc->keys[k].id].len;
            }
        }

        ngx_http_hashpay_scan_ready = 1;
    }

    ngx_memzero(err, sizeof(ngx_http_hashpay_scan_err_t));

    d->format = NGX_HTTP_HASHPAY_FORMAT_AAA;
    d->tweets = NULL;
    d->revokes = NULL;

    s.start = body;
    s.p = body;
    s.end = body + len;
    s.pool = pool;
    s.int_as_real = 0;
    s.code = 0;
    s.nomem = 0;

    ngx_memzero(&root, sizeof(ngx_http_hashpay_jv_t));

    /* one pass: the whole body is JSON, the members read are kept */

    while (s.p < s.end
           && (*s.p == ' ' || *s.p == '\t' || *s.p == '\n' || *s.p == '\r'))
    {
        s.p++;
    }

    if (s.p == s.end) {
        rc = ngx_http_hashpay_scan_fail(&s, SCAN_ERR_PREMATURE_END);

    } else if (*s.p != '{' && *s.p != '[') {
        rc = ngx_http_hashpay_scan_fail(&s, SCAN_ERR_INVALID_SYNTAX);

    } else {
        rc = ngx_http_hashpay_scan_value(&s, &s_root, &root, 1);
    }

    if (rc == NGX_OK) {
        while (s.p < s.end
               && (*s.p == ' ' || *s.p == '\t' || *s.p == '\n'
                   || *s.p == '\r'))
        {
            s.p++;
        }

        if (s.p != s.end) {
            rc = ngx_http_hashpay_scan_fail(&s, SCAN_ERR_END_EXPECTED);
        }
    }

    if (rc != NGX_OK) {
        if (s.nomem) {
            return NGX_ERROR;
        }

        err->not_json = 1;
        err->code = s.code;
        err->offset = s.p - s.start;
        err->line = 1;

        for (p = s.start; p < s.p; p++) {
            c = *p;

            if (c == '\n') {
                err->line++;
                err->column = 0;

            } else {
                err->column++;
            }
        }

        return NGX_DECLINED;
    }

    /* the reader's rules (ngx_http_hashpay_delivery_read()) */

    if (root.type != JV_OBJECT) {
        return NGX_DECLINED;
    }

    d->revokes = ngx_array_create(pool, 1, sizeof(ngx_http_hashpay_revoke_t));
    if (d->revokes == NULL) {
        return NGX_ERROR;
    }

    data = jv_get(&root, K_DATA);

    if (jv_get(&root, K_MATCHING_RULES) != NULL) {

        d->format = NGX_HTTP_HASHPAY_FORMAT_STREAM;

        if (!jv_is_object(data)) {
            return NGX_DECLINED;
        }

        d->tweets = ngx_array_create(pool, 1,
                                     sizeof(ngx_http_hashpay_tweet_t));
        if (d->tweets == NULL) {
            return NGX_ERROR;
        }

        return ngx_http_hashpay_scan_post_push(data,
                                               jv_get(&root, K_INCLUDES),
                                               "data", conf, pool, d);
    }

    if (data != NULL) {
        d->format = NGX_HTTP_HASHPAY_FORMAT_XAA;
        return ngx_http_hashpay_scan_xaa_read(data, conf, &s, d);
    }

    return ngx_http_hashpay_scan_aaa_read(&root, conf, &s, d);
}


/* the scanner */

static ngx_int_t
ngx_http_hashpay_scan_fail(ngx_http_hashpay_scan_t *s, ngx_int_t code)
{
    if (s->code == 0) {
        s->code = code;
    }

    return NGX_DECLINED;
}


#define scan_ws(s)                                                            \
    while ((s)->p < (s)->end                                                  \
           && (*(s)->p == ' ' || *(s)->p == '\n' || *(s)->p == '\r'           \
               || *(s)->p == '\t'))                                           \
    {                                                                         \
        (s)->p++;                                                             \
    }


/*
 * A value at depth (the root is 1), s->p at its first byte: kept by sc
 * into v (captured members of objects, elements of arrays)
 */

static ngx_int_t
ngx_http_hashpay_scan_value(ngx_http_hashpay_scan_t *s,
    const ngx_http_hashpay_schema_t *sc, ngx_http_hashpay_jv_t *v,
    ngx_uint_t depth)
{
    u_char                 *buf, name[6 * SCAN_KEY_MAX_LEN];
    size_t                  len;
    ngx_int_t               rc, k;
    ngx_str_t               raw;
    ngx_uint_t              escaped, integer, type;
    ngx_array_t            *a;
    ngx_http_hashpay_jv_t  *e;

    if (depth > NGX_HTTP_HASHPAY_SCAN_MAX_DEPTH) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_STACK_OVERFLOW);
    }

    if (s->p == s->end) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
    }

    switch (*s->p) {

    case '{':
        s->p++;

        v->type = JV_OBJECT;
        v->schema = sc;

        if (sc->nkeys) {
            v->elts = ngx_pcalloc(s->pool,
                                  sc->nkeys * sizeof(ngx_http_hashpay_jv_t));
            if (v->elts == NULL) {
                s->nomem = 1;
                return NGX_ERROR;
            }
        }

        scan_ws(s);

        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return NGX_OK;
        }

        for ( ;; ) {
            if (s->p == s->end) {
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
            }

            if (*s->p != '"') {
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
            }

            s->p++;

            rc = ngx_http_hashpay_scan_string(s, 1, &raw, &escaped);
            if (rc != NGX_OK) {
                return rc;
            }

            k = -1;

            if (sc->nkeys) {
                if (!escaped) {
                    k = ngx_http_hashpay_scan_key(sc, raw.data, raw.len);

                } else if (raw.len <= 6 * SCAN_KEY_MAX_LEN) {
                    if (ngx_http_hashpay_scan_decode(s, &raw, name, &len)
                        != NGX_OK)
                    {
                        return NGX_DECLINED;
                    }

                    k = ngx_http_hashpay_scan_key(sc, name, len);
                }
            }

            scan_ws(s);

            if (s->p == s->end) {
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
            }

            if (*s->p != ':') {
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
            }

            s->p++;
            scan_ws(s);

            if (k >= 0) {
                /* the last of duplicate keys is the one kept */
                e = &v->elts[k];
                ngx_memzero(e, sizeof(ngx_http_hashpay_jv_t));

                rc = ngx_http_hashpay_scan_value(s, sc->keys[k].child, e,
                                                 depth + 1);

            } else {
                rc = ngx_http_hashpay_scan_skip(s, depth + 1);
            }

            if (rc != NGX_OK) {
                return rc;
            }

            scan_ws(s);

            if (s->p == s->end) {
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
            }

            if (*s->p == ',') {
                s->p++;
                scan_ws(s);
                continue;
            }

            if (*s->p == '}') {
                s->p++;
                return NGX_OK;
            }

            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
        }

    case '[':
        s->p++;

        v->type = JV_ARRAY;
        v->schema = sc;
        v->n = 0;

        a = NULL;

        if (sc->elem) {
            a = ngx_array_create(s->pool, 4, sizeof(ngx_http_hashpay_jv_t));
            if (a == NULL) {
                s->nomem = 1;
                return NGX_ERROR;
            }
        }

        scan_ws(s);

        if (s->p < s->end && *s->p == ']') {
            s->p++;
            goto array_done;
        }

        for ( ;; ) {
            if (a) {
                e = ngx_array_push(a);
                if (e == NULL) {
                    s->nomem = 1;
                    return NGX_ERROR;
                }

                ngx_memzero(e, sizeof(ngx_http_hashpay_jv_t));

                rc = ngx_http_hashpay_scan_value(s, sc->elem, e, depth + 1);

            } else {
                rc = ngx_http_hashpay_scan_skip(s, depth + 1);
            }

            if (rc != NGX_OK) {
                return rc;
            }

            v->n++;

            scan_ws(s);

            if (s->p == s->end) {
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
            }

            if (*s->p == ',') {
                s->p++;
                scan_ws(s);
                continue;
            }

            if (*s->p == ']') {
                s->p++;
                break;
            }

            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
        }

    array_done:

        if (a) {
            v->elts = a->elts;
        }

        return NGX_OK;

    case '"':
        s->p++;

        rc = ngx_http_hashpay_scan_string(s, 0, &raw, &escaped);
        if (rc != NGX_OK) {
            return rc;
        }

        v->type = JV_STRING;

        if (!escaped) {
            v->str = raw;
            return NGX_OK;
        }

        buf = ngx_pnalloc(s->pool, raw.len ? raw.len : 1);
        if (buf == NULL) {
            s->nomem = 1;
            return NGX_ERROR;
        }

        if (ngx_http_hashpay_scan_decode(s, &raw, buf, &len) != NGX_OK) {
            return NGX_DECLINED;
        }

        v->str.data = buf;
        v->str.len = len;

        return NGX_OK;

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        rc = ngx_http_hashpay_scan_number(s, &v->str, &integer);
        if (rc != NGX_OK) {
            return rc;
        }

        v->type = integer ? JV_INTEGER : JV_REAL;
        return NGX_OK;

    default:
        rc = ngx_http_hashpay_scan_literal(s, &type);
        if (rc != NGX_OK) {
            return rc;
        }

        v->type = type;
        return NGX_OK;
    }
}


/*
 * A value nobody reads: checked as strictly, without recursion (a stack of
 * one bit per level: 1 an object, 0 an array) and without keeping anything
 */

static ngx_int_t
ngx_http_hashpay_scan_skip(ngx_http_hashpay_scan_t *s, ngx_uint_t depth)
{
    u_char      stack[NGX_HTTP_HASHPAY_SCAN_MAX_DEPTH / 8 + 1];
    ngx_int_t   rc;
    ngx_str_t   raw;
    ngx_uint_t  level, escaped, integer, type;

    level = 0;

value:

    if (depth + level > NGX_HTTP_HASHPAY_SCAN_MAX_DEPTH) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_STACK_OVERFLOW);
    }

    if (s->p == s->end) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
    }

    switch (*s->p) {

    case '"':
        s->p++;

        rc = ngx_http_hashpay_scan_string(s, 0, &raw, &escaped);
        if (rc != NGX_OK) {
            return rc;
        }

        break;

    case '{':
        s->p++;
        scan_ws(s);

        if (s->p < s->end && *s->p == '}') {
            s->p++;
            break;
        }

        stack[level >> 3] |= (u_char) (1 << (level & 7));
        level++;

        goto key;

    case '[':
        s->p++;
        scan_ws(s);

        if (s->p < s->end && *s->p == ']') {
            s->p++;
            break;
        }

        stack[level >> 3] &= (u_char) ~(1 << (level & 7));
        level++;

        goto value;

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        rc = ngx_http_hashpay_scan_number(s, &raw, &integer);
        if (rc != NGX_OK) {
            return rc;
        }

        break;

    default:
        rc = ngx_http_hashpay_scan_literal(s, &type);
        if (rc != NGX_OK) {
            return rc;
        }

        break;
    }

next:

    if (level == 0) {
        return NGX_OK;
    }

    scan_ws(s);

    if (s->p == s->end) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
    }

    if (stack[(level - 1) >> 3] & (1 << ((level - 1) & 7))) {

        if (*s->p == ',') {
            s->p++;
            scan_ws(s);
            goto key;
        }

        if (*s->p == '}') {
            s->p++;
            level--;
            goto next;
        }

    } else {

        if (*s->p == ',') {
            s->p++;
            scan_ws(s);
            goto value;
        }

        if (*s->p == ']') {
            s->p++;
            level--;
            goto next;
        }
    }

    return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);

key:

    if (s->p == s->end) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
    }

    if (*s->p != '"') {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
    }

    s->p++;

    rc = ngx_http_hashpay_scan_string(s, 1, &raw, &escaped);
    if (rc != NGX_OK) {
        return rc;
    }

    scan_ws(s);

    if (s->p == s->end) {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
    }

    if (*s->p != ':') {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
    }

    s->p++;
    scan_ws(s);

    goto value;
}


/*
 * A string, s->p after its opening quote: raw is its text between the
 * quotes; UTF-8 checked as jansson's stream does, escapes as its lexer
 * does, surrogates paired as its decoder wants; a key may not hold
 * \u0000 (jansson: "NUL byte in object key not supported")
 */

static ngx_int_t
ngx_http_hashpay_scan_string(ngx_http_hashpay_scan_t *s, ngx_uint_t key,
    ngx_str_t *raw, ngx_uint_t *escaped)
{
    u_char         c;
    uint64_t       w, q, b;
    ngx_int_t      u, u2;
    const u_char  *p, *end;
#if (NGX_HTTP_HASHPAY_SCAN_SSE2)
    int            m;
    __m128i        x;
#endif

    p = s->p;
    end = s->end;

    raw->data = (u_char *) p;
    *escaped = 0;

    for ( ;; ) {

#if (NGX_HTTP_HASHPAY_SCAN_SSE2)

        /*
         * 16 bytes at a time while none is '"', '\\', a control character
         * or part of a UTF-8 sequence: a signed "less than 0x20" takes
         * both the bytes below 0x20 and those from 0x80 on
         */

        m = 0;

        while (end - p >= 16) {
            x = _mm_loadu_si128((const __m128i *) p);

            m = _mm_movemask_epi8(
                    _mm_or_si128(
                        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                     _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                        _mm_cmplt_epi8(x, _mm_set1_epi8(0x20))));

            if (m) {
                p += __builtin_ctz(m);
                break;
            }

            p += 16;
        }

        /* fewer than 16 bytes left: 8 at a time below, then one by one */

        if (m == 0)
#endif

        /*
         * 8 bytes at a time while none is '"', '\\', a control character
         * or part of a UTF-8 sequence (each test exact for "any byte")
         */

        while (end - p >= 8) {
            ngx_memcpy(&w, p, 8);

            q = w ^ 0x2222222222222222ULL;
            b = w ^ 0x5C5C5C5C5C5C5C5CULL;

            w = (((w - 0x2020202020202020ULL) & ~w)
                 | ((q - 0x0101010101010101ULL) & ~q)
                 | ((b - 0x0101010101010101ULL) & ~b)
                 | w)
                & 0x8080808080808080ULL;

            if (w) {
#if (NGX_HAVE_LITTLE_ENDIAN && (defined __GNUC__ || defined __clang__))
                /* the lowest flag is exact: borrows only run upwards */
                p += __builtin_ctzll(w) >> 3;
#endif
                break;
            }

            p += 8;
        }

        while (p < end && !ngx_http_hashpay_scan_special[*p]) {
            p++;
        }

        if (p == end) {
            s->p = p;
            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
        }

        c = *p;

        if (c == '"') {
            raw->len = p - raw->data;
            s->p = p + 1;
            return NGX_OK;
        }

        if (c == '\\') {
            *escaped = 1;

            if (end - p < 2) {
                s->p = end;
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_PREMATURE_END);
            }

            switch (p[1]) {
            case '"': case '\\': case '/': case 'b':
            case 'f': case 'n': case 'r': case 't':
                p += 2;
                continue;

            case 'u':
                break;

            default:
                s->p = p;
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
            }

            if (end - p < 6 || (u = ngx_http_hashpay_scan_hex4(p + 2)) < 0) {
                s->p = p;
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
            }

            p += 6;

            if (u >= 0xDC00 && u <= 0xDFFF) {
                s->p = p;
                return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
            }

            if (u >= 0xD800 && u <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u'
                    || (u2 = ngx_http_hashpay_scan_hex4(p + 2)) < 0
                    || u2 < 0xDC00 || u2 > 0xDFFF)
                {
                    s->p = p;
                    return ngx_http_hashpay_scan_fail(s,
                                                      SCAN_ERR_INVALID_SYNTAX);
                }

                p += 6;
                continue;
            }

            if (u == 0 && key) {
                s->p = p;
                return ngx_http_hashpay_scan_fail(s,
                                                  SCAN_ERR_NULL_BYTE_IN_KEY);
            }

            continue;
        }

        if (c < 0x20) {
            s->p = p;
            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
        }

        /* UTF-8: no overlong form, no surrogate, nothing past U+10FFFF */

        if (c < 0xC2) {
            goto bad_utf8;
        }

        if (c < 0xE0) {
            if (end - p < 2 || (p[1] & 0xC0) != 0x80) {
                goto bad_utf8;
            }

            p += 2;
            continue;
        }

        if (c < 0xF0) {
            if (end - p < 3 || (p[1] & 0xC0) != 0x80
                || (p[2] & 0xC0) != 0x80
                || (c == 0xE0 && p[1] < 0xA0)
                || (c == 0xED && p[1] >= 0xA0))
            {
                goto bad_utf8;
            }

            p += 3;
            continue;
        }

        if (c < 0xF5) {
            if (end - p < 4 || (p[1] & 0xC0) != 0x80
                || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80
                || (c == 0xF0 && p[1] < 0x90)
                || (c == 0xF4 && p[1] >= 0x90))
            {
                goto bad_utf8;
            }

            p += 4;
            continue;
        }

        goto bad_utf8;
    }

bad_utf8:

    s->p = p;

    return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_UTF8);
}


static ngx_int_t
ngx_http_hashpay_scan_hex4(const u_char *p)
{
    u_char      c;
    ngx_int_t   v;
    ngx_uint_t  i;

    v = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            v = v * 16 + (c - '0');

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            v = v * 16 + ((c | 0x20) - 'a' + 10);

        } else {
            return -1;
        }
    }

    return v;
}


/* a string already checked, decoded into out (at most raw->len bytes) */

static ngx_int_t
ngx_http_hashpay_scan_decode(ngx_http_hashpay_scan_t *s, ngx_str_t *raw,
    u_char *out, size_t *len)
{
    u_char        *o, c;
    ngx_int_t      u, u2;
    const u_char  *p, *end;

    p = raw->data;
    end = p + raw->len;
    o = out;

    while (p < end) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }

        c = p[1];
        p += 2;

        switch (c) {

        case 'u':
            break;

        case 'b':
            *o++ = '\b';
            continue;

        case 'f':
            *o++ = '\f';
            continue;

        case 'n':
            *o++ = '\n';
            continue;

        case 'r':
            *o++ = '\r';
            continue;

        case 't':
            *o++ = '\t';
            continue;

        default:
            /* '"', '\\' and '/' stand for themselves */
            *o++ = c;
            continue;
        }

        p -= 2;

        u = ngx_http_hashpay_scan_hex4(p + 2);
        p += 6;

        if (u >= 0xD800 && u <= 0xDBFF) {
            u2 = ngx_http_hashpay_scan_hex4(p + 2);
            p += 6;
            u = ((u - 0xD800) << 10) + (u2 - 0xDC00) + 0x10000;
        }

        if (u < 0x80) {
            *o++ = (u_char) u;

        } else if (u < 0x800) {
            *o++ = (u_char) (0xC0 | (u >> 6));
            *o++ = (u_char) (0x80 | (u & 0x3F));

        } else if (u < 0x10000) {
            *o++ = (u_char) (0xE0 | (u >> 12));
            *o++ = (u_char) (0x80 | ((u >> 6) & 0x3F));
            *o++ = (u_char) (0x80 | (u & 0x3F));

        } else {
            *o++ = (u_char) (0xF0 | (u >> 18));
            *o++ = (u_char) (0x80 | ((u >> 12) & 0x3F));
            *o++ = (u_char) (0x80 | ((u >> 6) & 0x3F));
            *o++ = (u_char) (0x80 | (u & 0x3F));
        }
    }

    *len = o - out;

    return NGX_OK;
}


/*
 * A number as jansson's lexer reads it ("-"? int frac? exp?, no leading
 * zero): an integer beyond 64 bits turns every integer into a real (the
 * webhook's second json_loadb()), and a number whose double overflows is
 * not JSON to jansson (json_error_numeric_overflow both times)
 */

static ngx_int_t
ngx_http_hashpay_scan_number(ngx_http_hashpay_scan_t *s, ngx_str_t *text,
    ngx_uint_t *integer)
{
    u_char         buf[64], *copy;
    double         val;
    size_t         digits, len;
    ngx_int_t      exp, esign;
    ngx_uint_t     neg;
    const u_char  *p, *end, *d;

    static const char  max[] = "9223372036854775807";
    static const char  min[] = "9223372036854775808";

    p = s->p;
    end = s->end;
    text->data = (u_char *) p;
    neg = 0;

    if (*p == '-') {
        neg = 1;
        p++;
    }

    if (p == end || *p < '0' || *p > '9') {
        s->p = p;
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
    }

    d = p;

    if (*p == '0') {
        p++;

        if (p < end && *p >= '0' && *p <= '9') {
            s->p = p;
            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
        }

    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    digits = p - d;
    *integer = 1;
    exp = 0;

    if (p < end && *p == '.') {
        p++;

        if (p == end || *p < '0' || *p > '9') {
            s->p = p;
            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
        }

        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }

        *integer = 0;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        esign = 1;

        if (p < end && (*p == '+' || *p == '-')) {
            esign = (*p == '-') ? -1 : 1;
            p++;
        }

        if (p == end || *p < '0' || *p > '9') {
            s->p = p;
            return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
        }

        while (p < end && *p >= '0' && *p <= '9') {
            if (exp < 1000000) {
                exp = exp * 10 + (*p - '0');
            }

            p++;
        }

        exp *= esign;
        *integer = 0;
    }

    text->len = p - text->data;

    /*
     * jansson's lexer takes back the byte after a number; its stream
     * takes a taken-back NUL byte for an empty buffer and reads on: one
     * NUL byte right after a number is skipped
     */

    if (p < end && *p == '\0') {
        p++;
    }

    s->p = p;

    if (*integer) {
        if (digits < 19
            || (digits == 19
                && ngx_memcmp(d, neg ? min : max, 19) <= 0))
        {
            return NGX_OK;
        }

        /* beyond 64 bits: read as a double, by jansson too */
        s->int_as_real = 1;
    }

    /* below 10^308: finite for sure; else strtod() tells, as for jansson */

    if ((ngx_int_t) digits + exp <= 308) {
        return NGX_OK;
    }

    len = text->len;

    if (len < sizeof(buf)) {
        copy = buf;

    } else {
        copy = ngx_pnalloc(s->pool, len + 1);
        if (copy == NULL) {
            s->nomem = 1;
            return NGX_ERROR;
        }
    }

    ngx_memcpy(copy, text->data, len);
    copy[len] = '\0';

    errno = 0;
    val = strtod((char *) copy, NULL);

    if ((val == HUGE_VAL || val == -HUGE_VAL) && errno == ERANGE) {
        s->p = text->data;
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_NUMERIC_OVERFLOW);
    }

    return NGX_OK;
}


/*
 * true, false or null: jansson reads a run of letters as one word, and
 * anything else is an invalid token
 */

static ngx_int_t
ngx_http_hashpay_scan_literal(ngx_http_hashpay_scan_t *s, ngx_uint_t *type)
{
    size_t         n;
    const u_char  *p, *w;

    p = s->p;
    w = p;

    while (p < s->end && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
        p++;
    }

    n = p - w;

    if (n == 4 && ngx_memcmp(w, "true", 4) == 0) {
        *type = JV_TRUE;

    } else if (n == 5 && ngx_memcmp(w, "false", 5) == 0) {
        *type = JV_FALSE;

    } else if (n == 4 && ngx_memcmp(w, "null", 4) == 0) {
        *type = JV_NULL;

    } else {
        return ngx_http_hashpay_scan_fail(s, SCAN_ERR_INVALID_SYNTAX);
    }

    /* as after a number: one NUL byte right after the word is skipped */

    if (p < s->end && *p == '\0') {
        p++;
    }

    s->p = p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_key(const ngx_http_hashpay_schema_t *sc,
    const u_char *name, size_t len)
{
    ngx_str_t   *k;
    ngx_uint_t   i;

    if (len > SCAN_KEY_MAX_LEN || !(sc->lens & ((uint32_t) 1 << len))) {
        return -1;
    }

    for (i = 0; i < sc->nkeys; i++) {
        k = &ngx_http_hashpay_key_names[sc->keys[i].id];

        if (k->len == len && k->data[0] == name[0]
            && ngx_memcmp(k->data, name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


/* obj[key] as json_object_get(): NULL when absent or not an object */

static ngx_http_hashpay_jv_t *
jv_get(ngx_http_hashpay_jv_t *v, ngx_uint_t key)
{
    ngx_uint_t  i;

    if (v == NULL || v->type != JV_OBJECT) {
        return NULL;
    }

    for (i = 0; i < v->schema->nkeys; i++) {
        if (v->schema->keys[i].id == key) {
            return v->elts[i].type == JV_ABSENT ? NULL : &v->elts[i];
        }
    }

    /* a member the schema does not keep: a bug of the schema */

    return NULL;
}


static ngx_http_hashpay_jv_t *
jv_at(ngx_http_hashpay_jv_t *v, ngx_uint_t i)
{
    if (!jv_is_array(v) || i >= v->n || v->elts == NULL) {
        return NULL;
    }

    return &v->elts[i];
}


/* the reader: src/ngx_http_hashpay_tweet.c, rule for rule */

static ngx_int_t
ngx_http_hashpay_scan_aaa_read(ngx_http_hashpay_jv_t *root,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_delivery_t *d)
{
    size_t                     n, i;
    ngx_http_hashpay_jv_t     *events;
    ngx_http_hashpay_tweet_t  *t;

    events = jv_get(root, K_TWEET_CREATE_EVENTS);

    if (events != NULL && !jv_is_array(events)) {
        return NGX_DECLINED;
    }

    n = jv_size(events);

    d->tweets = ngx_array_create(s->pool, n ? n : 1,
                                 sizeof(ngx_http_hashpay_tweet_t));
    if (d->tweets == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        t = ngx_array_push(d->tweets);
        if (t == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_hashpay_scan_tweet_read(jv_at(events, i), conf, s, t)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_hashpay_scan_aaa_revoke(root, d);
}


static ngx_int_t
ngx_http_hashpay_scan_xaa_read(ngx_http_hashpay_jv_t *data,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_delivery_t *d)
{
    size_t     i, n;
    ngx_int_t  rc;

    if (jv_is_object(data)) {
        d->tweets = ngx_array_create(s->pool, 1,
                                     sizeof(ngx_http_hashpay_tweet_t));
        if (d->tweets == NULL) {
            return NGX_ERROR;
        }

        return ngx_http_hashpay_scan_xaa_event(data, conf, s, d);
    }

    if (!jv_is_array(data)) {
        return NGX_DECLINED;
    }

    n = jv_size(data);

    for (i = 0; i < n; i++) {
        if (!jv_is_object(jv_at(data, i))) {
            return NGX_DECLINED;
        }
    }

    d->tweets = ngx_array_create(s->pool, n ? n : 1,
                                 sizeof(ngx_http_hashpay_tweet_t));
    if (d->tweets == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        rc = ngx_http_hashpay_scan_xaa_event(jv_at(data, i), conf, s, d);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_xaa_event(ngx_http_hashpay_jv_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_delivery_t *d)
{
    size_t                  len;
    ngx_str_t              *et;
    const u_char           *name;
    ngx_http_hashpay_jv_t  *type, *payload;

    type = jv_get(ev, K_EVENT_TYPE);

    if (!jv_is_string(type)) {
        return NGX_OK;
    }

    name = type->str.data;
    len = type->str.len;

    payload = jv_get(ev, K_PAYLOAD);

    if (len == sizeof("oauth.revoke") - 1
        && ngx_memcmp(name, "oauth.revoke", len) == 0)
    {
        return ngx_http_hashpay_scan_xaa_revoke(payload, d);
    }

    for (et = ngx_http_hashpay_scan_post_events; et->len; et++) {
        if (et->len == len && ngx_memcmp(et->data, name, len) == 0) {
            return ngx_http_hashpay_scan_post_push(payload,
                                                   jv_get(ev, K_INCLUDES),
                                                   "payload", conf, s->pool,
                                                   d);
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_tweet_read(ngx_http_hashpay_jv_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_http_hashpay_scan_t *s,
    ngx_http_hashpay_tweet_t *t)
{
    ngx_int_t               rc;
    const char             *bad;
    ngx_array_t            *tags;
    ngx_http_hashpay_jv_t  *user, *rs, *v;

    ngx_memzero(t, sizeof(ngx_http_hashpay_tweet_t));

    t->created_at = -1;
    t->timestamp = -1;

    if (!jv_is_object(ev)) {
        bad = "tweet_create_events[]";
        goto malformed;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(ev, K_ID_STR), &t->id) != NGX_OK)
    {
        bad = "id_str";
        goto malformed;
    }

    t->root_id = t->id;

    v = jv_get(ev, K_EDIT_HISTORY);

    if (v != NULL && !jv_is_null(v)) {
        if (!jv_is_object(v)) {
            bad = "edit_history";
            goto malformed;
        }

        v = jv_get(v, K_INITIAL_TWEET_ID);

        if (v != NULL && !jv_is_null(v)
            && ngx_http_hashpay_scan_id_str(v, &t->root_id) != NGX_OK)
        {
            bad = "edit_history.initial_tweet_id";
            goto malformed;
        }
    }

    user = jv_get(ev, K_USER);

    if (!jv_is_object(user)) {
        bad = "user";
        goto malformed;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(user, K_ID_STR), &t->author_id)
        != NGX_OK)
    {
        bad = "user.id_str";
        goto malformed;
    }

    v = jv_get(user, K_SCREEN_NAME);

    if (v != NULL) {
        if (!jv_is_string(v)) {
            bad = "user.screen_name";
            goto malformed;
        }

        t->screen_name = v->str;
    }

    v = jv_get(user, K_CREATED_AT);

    if (jv_is_string(v)) {
        t->created_at = ngx_http_hashpay_parse_created_at(v->str.data,
                                                          v->str.len);
    }

    v = jv_get(ev, K_TIMESTAMP_MS);

    if (v != NULL) {
        rc = ngx_http_hashpay_scan_timestamp(v, s, &t->timestamp);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc != NGX_OK) {
            bad = "timestamp_ms";
            goto malformed;
        }
    }

    rs = jv_get(ev, K_RETWEETED_STATUS);

    if (jv_is_null(rs)) {
        rs = NULL;
    }

    if (rs != NULL && !jv_is_object(rs)) {
        bad = "retweeted_status";
        goto malformed;
    }

    if (ngx_http_hashpay_scan_is_operator(conf, &t->author_id)) {
        t->state = NGX_HTTP_HASHPAY_TWEET_OPERATOR;
        return NGX_OK;
    }

    if (rs != NULL) {
        rc = ngx_http_hashpay_scan_retweet_read(rs, conf, s->pool, t, &bad);

        if (rc == NGX_DECLINED) {
            goto malformed;
        }

        return rc;
    }

    rc = ngx_http_hashpay_scan_status_hashtags(ev, "", s->pool, &tags, &bad);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        goto malformed;
    }

    ngx_http_hashpay_scan_hashtags_read(conf, tags, t);

    return NGX_OK;

malformed:

    t->state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;
    t->bad_field = bad;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_retweet_read(ngx_http_hashpay_jv_t *rs,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad)
{
    ngx_int_t               rc;
    ngx_str_t               author;
    ngx_array_t            *tags;
    ngx_http_hashpay_jv_t  *user;

    user = jv_get(rs, K_USER);

    if (!jv_is_object(user)) {
        *bad = "retweeted_status.user";
        return NGX_DECLINED;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(user, K_ID_STR), &author)
        != NGX_OK)
    {
        *bad = "retweeted_status.user.id_str";
        return NGX_DECLINED;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_RETWEET;

    if (!ngx_http_hashpay_scan_is_operator(conf, &author)) {
        return NGX_OK;
    }

    rc = ngx_http_hashpay_scan_status_hashtags(rs, "retweeted_status.", pool,
                                               &tags, bad);

    if (rc != NGX_OK) {
        return rc;
    }

    ngx_http_hashpay_scan_repost_confirm(conf, tags, t);

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_status_hashtags(ngx_http_hashpay_jv_t *status,
    const char *prefix, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad)
{
    ngx_http_hashpay_jv_t  *ext;

    if (jv_is_true(jv_get(status, K_TRUNCATED))) {
        ext = jv_get(status, K_EXTENDED_TWEET);

        if (jv_is_null(ext)) {
            ext = NULL;
        }

        if (ext != NULL) {
            if (!jv_is_object(ext)) {
                return ngx_http_hashpay_scan_bad(pool, bad, prefix,
                                                 "extended_tweet", NULL,
                                                 NULL);
            }

            return ngx_http_hashpay_scan_entities_hashtags(ext, K_TEXT,
                                                           prefix,
                                                           "extended_tweet.",
                                                           pool, out, bad);
        }
    }

    return ngx_http_hashpay_scan_entities_hashtags(status, K_TEXT, prefix, "",
                                                   pool, out, bad);
}


static ngx_int_t
ngx_http_hashpay_scan_post_push(ngx_http_hashpay_jv_t *post,
    ngx_http_hashpay_jv_t *includes, const char *where,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d)
{
    ngx_http_hashpay_tweet_t  *t;

    t = ngx_array_push(d->tweets);
    if (t == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_hashpay_scan_post_read(post, includes, where, conf, pool,
                                           t);
}


static ngx_int_t
ngx_http_hashpay_scan_post_read(ngx_http_hashpay_jv_t *post,
    ngx_http_hashpay_jv_t *includes, const char *where,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t)
{
    size_t                  i, n;
    ngx_int_t               rc;
    ngx_str_t               reposted;
    ngx_uint_t              alt;
    const char             *bad, *name;
    ngx_array_t            *tags;
    ngx_http_hashpay_jv_t  *v, *refs, *ref, *type;

    static const char  *hist_names[] = {
        "edit_history_tweet_ids", "edit_history_post_ids"
    };

    static const char  *ref_names[] = {
        "referenced_tweets", "referenced_posts"
    };

    ngx_memzero(t, sizeof(ngx_http_hashpay_tweet_t));

    t->created_at = -1;
    t->timestamp = -1;

    if (!jv_is_object(post)) {
        bad = where;
        goto malformed;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(post, K_ID), &t->id) != NGX_OK) {
        bad = "id";
        goto malformed;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(post, K_AUTHOR_ID), &t->author_id)
        != NGX_OK)
    {
        bad = "author_id";
        goto malformed;
    }

    t->root_id = t->id;

    v = ngx_http_hashpay_scan_get2(post, K_EDIT_HISTORY_TWEET_IDS,
                                   K_EDIT_HISTORY_POST_IDS, &alt);

    if (v != NULL) {
        name = hist_names[alt];

        if (!jv_is_array(v)) {
            bad = name;
            goto malformed;
        }

        if (jv_size(v) > 0
            && ngx_http_hashpay_scan_id_str(jv_at(v, 0), &t->root_id)
               != NGX_OK)
        {
            rc = ngx_http_hashpay_scan_bad(pool, &bad, name, "[]", NULL,
                                           NULL);
            goto bad;
        }
    }

    v = jv_get(post, K_CREATED_AT);

    if (v != NULL && !jv_is_null(v)) {
        if (jv_is_string(v)) {
            t->timestamp = ngx_http_hashpay_parse_iso8601(v->str.data,
                                                          v->str.len);
        }

        if (t->timestamp == -1) {
            bad = "created_at";
            goto malformed;
        }
    }

    if (jv_is_null(includes)) {
        includes = NULL;
    }

    if (includes != NULL && !jv_is_object(includes)) {
        bad = "includes";
        goto malformed;
    }

    if (ngx_http_hashpay_scan_post_author(includes, t, &bad) != NGX_OK) {
        goto malformed;
    }

    ngx_str_null(&reposted);

    refs = ngx_http_hashpay_scan_get2(post, K_REFERENCED_TWEETS,
                                      K_REFERENCED_POSTS, &alt);

    if (refs != NULL) {
        name = ref_names[alt];

        if (!jv_is_array(refs)) {
            bad = name;
            goto malformed;
        }

        n = jv_size(refs);

        for (i = 0; i < n; i++) {
            ref = jv_at(refs, i);

            if (!jv_is_object(ref)) {
                rc = ngx_http_hashpay_scan_bad(pool, &bad, name, "[]", NULL,
                                               NULL);
                goto bad;
            }

            type = jv_get(ref, K_TYPE);

            if (!jv_is_string(type)) {
                rc = ngx_http_hashpay_scan_bad(pool, &bad, name, "[].type",
                                               NULL, NULL);
                goto bad;
            }

            if (reposted.len == 0
                && type->str.len == sizeof("retweeted") - 1
                && ngx_memcmp(type->str.data, "retweeted",
                              sizeof("retweeted") - 1)
                   == 0
                && ngx_http_hashpay_scan_id_str(jv_get(ref, K_ID), &reposted)
                   != NGX_OK)
            {
                rc = ngx_http_hashpay_scan_bad(pool, &bad, name, "[].id",
                                               NULL, NULL);
                goto bad;
            }
        }
    }

    if (ngx_http_hashpay_scan_is_operator(conf, &t->author_id)) {
        t->state = NGX_HTTP_HASHPAY_TWEET_OPERATOR;
        return NGX_OK;
    }

    if (reposted.len) {
        rc = ngx_http_hashpay_scan_repost_read(post, includes, &reposted,
                                               conf, pool, t, &bad);
        if (rc == NGX_OK) {
            return NGX_OK;
        }

        goto bad;
    }

    rc = ngx_http_hashpay_scan_post_hashtags(post, "", pool, &tags, &bad);

    if (rc != NGX_OK) {
        goto bad;
    }

    ngx_http_hashpay_scan_hashtags_read(conf, tags, t);

    return NGX_OK;

bad:

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

malformed:

    t->state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;
    t->bad_field = bad;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_post_author(ngx_http_hashpay_jv_t *includes,
    ngx_http_hashpay_tweet_t *t, const char **bad)
{
    ngx_http_hashpay_jv_t  *users, *user, *v;

    if (includes == NULL) {
        return NGX_OK;
    }

    users = jv_get(includes, K_USERS);

    if (users == NULL || jv_is_null(users)) {
        return NGX_OK;
    }

    if (!jv_is_array(users)) {
        *bad = "includes.users";
        return NGX_DECLINED;
    }

    user = ngx_http_hashpay_scan_find_id(users, &t->author_id);

    if (user == NULL) {
        return NGX_OK;
    }

    v = jv_get(user, K_USERNAME);

    if (v != NULL) {
        if (!jv_is_string(v)) {
            *bad = "includes.users[].username";
            return NGX_DECLINED;
        }

        t->screen_name = v->str;
    }

    v = jv_get(user, K_CREATED_AT);

    if (jv_is_string(v)) {
        t->created_at = ngx_http_hashpay_parse_iso8601(v->str.data,
                                                       v->str.len);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_repost_read(ngx_http_hashpay_jv_t *post,
    ngx_http_hashpay_jv_t *includes, ngx_str_t *ref,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad)
{
    ngx_int_t               rc;
    ngx_str_t               author;
    ngx_uint_t              alt;
    ngx_array_t            *tags;
    ngx_http_hashpay_jv_t  *list, *reposted, *ent, *mentions, *m;

    static const char  *list_names[] = {
        "includes.tweets", "includes.posts"
    };

    static const char  *prefixes[] = {
        "includes.tweets[].", "includes.posts[]."
    };

    t->state = NGX_HTTP_HASHPAY_TWEET_RETWEET;

    reposted = NULL;
    alt = 0;

    if (includes != NULL) {
        list = ngx_http_hashpay_scan_get2(includes, K_TWEETS, K_POSTS, &alt);

        if (list != NULL) {
            if (!jv_is_array(list)) {
                *bad = list_names[alt];
                return NGX_DECLINED;
            }

            reposted = ngx_http_hashpay_scan_find_id(list, ref);
        }
    }

    if (reposted != NULL) {
        if (ngx_http_hashpay_scan_id_str(jv_get(reposted, K_AUTHOR_ID),
                                         &author)
            != NGX_OK)
        {
            return ngx_http_hashpay_scan_bad(pool, bad, prefixes[alt],
                                             "author_id", NULL, NULL);
        }

        if (!ngx_http_hashpay_scan_is_operator(conf, &author)) {
            return NGX_OK;
        }

        rc = ngx_http_hashpay_scan_post_hashtags(reposted, prefixes[alt],
                                                 pool, &tags, bad);

    } else {
        ent = jv_get(post, K_ENTITIES);
        mentions = NULL;

        if (ent != NULL) {
            if (!jv_is_object(ent)) {
                *bad = "entities";
                return NGX_DECLINED;
            }

            mentions = jv_get(ent, K_MENTIONS);

            if (mentions != NULL && !jv_is_array(mentions)) {
                *bad = "entities.mentions";
                return NGX_DECLINED;
            }
        }

        if (jv_size(mentions) == 0) {
            return NGX_OK;
        }

        m = jv_at(mentions, 0);

        if (!jv_is_object(m)
            || ngx_http_hashpay_scan_id_str(jv_get(m, K_ID), &author)
               != NGX_OK)
        {
            *bad = "entities.mentions[].id";
            return NGX_DECLINED;
        }

        if (!ngx_http_hashpay_scan_is_operator(conf, &author)) {
            return NGX_OK;
        }

        rc = ngx_http_hashpay_scan_entities_hashtags(post, K_TAG, "", "",
                                                     pool, &tags, bad);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    ngx_http_hashpay_scan_repost_confirm(conf, tags, t);

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_post_hashtags(ngx_http_hashpay_jv_t *post,
    const char *prefix, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad)
{
    ngx_uint_t              alt;
    ngx_http_hashpay_jv_t  *note;

    static const char  *note_names[] = { "note_tweet", "note_post" };
    static const char  *note_prefixes[] = { "note_tweet.", "note_post." };

    note = ngx_http_hashpay_scan_get2(post, K_NOTE_TWEET, K_NOTE_POST, &alt);

    if (note != NULL) {
        if (!jv_is_object(note)) {
            return ngx_http_hashpay_scan_bad(pool, bad, prefix,
                                             note_names[alt], NULL, NULL);
        }

        if (jv_get(note, K_ENTITIES) != NULL) {
            return ngx_http_hashpay_scan_entities_hashtags(note, K_TAG,
                                                   prefix, note_prefixes[alt],
                                                   pool, out, bad);
        }
    }

    return ngx_http_hashpay_scan_entities_hashtags(post, K_TAG, prefix, "",
                                                   pool, out, bad);
}


static ngx_int_t
ngx_http_hashpay_scan_entities_hashtags(ngx_http_hashpay_jv_t *container,
    ngx_uint_t key, const char *p1, const char *p2, ngx_pool_t *pool,
    ngx_array_t **out, const char **bad)
{
    ngx_int_t               rc;
    const char             *suffix;
    ngx_http_hashpay_jv_t  *ent, *tags;

    tags = NULL;

    ent = jv_get(container, K_ENTITIES);

    if (ent != NULL) {
        if (!jv_is_object(ent)) {
            return ngx_http_hashpay_scan_bad(pool, bad, p1, p2, "entities",
                                             NULL);
        }

        tags = jv_get(ent, K_HASHTAGS);

        if (tags != NULL && !jv_is_array(tags)) {
            return ngx_http_hashpay_scan_bad(pool, bad, p1, p2,
                                             "entities.hashtags", NULL);
        }
    }

    rc = ngx_http_hashpay_scan_hashtags_copy(tags, key, pool, out, &suffix);

    if (rc == NGX_DECLINED) {
        return ngx_http_hashpay_scan_bad(pool, bad, p1, p2,
                                         "entities.hashtags", suffix);
    }

    return rc;
}


static ngx_int_t
ngx_http_hashpay_scan_hashtags_copy(ngx_http_hashpay_jv_t *tags,
    ngx_uint_t key, ngx_pool_t *pool, ngx_array_t **out,
    const char **suffix)
{
    u_char                 *p;
    size_t                  n, i, j, len;
    ngx_str_t              *s, *elts;
    ngx_uint_t              size, hash, k, *slots;
    ngx_array_t            *a;
    const u_char           *src;
    ngx_http_hashpay_jv_t  *tag, *text;

    n = jv_size(tags);

    a = ngx_array_create(pool, n ? n : 1, sizeof(ngx_str_t));
    if (a == NULL) {
        return NGX_ERROR;
    }

    for (size = 1; size < 2 * n; size <<= 1) { /* void */ }

    slots = ngx_pcalloc(pool, size * sizeof(ngx_uint_t));
    if (slots == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        tag = jv_at(tags, i);

        if (!jv_is_object(tag)) {
            *suffix = "[]";
            return NGX_DECLINED;
        }

        text = jv_get(tag, key);

        if (!jv_is_string(text)) {
            *suffix = (key == K_TEXT) ? "[].text" : "[].tag";
            return NGX_DECLINED;
        }

        src = text->str.data;
        len = text->str.len;

        if (len == 0) {
            continue;
        }

        hash = 0;

        for (j = 0; j < len; j++) {
            hash = ngx_hash(hash, ngx_tolower(src[j]));
        }

        elts = a->elts;

        for (k = hash & (size - 1); slots[k]; k = (k + 1) & (size - 1)) {
            s = &elts[slots[k] - 1];

            if (s->len == len) {
                for (j = 0; j < len; j++) {
                    if (s->data[j] != ngx_tolower(src[j])) {
                        break;
                    }
                }

                if (j == len) {
                    break;
                }
            }
        }

        if (slots[k]) {
            continue;
        }

        p = ngx_pnalloc(pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        for (j = 0; j < len; j++) {
            p[j] = ngx_tolower(src[j]);
        }

        s = ngx_array_push(a);
        if (s == NULL) {
            return NGX_ERROR;
        }

        s->len = len;
        s->data = p;

        slots[k] = a->nelts;
    }

    *out = a;

    return NGX_OK;
}


static void
ngx_http_hashpay_scan_repost_confirm(ngx_http_hashpay_tweet_conf_t *conf,
    ngx_array_t *tags, ngx_http_hashpay_tweet_t *t)
{
    if (ngx_http_hashpay_scan_first_code(tags, &conf->confirm_prefix, t->code)
        != NGX_OK)
    {
        return;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_ACT;
    t->hashtags = tags;
    t->has_code = 1;
    t->retweet_confirm = 1;
}


/* a post's hashtags read: none, or it acts (with a confirmation code?) */

static void
ngx_http_hashpay_scan_hashtags_read(ngx_http_hashpay_tweet_conf_t *conf,
    ngx_array_t *tags, ngx_http_hashpay_tweet_t *t)
{
    if (tags->nelts == 0) {
        t->state = NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG;
        return;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_ACT;
    t->hashtags = tags;

    if (ngx_http_hashpay_scan_first_code(tags, &conf->confirm_prefix, t->code)
        == NGX_OK)
    {
        t->has_code = 1;
    }
}


static ngx_int_t
ngx_http_hashpay_scan_first_code(ngx_array_t *tags, ngx_str_t *prefix,
    u_char *code)
{
    ngx_str_t   *s;
    ngx_uint_t   i;

    s = tags->elts;

    for (i = 0; i < tags->nelts; i++) {
        if (ngx_http_hashpay_confirm_code(s[i].data, s[i].len, prefix, code)
            == NGX_OK)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_hashpay_scan_aaa_revoke(ngx_http_hashpay_jv_t *root,
    ngx_http_hashpay_delivery_t *d)
{
    ngx_http_hashpay_jv_t      *revoke, *source;
    ngx_http_hashpay_revoke_t  *rv;

    revoke = jv_get(jv_get(root, K_USER_EVENT), K_REVOKE);

    if (revoke == NULL) {
        return NGX_OK;
    }

    rv = ngx_array_push(d->revokes);
    if (rv == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(rv, sizeof(ngx_http_hashpay_revoke_t));

    rv->kind = "user_event.revoke";
    rv->date_time = -1;
    rv->before = d->tweets->nelts;

    if (!jv_is_object(revoke)) {
        rv->bad_field = "user_event.revoke";
        return NGX_OK;
    }

    source = jv_get(revoke, K_SOURCE);

    if (!jv_is_object(source)) {
        rv->bad_field = "user_event.revoke.source";
        return NGX_OK;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(source, K_USER_ID), &rv->user)
        != NGX_OK)
    {
        rv->bad_field = "user_event.revoke.source.user_id";
        return NGX_OK;
    }

    rv->date_time = ngx_http_hashpay_scan_iso(jv_get(revoke, K_DATE_TIME));

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_scan_xaa_revoke(ngx_http_hashpay_jv_t *payload,
    ngx_http_hashpay_delivery_t *d)
{
    ngx_http_hashpay_revoke_t  *rv;

    rv = ngx_array_push(d->revokes);
    if (rv == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(rv, sizeof(ngx_http_hashpay_revoke_t));

    rv->kind = "oauth.revoke";
    rv->date_time = -1;
    rv->before = d->tweets->nelts;

    if (!jv_is_object(payload)) {
        rv->bad_field = "payload";
        return NGX_OK;
    }

    if (ngx_http_hashpay_scan_id_str(jv_get(payload, K_USER_ID), &rv->user)
        != NGX_OK)
    {
        rv->bad_field = "payload.user_id";
        return NGX_OK;
    }

    rv->date_time = ngx_http_hashpay_scan_iso(jv_get(payload, K_DATE_TIME));

    return NGX_OK;
}


/* a string ISO 8601 time in unix ms; -1 when not a string or not a time */

static int64_t
ngx_http_hashpay_scan_iso(ngx_http_hashpay_jv_t *v)
{
    if (!jv_is_string(v)) {
        return -1;
    }

    return ngx_http_hashpay_parse_iso8601(v->str.data, v->str.len);
}


static ngx_http_hashpay_jv_t *
ngx_http_hashpay_scan_get2(ngx_http_hashpay_jv_t *obj, ngx_uint_t name,
    ngx_uint_t alt, ngx_uint_t *which)
{
    ngx_http_hashpay_jv_t  *v;

    *which = 0;

    v = jv_get(obj, name);

    if (v != NULL && !jv_is_null(v)) {
        return v;
    }

    v = jv_get(obj, alt);

    if (v != NULL && !jv_is_null(v)) {
        *which = 1;
        return v;
    }

    return NULL;
}


static ngx_http_hashpay_jv_t *
ngx_http_hashpay_scan_find_id(ngx_http_hashpay_jv_t *list, ngx_str_t *id)
{
    size_t                  i, n;
    ngx_http_hashpay_jv_t  *e, *inner, *v;

    n = jv_size(list);

    for (i = 0; i < n; i++) {
        e = jv_at(list, i);

        if (!jv_is_object(e)) {
            continue;
        }

        inner = jv_get(e, K_DATA);

        if (jv_is_object(inner)) {
            e = inner;
        }

        v = jv_get(e, K_ID);

        if (jv_is_string(v) && v->str.len == id->len
            && ngx_memcmp(v->str.data, id->data, id->len) == 0)
        {
            return e;
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_hashpay_scan_bad(ngx_pool_t *pool, const char **bad, const char *a,
    const char *b, const char *c, const char *d)
{
    u_char       *p, *s;
    size_t        len;
    ngx_uint_t    i;
    const char   *parts[4];

    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    parts[3] = d;

    len = 1;

    for (i = 0; i < 4; i++) {
        if (parts[i]) {
            len += ngx_strlen(parts[i]);
        }
    }

    s = ngx_pnalloc(pool, len);
    if (s == NULL) {
        return NGX_ERROR;
    }

    p = s;

    for (i = 0; i < 4; i++) {
        if (parts[i]) {
            p = ngx_cpymem(p, parts[i], ngx_strlen(parts[i]));
        }
    }

    *p = '\0';
    *bad = (const char *) s;

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_hashpay_scan_id_str(ngx_http_hashpay_jv_t *v, ngx_str_t *id)
{
    size_t         i, len;
    const u_char  *p;

    if (!jv_is_string(v)) {
        return NGX_DECLINED;
    }

    p = v->str.data;
    len = v->str.len;

    if (len == 0 || len > NGX_HTTP_HASHPAY_ID_MAX_LEN) {
        return NGX_DECLINED;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_DECLINED;
        }
    }

    id->len = len;
    id->data = (u_char *) p;

    return NGX_OK;
}


/*
 * timestamp_ms as tweet.c reads jansson's value: an integer literal is a
 * json integer unless the body held one beyond 64 bits (then every
 * integer is a real), a literal with a fraction or exponent a real
 */

static ngx_int_t
ngx_http_hashpay_scan_timestamp(ngx_http_hashpay_jv_t *v,
    ngx_http_hashpay_scan_t *s, int64_t *ts)
{
    u_char         buf[64], *copy;
    double         d;
    size_t         i, len;
    int64_t        n;
    const u_char  *p;

    if (v->type == JV_INTEGER && !s->int_as_real) {
        p = v->str.data;

        if (*p == '-') {
            /* negative, or -0 which jansson reads as 0 */
            for (i = 1; i < v->str.len; i++) {
                if (p[i] != '0') {
                    return NGX_DECLINED;
                }
            }

            *ts = 0;
            return NGX_OK;
        }

        n = 0;

        for (i = 0; i < v->str.len; i++) {
            n = n * 10 + (p[i] - '0');
        }

        *ts = n;
        return NGX_OK;
    }

    if (v->type == JV_INTEGER || v->type == JV_REAL) {
        len = v->str.len;
        copy = buf;

        if (len >= sizeof(buf)) {
            copy = ngx_pnalloc(s->pool, len + 1);
            if (copy == NULL) {
                return NGX_ERROR;
            }
        }

        ngx_memcpy(copy, v->str.data, len);
        copy[len] = '\0';

        d = strtod((char *) copy, NULL);

        if (d < 0 || d > 9007199254740992.0 || d != (double) (int64_t) d) {
            return NGX_DECLINED;
        }

        *ts = (int64_t) d;
        return NGX_OK;
    }

    if (!jv_is_string(v)) {
        return NGX_DECLINED;
    }

    p = v->str.data;
    len = v->str.len;

    if (len == 0 || len > NGX_HTTP_HASHPAY_TS_MAX_LEN) {
        return NGX_DECLINED;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_DECLINED;
        }

        if (n > (INT64_MAX - (p[i] - '0')) / 10) {
            return NGX_DECLINED;
        }

        n = n * 10 + (p[i] - '0');
    }

    *ts = n;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_hashpay_scan_is_operator(ngx_http_hashpay_tweet_conf_t *conf,
    ngx_str_t *id)
{
    ngx_uint_t  i;

    for (i = 0; i < conf->noperators; i++) {
        if (conf->operators[i].len == id->len
            && ngx_memcmp(conf->operators[i].data, id->data, id->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}
