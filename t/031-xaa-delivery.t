# X Activity API deliveries (SPEC sections 4, 10 and 11): what
# t/030-delivery.t shows for Account Activity, for {"data": <event>} and
# {"data": [<event>, ...]} bodies of v2 posts.  Every xaa_*.json example;
# which event types act (post.create, post.mention.create,
# post.reply.create, post.quote.create, post.repost.create) and which
# contribute nothing; arrays processed in order (a revoke before a
# confirmation in the same array); the spelling variants (referenced_posts,
# edit_history_post_ids, note_post, includes.posts, wrapped users);
# idempotency per post identity (the first id of the edit history) across
# arrays, deliveries, event types and shapes (AAA and XAA); edits; account
# age and screen name from includes.users; reposts and quotes; malformed
# envelopes (400, nothing acts) and malformed posts inside a good envelope
# (ignored/malformed, logged with the field, the others act); 405, 401 and
# 503.
#
# Offers, links and purchases are written straight into Redis
# (HashpayFlow); v2 posts and events are built with HashpayPost.  The
# Account Activity side of the same rules is t/030-delivery.t; revokes are
# t/061-revoke-xaa.t.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use HashpayPost;
use POSIX ();

# the one offer most tests need, as one key (DBSIZE 1)
our $GIFT = "HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25\n";

# alice linked, the offer, and her pending purchase pur_1 of code 7KQ2XD
our $PENDING = ::offer('BuyGiftCard25') . ::linked($::ALICE)
               . ::purchase(id => 'pur_1', code => '7KQ2XD');

# a post of alice with the offer hashtag: acts (not_linked when she is not)
sub good {
    my ($id) = @_;
    return ::xp(id => $id, tags => ['BuyGiftCard25']);
}

# a repost of alice: refs retweeted $of, then more xp options
sub repost {
    my ($id, $of, %o) = @_;
    return ::xp(id => $id, type => 'post.repost.create',
                refs => [['retweeted', $of]], %o);
}

# an operator post, as includes.tweets carries it
sub op_post {
    my ($id, @tags) = @_;
    return ::p2(id => $id, author => $::OPERATOR, tags => [@tags]);
}

# includes with alice as the user and these tweets
sub inc {
    return { users => [::u2($::ALICE)], tweets => [@_] };
}

# Post times near now (an old post is stale: SPEC section 10,
# t/033-stale.t): $S is two minutes before the file started, in whole
# seconds.  at_zone($s, $zone, $frac) writes unix seconds as ISO 8601 in
# the zone ("Z", "z", "+02:00", "-0230", ...) with the fraction $frac
# (".5", default none).
our $S = POSIX::floor($HashpayTest::NOW_MS / 1000) - 120;

sub at_zone {
    my ($s, $zone, $frac) = @_;
    my $off = 0;
    if ($zone =~ /^([+-])(\d\d):?(\d\d)\z/) {
        $off = ($1 eq '-' ? -1 : 1) * ($2 * 3600 + $3 * 60);
    }
    return POSIX::strftime('%Y-%m-%dT%H:%M:%S', gmtime($s + $off))
           . ($frac // '') . $zone;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: example xaa_post_offer.json, author not linked: rejected/not_linked
The outcome is recorded under the post id for hashpay_dedupe_ttl (48h by
default) and one intent.rejected reports it, with the username of
includes.users as screen_name.
--- delivery
@xaa_post_offer.json
--- redis_init eval
::offer('BuyGiftCard25')
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body chomp
{"results":[{"tweet_id":"2000000000000000101","outcome":"rejected","reason":"not_linked"}]}
--- events eval
[::intent_rejected('2000000000000000101', 'not_linked')]
--- redis_after eval
[[['GET', 'hashpay:tweet:2000000000000000101'], 'rejected:not_linked'],
 [['PTTL', 'hashpay:tweet:2000000000000000101'], qr/^17[0-2]\d{6}$/],
 [['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:2000000000000000101']]



=== TEST 2: example xaa_post_offer.json with no such offer: ignored/no_offer, twice
Ignored posts are not recorded: the redelivery is ignored again, not
duplicate, and Redis stays empty.
--- delivery eval
['@xaa_post_offer.json', '@xaa_post_offer.json']
--- error_code eval
[200, 200]
--- response_body eval
[(::res(['2000000000000000101', 'ignored', 'no_offer'])) x 2]
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 3: example xaa_post_offer.json, author linked: intent_created, held
The purchase carries the delivered post id and the includes username.
--- delivery
@xaa_post_offer.json
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
::res(['2000000000000000101', 'intent_created'])
--- events eval
[::intent_created('2000000000000000101', purchase_id => 'pur_1')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'tweet_id', 'user_id', 'screen_name',
   'state', 'offer'],
  "2000000000000000101\n$::ALICE\nalice\npending\nBuyGiftCard25"],
 [['ZRANGE', 'hashpay:holds:buygiftcard25', '0', '-1'], 'pur_1'],
 [['GET', "hashpay:pending:buygiftcard25:$::ALICE"], 'pur_1'],
 [['GET', 'hashpay:tweet:2000000000000000101'], 'intent_created:']]



=== TEST 4: posts by an operator account: ignored/operator, nothing written
The operator's reply carrying a confirmation hashtag must not loop back,
nor its mention of a customer with an offer hashtag.
--- delivery eval
::xaa(::xp(id => '4001', author => $::OPERATOR, tags => ['Confirm7KQ2XD'],
           mentions => [$::ALICE], refs => [['replied_to', '4000']]),
      ::xp(id => '4002', author => $::OPERATOR, type => 'post.mention.create',
           tags => ['BuyGiftCard25'], mentions => [$::ALICE]))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['4001', 'ignored', 'operator'], ['4002', 'ignored', 'operator'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 5: the same posts where 15234567 is not an operator account act
Counter-proof of TEST 4: with other operator accounts, the reply's
confirmation hashtag is a (failed) confirmation by 15234567, the mention
an offer hashtag of 15234567.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_operator_accounts 1 99999999;
}
--- delivery eval
::xaa(::xp(id => '5001', author => $::OPERATOR, tags => ['Confirm7KQ2XD'],
           mentions => [$::ALICE], refs => [['replied_to', '5000']]),
      ::xp(id => '5002', author => $::OPERATOR, type => 'post.mention.create',
           tags => ['BuyGiftCard25'], mentions => [$::ALICE]))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['5001', 'rejected', 'unknown_code'], ['5002', 'rejected', 'not_linked'])
--- events eval
[::confirm_rejected('5001', '#Confirm7KQ2XD', 'unknown_code', user => $::OPERATOR),
 ::with(::intent_rejected('5002', 'not_linked', user => $::OPERATOR),
         screen_name => 'HashpaySync')]
--- redis_after eval
[[['GET', "hashpay:attempts:$::OPERATOR"], '1']]



=== TEST 6: example xaa_post_confirm_reply.json (lower-cased code), code unknown
confirm_tag carries the configured prefix and the upper-cased code; the
failure counts one attempt; the outcome is recorded.
--- delivery
@xaa_post_confirm_reply.json
--- response_body eval
::res(['2000000000000000130', 'rejected', 'unknown_code'])
--- events eval
[::confirm_rejected('2000000000000000130', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', "hashpay:attempts:$::ALICE"], '1'],
 [['GET', 'hashpay:tweet:2000000000000000130'], 'rejected:unknown_code']]



=== TEST 7: example xaa_post_confirm_reply.json confirms alice's pending purchase
purchase.confirmed carries the intent's tweet_id and the reply's id as
confirm_tweet_id; the hold becomes a sale.
--- delivery
@xaa_post_confirm_reply.json
--- redis_init eval
$::PENDING
--- response_body eval
::res(['2000000000000000130', 'confirmed'])
--- events eval
[::confirmed('9001', '2000000000000000130')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id', 'tweet_id'],
  "confirmed\n2000000000000000130\n9001"],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0'],
 [['GET', 'hashpay:tweet:2000000000000000130'], 'confirmed:']]



=== TEST 8: example xaa_post_repost_confirm.json confirms for the reposting author
A repost of the operator's post (in includes.tweets) carrying a
confirmation hashtag acts on behalf of alice, not of the operator.
--- delivery
@xaa_post_repost_confirm.json
--- response_body eval
::res(['2000000000000000140', 'rejected', 'unknown_code'])
--- events eval
[::confirm_rejected('2000000000000000140', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', "hashpay:attempts:$::ALICE"], '1'],
 [['EXISTS', "hashpay:attempts:$::OPERATOR"], '0']]



=== TEST 9: both repost examples confirm alice's purchase: the first confirms, the second finds it confirmed
xaa_post_repost_confirm.json reads the reposted post of includes.tweets;
xaa_post_repost_confirm_bare.json (empty includes, another post) reads
its own first mention and hashtags.
--- delivery eval
['@xaa_post_repost_confirm.json', '@xaa_post_repost_confirm_bare.json']
--- redis_init eval
$::PENDING
--- response_body eval
[::res(['2000000000000000140', 'confirmed']),
 ::res(['2000000000000000145', 'rejected', 'already_confirmed'])]
--- events eval
[::confirmed('9001', '2000000000000000140'),
 ::confirm_rejected('2000000000000000145', '#Confirm7KQ2XD', 'already_confirmed')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id'],
  "confirmed\n2000000000000000140"],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1']]



=== TEST 10: reposts that never act: ignored/retweet, nothing written
A repost of a customer's post carrying a confirmation hashtag; a repost of
an operator post with only an offer hashtag; bare reposts (no
includes.tweets) whose first mention is not the operator, that mention
nobody, that have an empty mention list, or whose first mention is the
operator but whose own hashtags hold no confirmation; a repost whose own
hashtags and mention would confirm but whose reposted post (delivered) has
no hashtag.
--- delivery eval
::xaa(::repost('10001', '10000', tags => ['Confirm7KQ2XD'],
               includes => ::inc(::p2(id => '10000', author => $::BOB,
                                      tags => ['Confirm7KQ2XD']))),
      ::repost('10002', '10010', tags => ['BuyGiftCard25'],
               includes => ::inc(::op_post('10010', 'BuyGiftCard25'))),
      ::repost('10003', '10020', tags => ['Confirm7KQ2XD'],
               mentions => [$::ALICE, $::OPERATOR], includes => {}),
      ::repost('10004', '10020', tags => ['Confirm7KQ2XD'], includes => {}),
      ::repost('10005', '10020', tags => ['Confirm7KQ2XD'], includes => {},
               set => { entities => { hashtags => [ { tag => 'Confirm7KQ2XD' } ],
                                      mentions => [] } }),
      ::repost('10006', '10020', tags => ['BuyGiftCard25'],
               mentions => [$::OPERATOR], includes => {}),
      ::repost('10007', '10030', tags => ['Confirm7KQ2XD'],
               mentions => [$::OPERATOR],
               includes => ::inc(::op_post('10030'))))
--- redis_init eval
$::GIFT
--- response_body eval
::res(map { [$_, 'ignored', 'retweet'] } 10001 .. 10007)
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 11: repost to confirm reads the reposted post: its hashtags, its note_tweet, either spelling
The code is the reposted operator post's (7KQ2XD), not the one in the
repost's own entities (222222); the first "retweeted" reference counts, and
the entry of includes.tweets with its id; a long reposted post is read from
its note_tweet; includes.posts, a wrapped {"data":{...}} entry and
referenced_posts are read like includes.tweets and referenced_tweets.
--- delivery eval
::xaa(::repost('11001', '11000', tags => ['Confirm222222'],
               refs => [['quoted', '11099'], ['retweeted', '11000']],
               includes => ::inc(::p2(id => '11099', author => $::OPERATOR,
                                      tags => ['Confirm999999']),
                                 ::op_post('11000', 'Confirm7KQ2XD'))),
      ::repost('11002', '11010',
               includes => ::inc(::p2(id => '11010', author => $::OPERATOR,
                   tags => ['Other'],
                   set => { note_tweet => { text => 'long',
                     entities => { hashtags => [ { tag => 'confirm3pq4rs' } ] } } }))),
      ::repost('11003', '11020',
               includes => { users => [::u2($::ALICE)],
                             posts => [::op_post('11020', 'Confirm4ABCDE')] }),
      ::repost('11004', '11030',
               includes => ::inc({ data => ::op_post('11030', 'Confirm5ABCDE') })),
      ::xp(id => '11005', type => 'post.repost.create',
           set => { referenced_posts => [ { type => 'retweeted', id => '11000' } ] },
           includes => ::inc(::op_post('11000', 'Confirm7KQ2XD'))))
--- response_body eval
::res(map { [$_, 'rejected', 'unknown_code'] } 11001 .. 11005)
--- events eval
[::confirm_rejected('11001', '#Confirm7KQ2XD', 'unknown_code'),
 ::confirm_rejected('11002', '#Confirm3PQ4RS', 'unknown_code'),
 ::confirm_rejected('11003', '#Confirm4ABCDE', 'unknown_code'),
 ::confirm_rejected('11004', '#Confirm5ABCDE', 'unknown_code'),
 ::confirm_rejected('11005', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', "hashpay:attempts:$::ALICE"], '5'],
 [['EXISTS', "hashpay:attempts:$::OPERATOR"], '0']]



=== TEST 12: example xaa_post_quote.json: the quoted offer hashtag does not act
The quote has no hashtag of its own: ignored/no_hashtag, nothing recorded.
--- delivery
@xaa_post_quote.json
--- redis_init eval
$::GIFT
--- response_body eval
::res(['2000000000000000170', 'ignored', 'no_hashtag'])
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 13: a quote acts on its own hashtags only
The quoted operator post's confirmation hashtag (in its entities or its
note_tweet) neither wins over the quote's own offer hashtag nor acts when
the quote has none.
--- delivery eval
::xaa(::xp(id => '13001', type => 'post.quote.create', tags => ['BuyGiftCard25'],
           refs => [['quoted', '13000']],
           includes => ::inc(::op_post('13000', 'Confirm7KQ2XD'))),
      ::xp(id => '13002', type => 'post.quote.create',
           refs => [['quoted', '13000']],
           includes => ::inc(::op_post('13000', 'Confirm7KQ2XD'))),
      ::xp(id => '13003', type => 'post.quote.create',
           refs => [['quoted', '13010']],
           includes => ::inc(::p2(id => '13010', author => $::OPERATOR,
               set => { note_tweet => { text => 'x', entities => {
                          hashtags => [ { tag => 'Confirm7KQ2XD' } ] } } }))))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['13001', 'rejected', 'not_linked'], ['13002', 'ignored', 'no_hashtag'],
      ['13003', 'ignored', 'no_hashtag'])
--- events eval
[::intent_rejected('13001', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:13001'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 14: example xaa_post_long.json acts on note_tweet's hashtag
--- delivery
@xaa_post_long.json
--- redis_init eval
$::GIFT
--- response_body eval
::res(['2000000000000000150', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('2000000000000000150', 'not_linked')]



=== TEST 15: note_tweet with entities replaces entities; without entities it does not
15001: the note's hashtag, not Other of the short text; 15002: a note
without entities, the post's own; 15003: a note whose entities have no
hashtags: none (Other is not read); 15004: note_post, X's other spelling;
15005: note_tweet null, note_post read; 15006: both present, note_tweet
read.
--- delivery eval
my $note = sub { { text => 'x', entities => { hashtags => [ map { { tag => $_ } } @_ ] } } };
::xaa(::xp(id => '15001', tags => ['Other'],
           set => { note_tweet => $note->('BuyGiftCard25') }),
      ::xp(id => '15002', tags => ['Other'], set => { note_tweet => { text => 'x' } }),
      ::xp(id => '15003', tags => ['Other'],
           set => { note_tweet => { text => 'x', entities => {} } }),
      ::xp(id => '15004', tags => ['Other'],
           set => { note_post => $note->('BuyGiftCard25') }),
      ::xp(id => '15005', tags => ['Other'],
           set => { note_tweet => $::NULL, note_post => $note->('BuyGiftCard25') }),
      ::xp(id => '15006', tags => ['BuyGiftCard25'],
           set => { note_tweet => $note->('Other'),
                    note_post => $note->('BuyGiftCard25') }))
--- redis_init eval
$::GIFT . "HSET hashpay:offer:other tag Other\n"
--- response_body eval
::res(['15001', 'rejected', 'not_linked'], ['15002', 'rejected', 'not_linked'],
      ['15003', 'ignored', 'no_hashtag'], ['15004', 'rejected', 'not_linked'],
      ['15005', 'rejected', 'not_linked'], ['15006', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('15001', 'not_linked'),
 ::intent_rejected('15002', 'not_linked', offer => 'Other'),
 ::intent_rejected('15004', 'not_linked'),
 ::intent_rejected('15005', 'not_linked'),
 ::intent_rejected('15006', 'not_linked', offer => 'Other')]



=== TEST 16: examples xaa_like.json and xaa_post_delete.json: acknowledged, no results, nothing written
--- delivery eval
['@xaa_like.json', '@xaa_post_delete.json']
--- redis_init eval
$::PENDING
--- error_code eval
[200, 200]
--- response_body eval
['{"results":[]}', '{"results":[]}']
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '9'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending']]



=== TEST 17: the five post event types all act
post.create, post.mention.create, post.reply.create and post.quote.create
with an offer hashtag; post.repost.create confirming by a repost.
--- delivery eval
::xaa(::xp(id => '17001', type => 'post.create', tags => ['BuyGiftCard25']),
      ::xp(id => '17002', type => 'post.mention.create', tags => ['BuyGiftCard25'],
           mentions => [$::OPERATOR]),
      ::xp(id => '17003', type => 'post.reply.create', tags => ['BuyGiftCard25'],
           refs => [['replied_to', '17000']]),
      ::xp(id => '17004', type => 'post.quote.create', tags => ['BuyGiftCard25'],
           refs => [['quoted', '17000']]),
      ::repost('17005', '17010', includes => ::inc(::op_post('17010', 'Confirm7KQ2XD'))))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'rejected', 'not_linked'] } 17001 .. 17004),
      ['17005', 'rejected', 'unknown_code'])
--- events eval
[(map { ::intent_rejected($_, 'not_linked') } 17001 .. 17004),
 ::confirm_rejected('17005', '#Confirm7KQ2XD', 'unknown_code')]



=== TEST 18: other event types contribute no result entry, whatever their payload
like.create, post.delete and follow.create, an unknown type, a type of
another case, an event_type that is a number, null, an array, or missing:
each carries a post with the offer hashtag; only the post.create in the
middle acts.
--- delivery eval
my @p = map { ::p2(id => "1800$_", tags => ['BuyGiftCard25']) } 1 .. 9;
::xaa(::xe('like.create', { liked_tweet_id => '18000', user_id => $::ALICE }),
      ::xe('post.delete', $p[0]), ::xe('follow.create', $p[1]),
      ::xe('post.created', $p[2]), ::xe('POST.CREATE', $p[3]),
      ::xp(id => '18010', tags => ['BuyGiftCard25']),
      ::xe(5, $p[4]), ::xe($::NULL, $p[5]), ::xe(['post.create'], $p[6]),
      ::xe('post.create', $p[7], set => { event_type => undef }),
      ::xe('profile.update', $p[8]))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['18010', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('18010', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:18010']]



=== TEST 19: the events of an array are processed in order, results in that order
Ids out of numeric order, other event kinds in between.
--- delivery eval
::xaa(::xp(id => '19003', tags => ['BuyGiftCard25']),
      ::xe('like.create', { liked_tweet_id => '1', user_id => $::ALICE }),
      ::xp(id => '19001', tags => ['Other']),
      ::xp(id => '19004', tags => ['Nothing']),
      ::xp(id => '19002', tags => ['Confirm7KQ2XD']))
--- redis_init eval
$::GIFT . "HSET hashpay:offer:other tag Other\n"
--- response_body eval
::res(['19003', 'rejected', 'not_linked'], ['19001', 'rejected', 'not_linked'],
      ['19004', 'ignored', 'no_offer'], ['19002', 'rejected', 'unknown_code'])
--- events eval
[::intent_rejected('19003', 'not_linked'),
 ::intent_rejected('19001', 'not_linked', offer => 'Other'),
 ::confirm_rejected('19002', '#Confirm7KQ2XD', 'unknown_code')]



=== TEST 20: a revoke before a confirmation in the same array: the confirmation is not_linked
The revoke produces no result entry; it cancels the pending purchase
first, then the confirmation finds no link.
--- delivery eval
::xaa(::xrevoke($::ALICE, '2026-12-01T10:40:12+00:00'),
      ::xp(id => '20001', tags => ['Confirm7KQ2XD']))
--- redis_init eval
$::PENDING
--- response_body eval
::res(['20001', 'rejected', 'not_linked'])
--- events eval
[['link.revoked', { user_id => $::ALICE }],
 ::cancelled('pur_1'),
 ::confirm_rejected('20001', '#Confirm7KQ2XD', 'not_linked')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '0']]



=== TEST 21: a confirmation before a revoke in the same array: confirmed, then unlinked
The confirmed purchase is not cancelled.
--- delivery eval
::xaa(::xp(id => '21001', tags => ['Confirm7KQ2XD']),
      ::xrevoke($::ALICE, '2026-12-01T10:40:12+00:00'))
--- redis_init eval
$::PENDING
--- response_body eval
::res(['21001', 'confirmed'])
--- events eval
[::confirmed('9001', '21001'), ['link.revoked', { user_id => $::ALICE }]]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirm_tweet_id'],
  "confirmed\n21001"],
 [['EXISTS', "hashpay:link:$::ALICE"], '0']]



=== TEST 22: {"data":[]}, an event without a type, an empty event: {"results":[]}, nothing written
--- delivery eval
['{"data":[]}', '{"data":{}}', '{"data":[{}]}',
 '{"data":{"payload":' . ::js(::p2(id => '22001', tags => ['BuyGiftCard25'])) . '}}']
--- redis_init eval
$::GIFT
--- error_code eval
[(200) x 4]
--- response_body eval
[('{"results":[]}') x 4]
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 23: edit_history_post_ids is read like edit_history_tweet_ids
An edit naming its root in edit_history_post_ids, and one whose
edit_history_tweet_ids is null, answer duplicate: one event, one record
under the root.
--- delivery eval
::xaa(::xp(id => '23001', tags => ['BuyGiftCard25']),
      ::xp(id => '23002', tags => ['BuyGiftCard25'], history => undef,
           set => { edit_history_post_ids => ['23001', '23002'] }),
      ::xp(id => '23003', tags => ['BuyGiftCard25'], history => $::NULL,
           set => { edit_history_post_ids => ['23001', '23003'] }))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['23001', 'rejected', 'not_linked'], ['23002', 'duplicate'],
      ['23003', 'duplicate'])
--- events eval
[::intent_rejected('23001', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:23001']]



=== TEST 24: the same post twice in one array and again in another delivery: duplicate
One effect, one event.
--- delivery eval
[::xaa(::good('24001'), ::good('24001')), ::xaa1(::good('24001'))]
--- redis_init eval
$::GIFT
--- response_body eval
[::res(['24001', 'rejected', 'not_linked'], ['24001', 'duplicate']),
 ::res(['24001', 'duplicate'])]
--- events eval
[::intent_rejected('24001', 'not_linked')]



=== TEST 25: the same post as post.create, post.mention.create, and for another user: one effect
X delivers a post once per subscribed user it involves (filter.user_id)
and per event type; idempotency is per post id.
--- delivery eval
[::xaa(::xp(id => '25001', tags => ['BuyGiftCard25'], type => 'post.create'),
       ::xp(id => '25001', tags => ['BuyGiftCard25'], type => 'post.mention.create')),
 ::xaa1(::xp(id => '25001', tags => ['BuyGiftCard25'], type => 'post.reply.create',
             ev => { filter => { user_id => $::BOB } }))]
--- redis_init eval
$::GIFT
--- response_body eval
[::res(['25001', 'rejected', 'not_linked'], ['25001', 'duplicate']),
 ::res(['25001', 'duplicate'])]
--- events eval
[::intent_rejected('25001', 'not_linked')]



=== TEST 26: the same post by Account Activity then X Activity API, and the other way: one effect each
A v1.1 edit whose edit_history.initial_tweet_id is a v2 post that acted is
a duplicate too.
--- delivery eval
[::dl(::tw(id => '26001', tags => ['BuyGiftCard25'])),
 ::xaa1(::good('26001')),
 ::xaa1(::good('26002')),
 ::dl(::tw(id => '26002', tags => ['BuyGiftCard25'])),
 ::dl(::tw(id => '26003', tags => ['BuyGiftCard25'],
           set => { edit_history => { initial_tweet_id => '26002',
                                      edit_tweet_ids => ['26002', '26003'] } }))]
--- redis_init eval
$::GIFT
--- response_body eval
[::res(['26001', 'rejected', 'not_linked']), ::res(['26001', 'duplicate']),
 ::res(['26002', 'rejected', 'not_linked']), ::res(['26002', 'duplicate']),
 ::res(['26003', 'duplicate'])]
--- events eval
[::intent_rejected('26001', 'not_linked'), ::intent_rejected('26002', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], qr/\A(hashpay:tweet:2600[12]\n?){2}\z/]]



=== TEST 27: example xaa_post_edit.json after the original acted: duplicate, no second effect
The purchase keeps the original's tweet_id; nothing is recorded under the
edit's id.
--- delivery eval
['@xaa_post_offer.json', '@xaa_post_edit.json']
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
[::res(['2000000000000000101', 'intent_created']),
 ::res(['2000000000000000160', 'duplicate'])]
--- events eval
[::intent_created('2000000000000000101', purchase_id => 'pur_1')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'tweet_id'], '2000000000000000101'],
 [['KEYS', 'hashpay:purchase:*'], 'hashpay:purchase:pur_1'],
 [['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:2000000000000000101']]



=== TEST 28: an edit of a post that was ignored acts, with the edit's id
The original names no offer yet (ignored/no_offer, not recorded); the
offer is created; the edit acts: the result, the event and the purchase
carry the edit's id, the record is under the original's; the original
delivered again is a duplicate.
--- delivery eval
['@xaa_post_offer.json', '@xaa_post_edit.json', '@xaa_post_offer.json']
--- redis_init eval
::linked($::ALICE)
--- after_each eval
[sub { ::seed(::offer('BuyGiftCard25')) }]
--- response_body eval
[::res(['2000000000000000101', 'ignored', 'no_offer']),
 ::res(['2000000000000000160', 'intent_created']),
 ::res(['2000000000000000101', 'duplicate'])]
--- events eval
[::intent_created('2000000000000000160', purchase_id => 'pur_1')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'tweet_id'], '2000000000000000160'],
 [['GET', 'hashpay:tweet:2000000000000000101'], 'intent_created:'],
 [['EXISTS', 'hashpay:tweet:2000000000000000160'], '0']]



=== TEST 29: an edit delivered before its original: the edit acts, the original and a later edit are duplicates
--- delivery eval
['@xaa_post_edit.json', '@xaa_post_offer.json',
 ::xaa1(::xp(id => '2000000000000000169', tags => ['BuyGiftCard25'],
             history => ['2000000000000000101', '2000000000000000160',
                         '2000000000000000169']))]
--- redis_init eval
::offer('BuyGiftCard25') . ::linked($::ALICE)
--- response_body eval
[::res(['2000000000000000160', 'intent_created']),
 ::res(['2000000000000000101', 'duplicate']),
 ::res(['2000000000000000169', 'duplicate'])]
--- events eval
[::intent_created('2000000000000000160', purchase_id => 'pur_1')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'tweet_id'], '2000000000000000160'],
 [['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:2000000000000000101']]



=== TEST 30: account age from includes.users created_at, at the post's created_at
Aged needs 30 days, Any none. Posted two minutes before now ($S): an
account of 30 days less 1 ms is too new, one of exactly 30 days acts (also
written with other zones); no entry for the author, no includes, a
created_at unparseable, a number, or absent fail closed for Aged and are
no reason for Any; a wrapped entry's created_at is read.
--- delivery eval
my $month = $::S - 30 * 86400;
my $at = ::at_zone($::S, 'Z', '.000');
my $young = ::at_zone($month, 'Z', '.001');
my $aged = sub {
    my ($id, $user, $created, %o) = @_;
    ::xp(id => $id, author => $user, tags => [$o{tag} // 'Aged'],
         at => $o{at} // $at,
         includes => $o{includes}
                     // { users => [::u2($user, created => $created)] });
};
::xaa($aged->('30001', $::ALICE, $young),
      $aged->('30002', $::ALICE, undef, includes => { users => [::u2($::BOB)] }),
      $aged->('30003', $::ALICE, undef, includes => {}),
      $aged->('30004', $::ALICE, 'yesterday'),
      $aged->('30005', $::ALICE, 1179900073000),
      $aged->('30006', $::ALICE, undef),
      $aged->('30007', $::ALICE, undef, tag => 'Any', includes => { users => [] }),
      $aged->('30008', $::BOB, 'yesterday', tag => 'Any'),
      $aged->('30009', $::ALICE, ::at_zone($month, 'Z', '.000')),
      $aged->('30010', $::CAROL, $young, at => ::at_zone($::S, '-01:00')),
      $aged->('30011', $::CAROL, ::at_zone($month, '+0100'),
              at => lc ::at_zone($::S, 'Z')),
      $aged->('30012', $::BOB, undef,
              includes => { users => [ { data => ::u2($::BOB, created => $young) } ] }),
      $aged->('30013', $::BOB, undef,
              includes => { users => [ { data => ::u2($::BOB) } ] }))
--- redis_init eval
::offer('Aged', min_account_age_days => 30) . ::offer('Any')
. ::linked($::ALICE) . ::linked($::BOB) . ::linked($::CAROL)
--- response_body eval
::res((map { [$_, 'rejected', 'account_too_new'] } 30001 .. 30006),
      ['30007', 'intent_created'], ['30008', 'intent_created'],
      ['30009', 'intent_created'], ['30010', 'rejected', 'account_too_new'],
      ['30011', 'intent_created'], ['30012', 'rejected', 'account_too_new'],
      ['30013', 'intent_created'])
--- events eval
[::intent_rejected('30001', 'account_too_new', offer => 'Aged'),
 ::with(::intent_rejected('30002', 'account_too_new', offer => 'Aged'), screen_name => ''),
 ::with(::intent_rejected('30003', 'account_too_new', offer => 'Aged'), screen_name => ''),
 ::intent_rejected('30004', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('30005', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('30006', 'account_too_new', offer => 'Aged'),
 ::with(::intent_created('30007', offer => 'Any', purchase_id => 'pur_1'), screen_name => ''),
 ::intent_created('30008', offer => 'Any', user => $::BOB, purchase_id => 'pur_2'),
 ::intent_created('30009', offer => 'Aged', purchase_id => 'pur_3'),
 ::intent_rejected('30010', 'account_too_new', offer => 'Aged', user => $::CAROL),
 ::intent_created('30011', offer => 'Aged', user => $::CAROL, purchase_id => 'pur_4'),
 ::intent_rejected('30012', 'account_too_new', offer => 'Aged', user => $::BOB),
 ::intent_created('30013', offer => 'Aged', user => $::BOB, purchase_id => 'pur_5')]



=== TEST 31: a post without created_at (absent or null) is judged on Redis's clock
An account created a day before now is too new for 30 days, one of 2007
is not.
--- delivery eval
my $yesterday = ::iso(time() * 1000 - 86400000);
::xaa(::xp(id => '31001', tags => ['Aged'], at => undef,
           includes => { users => [::u2($::ALICE, created => $yesterday)] }),
      ::xp(id => '31002', tags => ['Aged'], at => $::NULL,
           includes => { users => [::u2($::ALICE, created => $yesterday)] }),
      ::xp(id => '31003', tags => ['Aged'], at => undef))
--- redis_init eval
::offer('Aged', min_account_age_days => 30) . ::linked($::ALICE)
--- response_body eval
::res(['31001', 'rejected', 'account_too_new'], ['31002', 'rejected', 'account_too_new'],
      ['31003', 'intent_created'])
--- events eval
[::intent_rejected('31001', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('31002', 'account_too_new', offer => 'Aged'),
 ::intent_created('31003', offer => 'Aged')]



=== TEST 32: screen_name is the author's username in includes.users, "" without one
Alice's username as written; bob has no entry; carol's entry has no
username; for another author, non-object entries are skipped, entries of
other ids passed over and the first entry of the author's id used; a
wrapped {"data":{...}} entry is read.
--- delivery eval
my $dave = '1297234567890123460';
my $erin = '1297234567890123461';
::xaa(::xp(id => '32001', tags => ['Gift'],
           includes => { users => [::u2($::ALICE, username => 'Alice_X')] }),
      ::xp(id => '32002', author => $::BOB, tags => ['Gift'],
           includes => { users => [::u2($::ALICE)] }),
      ::xp(id => '32003', author => $::CAROL, tags => ['Gift'],
           includes => { users => [::u2($::CAROL, username => undef)] }),
      ::xp(id => '32004', author => $dave, tags => ['Gift'],
           includes => { users => [1, 'x', $::NULL, [], ::u2($::ALICE),
                                   ::u2($dave, username => 'dave'),
                                   ::u2($dave, username => 'second')] }),
      ::xp(id => '32005', author => $erin, tags => ['Gift'],
           includes => { users => [ { data => ::u2($::ALICE) },
                                    { data => ::u2($erin, username => 'erin_w') } ] }))
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . ::linked($::BOB) . ::linked($::CAROL)
--- response_body eval
::res(['32001', 'intent_created'], ['32002', 'intent_created'],
      ['32003', 'intent_created'], ['32004', 'rejected', 'not_linked'],
      ['32005', 'rejected', 'not_linked'])
--- events eval
[::with(::intent_created('32001', offer => 'Gift', purchase_id => 'pur_1'), screen_name => 'Alice_X'),
 ::with(::intent_created('32002', offer => 'Gift', user => $::BOB, purchase_id => 'pur_2'), screen_name => ''),
 ::with(::intent_created('32003', offer => 'Gift', user => $::CAROL, purchase_id => 'pur_3'), screen_name => ''),
 ::with(::intent_rejected('32004', 'not_linked', offer => 'Gift',
                         user => '1297234567890123460'), screen_name => 'dave'),
 ::with(::intent_rejected('32005', 'not_linked', offer => 'Gift',
                         user => '1297234567890123461'), screen_name => 'erin_w')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'screen_name'], 'Alice_X'],
 [['HGET', 'hashpay:purchase:pur_2', 'screen_name'], ''],
 [['HGET', 'hashpay:purchase:pur_3', 'screen_name'], '']]



=== TEST 33: hashtags match offers case-insensitively
--- delivery eval
::xaa(::xp(id => '33001', tags => ['BUYGIFTCARD25']),
      ::xp(id => '33002', tags => ['buygiftcard25']),
      ::xp(id => '33003', tags => ['bUyGiFtCaRd25']))
--- redis_init eval
$::GIFT
--- response_body eval
::res(map { [$_, 'rejected', 'not_linked'] } 33001 .. 33003)
--- events eval
[map { ::intent_rejected($_, 'not_linked') } 33001 .. 33003]



=== TEST 34: only ASCII letters are folded
#BUYGİFTCARD25 (U+0130) is not #buygiftcard25; #CAFé matches the offer
café, #CAFÉ does not.
--- delivery eval
::xaa(::xp(id => '34001', tags => ["BUYG\x{130}FTCARD25"]),
      ::xp(id => '34002', tags => ["CAF\x{e9}"]),
      ::xp(id => '34003', tags => ["CAF\x{c9}"]))
--- redis_init
HSET hashpay:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:offer:café tag Café
--- response_body eval
::res(['34001', 'ignored', 'no_offer'], ['34002', 'rejected', 'not_linked'],
      ['34003', 'ignored', 'no_offer'])
--- events eval
[::intent_rejected('34002', 'not_linked', offer => 'Café')]



=== TEST 35: the first offer hashtag in the post's order wins
Non-offer hashtags before it are passed over; one action per post.
--- delivery eval
::xaa(::xp(id => '35001', tags => ['hello', 'Beta', 'Alpha']),
      ::xp(id => '35002', tags => ['Alpha', 'Beta']))
--- redis_init
HSET hashpay:offer:alpha tag Alpha
HSET hashpay:offer:beta tag Beta
--- response_body eval
::res(['35001', 'rejected', 'not_linked'], ['35002', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('35001', 'not_linked', offer => 'Beta'),
 ::intent_rejected('35002', 'not_linked', offer => 'Alpha')]



=== TEST 36: a confirmation hashtag wins over an offer hashtag before it
In the entities and in a note_tweet alike.
--- delivery eval
::xaa(::xp(id => '36001', tags => ['BuyGiftCard25', 'Confirm7KQ2XD']),
      ::xp(id => '36002', set => { note_tweet => { text => 'x', entities => {
             hashtags => [ { tag => 'BuyGiftCard25' }, { tag => 'confirm3pq4rs' } ] } } }))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['36001', 'rejected', 'unknown_code'], ['36002', 'rejected', 'unknown_code'])
--- events eval
[::confirm_rejected('36001', '#Confirm7KQ2XD', 'unknown_code'),
 ::confirm_rejected('36002', '#Confirm3PQ4RS', 'unknown_code')]



=== TEST 37: only the prefix + exactly 6 letters or digits is a confirmation hashtag
#Confirmed and 7 characters are ordinary hashtags (offers of those names
act as offers); any case of prefix and code confirms, written back as
#Confirm + the upper-cased code.
--- delivery eval
::xaa(::xp(id => '37001', tags => ['Confirmed']),
      ::xp(id => '37002', tags => ['Confirm7KQ2XDA']),
      ::xp(id => '37003', tags => ['Confirm7KQ2X']),
      ::xp(id => '37004', tags => ['CONFIRMab12cd']))
--- redis_init
HSET hashpay:offer:confirmed tag Confirmed
HSET hashpay:offer:confirm7kq2xda tag Confirm7KQ2XDA
--- response_body eval
::res(['37001', 'rejected', 'not_linked'], ['37002', 'rejected', 'not_linked'],
      ['37003', 'ignored', 'no_offer'], ['37004', 'rejected', 'unknown_code'])
--- events eval
[::intent_rejected('37001', 'not_linked', offer => 'Confirmed'),
 ::intent_rejected('37002', 'not_linked', offer => 'Confirm7KQ2XDA'),
 ::confirm_rejected('37004', '#ConfirmAB12CD', 'unknown_code')]



=== TEST 38: hashpay_confirm_prefix decides what a confirmation hashtag is
With prefix "Pay", #Confirm7KQ2XD is an ordinary hashtag and #pay7kq2xd
confirms, in a post and in a repost of the operator's post.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_operator_accounts 15234567;
    hashpay_confirm_prefix Pay;
}
--- delivery eval
::xaa(::xp(id => '38001', tags => ['Confirm7KQ2XD']),
      ::xp(id => '38002', tags => ['pay7kq2xd']),
      ::repost('38003', '38010', includes => ::inc(::op_post('38010', 'Confirm7KQ2XD'))),
      ::repost('38004', '38010', includes => ::inc(::op_post('38010', 'Pay3PQ4RS'))))
--- redis_init
HSET hashpay:offer:confirm7kq2xd tag Confirm7KQ2XD
--- response_body eval
::res(['38001', 'rejected', 'not_linked'], ['38002', 'rejected', 'unknown_code'],
      ['38003', 'ignored', 'retweet'], ['38004', 'rejected', 'unknown_code'])
--- events eval
[::intent_rejected('38001', 'not_linked', offer => 'Confirm7KQ2XD'),
 ::confirm_rejected('38002', '#Pay7KQ2XD', 'unknown_code'),
 ::confirm_rejected('38004', '#Pay3PQ4RS', 'unknown_code')]



=== TEST 39: all of 200 hashtags are considered
Only the 200th names an offer; in the second post the confirmation
hashtag is the 200th, after an offer hashtag; the third has them in its
note_tweet.
--- delivery eval
my @fill = map { "tag$_" } 1 .. 198;
::xaa(::xp(id => '39001', tags => [@fill, 'tag199', 'BuyGiftCard25']),
      ::xp(id => '39002', tags => ['BuyGiftCard25', @fill, 'Confirm7KQ2XD']),
      ::xp(id => '39003', set => { note_tweet => { text => 'x', entities => {
             hashtags => [ map { { tag => $_ } } @fill, 'tag199', 'BuyGiftCard25' ] } } }))
--- redis_init eval
$::GIFT
--- response_body eval
::res(['39001', 'rejected', 'not_linked'], ['39002', 'rejected', 'unknown_code'],
      ['39003', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('39001', 'not_linked'),
 ::confirm_rejected('39002', '#Confirm7KQ2XD', 'unknown_code'),
 ::intent_rejected('39003', 'not_linked')]



=== TEST 40: posts without hashtags: ignored/no_hashtag, not recorded
An empty list, no entities, entities without hashtags (only mentions),
only an empty tag.
--- delivery eval
::xaa(::xp(id => '40001', tags => []),
      ::xp(id => '40002', set => { entities => undef }),
      ::xp(id => '40003', set => { entities => { mentions => [
             { id => $::OPERATOR, username => 'HashpaySync', start => 0, end => 12 } ] } }),
      ::xp(id => '40004', tags => ['']))
--- redis_init eval
$::GIFT
--- response_body eval
::res(map { [$_, 'ignored', 'no_hashtag'] } 40001 .. 40004)
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 41: a post acts for its author only, not for the user it mentions or replies to
Bob's post arrives for alice (filter.user_id, mention, reply); alice is
linked, bob is not: the rejection is bob's.
--- delivery eval
::xaa1(::xp(id => '41001', author => $::BOB, type => 'post.mention.create',
            tags => ['BuyGiftCard25'], mentions => [$::ALICE],
            set => { in_reply_to_user_id => $::ALICE }))
--- redis_init eval
$::GIFT . ::linked($::ALICE)
--- response_body eval
::res(['41001', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('41001', 'not_linked', user => $::BOB)]



=== TEST 42: created_at in every accepted ISO 8601 form, absent, or null: all act
Z or z, a fraction of 1 to 9 digits or none, +HH:MM, -HH:MM, +HHMM,
-HHMM, 't'.
--- delivery eval
my @at = (::at_zone($::S, 'Z'), ::at_zone($::S, 'Z', '.5'),
          ::at_zone($::S, 'Z', '.123456789'), ::at_zone($::S, 'z', '.000'),
          ::at_zone($::S, '+02:00'), ::at_zone($::S, '-02:30'),
          ::at_zone($::S, '+0200'), ::at_zone($::S, '-0230'),
          ::at_zone($::S, 'Z') =~ s/T/t/r, undef, $::NULL);
::xaa(map { ::xp(id => 42001 + $_, tags => ['BuyGiftCard25'], at => $at[$_]) } 0 .. $#at)
--- redis_init eval
$::GIFT
--- response_body eval
::res(map { [$_, 'rejected', 'not_linked'] } 42001 .. 42011)
--- events eval
[map { ::intent_rejected($_, 'not_linked') } 42001 .. 42011]



=== TEST 43: unknown fields, of any type, and integers beyond 64 bits in them are never an error
At the top level, in the event, in the payload, in includes and in a
user entry; the post acts.
--- delivery eval
my $ev = ::xp(id => '43001', tags => ['BuyGiftCard25'],
              set => { geo => $::NULL, withheld => { copyright => \1 },
                       attachments => [1, 'x', {}], view_count => 'BIGPOS' },
              ev => { extra => [ { a => 1 } ], seq => 'BIGNEG' });
$ev->{includes}{media} = 5;
$ev->{includes}{places} = 'x';
$ev->{includes}{users}[0]{public_metrics} = { followers_count => 'BIGPOS' };
my $body = '{"meta":{"sent":"now","n":1.5e300},"data":[' . ::js($ev) . ']}';
$body =~ s/"BIGPOS"/184467440737095516160/g;
$body =~ s/"BIGNEG"/-184467440737095516160/g;
$body
--- redis_init eval
$::GIFT
--- error_code: 200
--- response_body eval
::res(['43001', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('43001', 'not_linked')]
--- no_error_log
ignored: malformed



=== TEST 44: a body with data and tweet_create_events is an X Activity API body
Told apart by the top-level keys: data is read, the Account Activity
tweets beside it are not.
--- delivery eval
my $aaa = ::dl(::tw(id => '44002', tags => ['BuyGiftCard25']));
$aaa =~ s/^\{/'{"data":' . ::js(::good('44001')) . ','/e;
$aaa
--- redis_init eval
$::GIFT
--- response_body eval
::res(['44001', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('44001', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:44001']]



=== TEST 45: a redelivered failed confirmation is not counted twice
--- delivery eval
['@xaa_post_confirm_reply.json', '@xaa_post_confirm_reply.json']
--- response_body eval
[::res(['2000000000000000130', 'rejected', 'unknown_code']),
 ::res(['2000000000000000130', 'duplicate'])]
--- events eval
[::confirm_rejected('2000000000000000130', '#Confirm7KQ2XD', 'unknown_code')]
--- redis_after eval
[[['GET', "hashpay:attempts:$::ALICE"], '1']]



=== TEST 46: data neither an object nor an array: 400, nothing written
A string, a number, null, true.
--- delivery eval
['{"data":"post.create"}', '{"data":42}', '{"data":null}', '{"data":true}']
--- redis_init eval
$::GIFT
--- error_code eval
[(400) x 4]
--- response_body eval
[('{"error":"malformed_json"}') x 4]
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 47: an array of events with one non-object: 400, nothing of the body acts
A good post first, then a number, a string, null, an array; an array of
one number.
--- delivery eval
[map({ ::xaa(::good('47001'), $_) } '1', '"post.create"', 'null', '[]'), '{"data":[5]}']
--- redis_init eval
$::GIFT
--- error_code eval
[(400) x 5]
--- response_body eval
[('{"error":"malformed_json"}') x 5]
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 48: a body that is not a JSON object: 400, nothing written
An array wrapping a good X Activity API body, a string, a number.
--- delivery eval
['[' . ::xaa1(::good('48001')) . ']', '[' . ::js(::xp(id => '48002', tags => ['BuyGiftCard25'])) . ']',
 '"data"', '1']
--- redis_init eval
$::GIFT
--- error_code eval
[(400) x 4]
--- response_body eval
[('{"error":"malformed_json"}') x 4]
--- redis_after eval
[[['DBSIZE'], '1'], [['EXISTS', 'hashpay:events'], '0']]



=== TEST 49: malformed "payload": not an object, or missing; tweet_id null, the others act
--- delivery eval
::xaa(::xe('post.create', 'a post'), ::xe('post.mention.create', [::p2(id => '49001')]),
      ::xe('post.create', $::NULL),
      ::xe('post.create', ::p2(id => '49002'), set => { payload => undef }),
      ::good('49999'))
--- redis_init eval
$::GIFT
--- error_code: 200
--- response_body eval
::res((map { [undef, 'ignored', 'malformed'] } 1 .. 4), ['49999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('49999', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:49999']]
--- error_log
tweet #0 "" ignored: malformed "payload"
tweet #1 "" ignored: malformed "payload"
tweet #2 "" ignored: malformed "payload"
tweet #3 "" ignored: malformed "payload"



=== TEST 50: malformed "id": a number, not digits, empty, 21 digits, missing; 20 digits act
The good post's id is 2^64 (20 digits): ids are strings, never numbers.
--- delivery eval
::xaa(::xp(id => '50001', tags => ['BuyGiftCard25'], set => { id => 50001 }),
      ::xp(id => '50o02', tags => ['BuyGiftCard25']),
      ::xp(id => '', tags => ['BuyGiftCard25']),
      ::xp(id => '123456789012345678901', tags => ['BuyGiftCard25']),
      ::xp(id => '50005', tags => ['BuyGiftCard25'], set => { id => undef }),
      ::good('18446744073709551616'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [undef, 'ignored', 'malformed'] } 1 .. 5),
      ['18446744073709551616', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('18446744073709551616', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:18446744073709551616']]
--- error_log
tweet #0 "" ignored: malformed "id"
tweet #1 "" ignored: malformed "id"
tweet #2 "" ignored: malformed "id"
tweet #3 "" ignored: malformed "id"
tweet #4 "" ignored: malformed "id"



=== TEST 51: malformed "author_id": a number, not digits, missing
--- delivery eval
::xaa(::xp(id => '51001', tags => ['BuyGiftCard25'], set => { author_id => 1297234567890123457 }),
      ::xp(id => '51002', tags => ['BuyGiftCard25'], author => 'alice'),
      ::xp(id => '51003', tags => ['BuyGiftCard25'], set => { author_id => undef }),
      ::good('51999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 51001 .. 51003), ['51999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('51999', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:51999']]
--- error_log
tweet #0 "51001" ignored: malformed "author_id"
tweet #1 "51002" ignored: malformed "author_id"
tweet #2 "51003" ignored: malformed "author_id"



=== TEST 52: malformed "created_at": unparseable strings
A v1.1 date, a space for 'T', no zone, 10 fraction digits, month 13,
words.
--- delivery eval
my @bad = ('Mon Feb 11 17:02:03 +0000 2013', '2026-12-01 10:00:00Z',
           '2026-12-01T10:00:00', '2026-12-01T10:00:00.0000000000Z',
           '2026-13-01T10:00:00Z', 'yesterday');
::xaa((map { ::xp(id => 52001 + $_, tags => ['BuyGiftCard25'], at => $bad[$_]) } 0 .. $#bad),
      ::good('52999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 52001 .. 52006), ['52999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('52999', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], 'hashpay:tweet:52999']]
--- error_log
tweet #0 "52001" ignored: malformed "created_at"
tweet #1 "52002" ignored: malformed "created_at"
tweet #2 "52003" ignored: malformed "created_at"
tweet #3 "52004" ignored: malformed "created_at"
tweet #4 "52005" ignored: malformed "created_at"
tweet #5 "52006" ignored: malformed "created_at"



=== TEST 53: malformed "created_at": not a string
Unix ms as a number, true, an object, an array.
--- delivery eval
my @bad = (1796112000000, \1, {}, ['2026-12-01T10:00:00Z']);
::xaa((map { ::xp(id => 53001 + $_, tags => ['BuyGiftCard25'], at => $bad[$_]) } 0 .. $#bad),
      ::good('53999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 53001 .. 53004), ['53999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('53999', 'not_linked')]
--- error_log
tweet #0 "53001" ignored: malformed "created_at"
tweet #1 "53002" ignored: malformed "created_at"
tweet #2 "53003" ignored: malformed "created_at"
tweet #3 "53004" ignored: malformed "created_at"



=== TEST 54: malformed "edit_history_tweet_ids" / "edit_history_post_ids": not an array
An empty history is no error: the post is its own root.
--- delivery eval
::xaa(::xp(id => '54001', tags => ['BuyGiftCard25'], history => '54001'),
      ::xp(id => '54002', tags => ['BuyGiftCard25'], history => { 0 => '54002' }),
      ::xp(id => '54003', tags => ['BuyGiftCard25'], history => undef,
           set => { edit_history_post_ids => '54003' }),
      ::xp(id => '54004', tags => ['BuyGiftCard25'], history => []),
      ::good('54999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 54001 .. 54003),
      ['54004', 'rejected', 'not_linked'], ['54999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('54004', 'not_linked'), ::intent_rejected('54999', 'not_linked')]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], qr/\A(hashpay:tweet:54(004|999)\n?){2}\z/]]
--- error_log
tweet #0 "54001" ignored: malformed "edit_history_tweet_ids"
tweet #1 "54002" ignored: malformed "edit_history_tweet_ids"
tweet #2 "54003" ignored: malformed "edit_history_post_ids"



=== TEST 55: malformed "edit_history_tweet_ids[]" / "edit_history_post_ids[]": first element not an id
A number, not digits, null, an object.
--- delivery eval
::xaa(::xp(id => '55001', tags => ['BuyGiftCard25'], history => [55000, '55001']),
      ::xp(id => '55002', tags => ['BuyGiftCard25'], history => ['55x00', '55002']),
      ::xp(id => '55003', tags => ['BuyGiftCard25'], history => [$::NULL]),
      ::xp(id => '55004', tags => ['BuyGiftCard25'], history => undef,
           set => { edit_history_post_ids => [ { id => '55000' } ] }),
      ::good('55999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 55001 .. 55004), ['55999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('55999', 'not_linked')]
--- error_log
tweet #0 "55001" ignored: malformed "edit_history_tweet_ids[]"
tweet #1 "55002" ignored: malformed "edit_history_tweet_ids[]"
tweet #2 "55003" ignored: malformed "edit_history_tweet_ids[]"
tweet #3 "55004" ignored: malformed "edit_history_post_ids[]"



=== TEST 56: malformed "includes": not an object; includes null is no error
--- delivery eval
::xaa(::xp(id => '56001', tags => ['BuyGiftCard25'], includes => 'alice'),
      ::xp(id => '56002', tags => ['BuyGiftCard25'], includes => [ { users => [] } ]),
      ::xp(id => '56003', tags => ['BuyGiftCard25'], includes => 5),
      ::xp(id => '56004', tags => ['BuyGiftCard25'], includes => $::NULL),
      ::good('56999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 56001 .. 56003),
      ['56004', 'rejected', 'not_linked'], ['56999', 'rejected', 'not_linked'])
--- events eval
[::with(::intent_rejected('56004', 'not_linked'), screen_name => ''),
 ::intent_rejected('56999', 'not_linked')]
--- error_log
tweet #0 "56001" ignored: malformed "includes"
tweet #1 "56002" ignored: malformed "includes"
tweet #2 "56003" ignored: malformed "includes"



=== TEST 57: malformed "includes.users": not an array; null is no error
--- delivery eval
::xaa(::xp(id => '57001', tags => ['BuyGiftCard25'],
           includes => { users => { $::ALICE => ::u2($::ALICE) } }),
      ::xp(id => '57002', tags => ['BuyGiftCard25'], includes => { users => 'alice' }),
      ::xp(id => '57003', tags => ['BuyGiftCard25'], includes => { users => $::NULL }),
      ::good('57999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 57001 .. 57002),
      ['57003', 'rejected', 'not_linked'], ['57999', 'rejected', 'not_linked'])
--- events eval
[::with(::intent_rejected('57003', 'not_linked'), screen_name => ''),
 ::intent_rejected('57999', 'not_linked')]
--- error_log
tweet #0 "57001" ignored: malformed "includes.users"
tweet #1 "57002" ignored: malformed "includes.users"



=== TEST 58: malformed "includes.users[].username": the author's username not a string
Another user's bad username is not read.
--- delivery eval
::xaa(::xp(id => '58001', tags => ['BuyGiftCard25'],
           includes => { users => [::u2($::ALICE, username => 5)] }),
      ::xp(id => '58002', tags => ['BuyGiftCard25'],
           includes => { users => [ { data => ::u2($::ALICE, username => ['alice']) } ] }),
      ::xp(id => '58003', tags => ['BuyGiftCard25'],
           includes => { users => [::u2($::BOB, username => 5), ::u2($::ALICE)] }),
      ::good('58999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 58001 .. 58002),
      ['58003', 'rejected', 'not_linked'], ['58999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('58003', 'not_linked'), ::intent_rejected('58999', 'not_linked')]
--- error_log
tweet #0 "58001" ignored: malformed "includes.users[].username"
tweet #1 "58002" ignored: malformed "includes.users[].username"



=== TEST 59: malformed "referenced_tweets" / "referenced_posts": not an array
An empty list is no error.
--- delivery eval
::xaa(::xp(id => '59001', tags => ['BuyGiftCard25'],
           set => { referenced_tweets => { type => 'retweeted', id => '59000' } }),
      ::xp(id => '59002', tags => ['BuyGiftCard25'], set => { referenced_tweets => 'retweeted' }),
      ::xp(id => '59003', tags => ['BuyGiftCard25'], set => { referenced_posts => 5 }),
      ::xp(id => '59004', tags => ['BuyGiftCard25'], set => { referenced_tweets => [] }),
      ::good('59999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 59001 .. 59003),
      ['59004', 'rejected', 'not_linked'], ['59999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('59004', 'not_linked'), ::intent_rejected('59999', 'not_linked')]
--- error_log
tweet #0 "59001" ignored: malformed "referenced_tweets"
tweet #1 "59002" ignored: malformed "referenced_tweets"
tweet #2 "59003" ignored: malformed "referenced_posts"



=== TEST 60: malformed "referenced_tweets[]": an entry not an object
After a good entry too; in referenced_posts, named so.
--- delivery eval
::xaa(::xp(id => '60001', tags => ['BuyGiftCard25'], set => { referenced_tweets => ['60000'] }),
      ::xp(id => '60002', tags => ['BuyGiftCard25'],
           set => { referenced_tweets => [ { type => 'quoted', id => '60000' }, $::NULL ] }),
      ::xp(id => '60003', tags => ['BuyGiftCard25'], set => { referenced_posts => [ [] ] }),
      ::good('60999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 60001 .. 60003), ['60999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('60999', 'not_linked')]
--- error_log
tweet #0 "60001" ignored: malformed "referenced_tweets[]"
tweet #1 "60002" ignored: malformed "referenced_tweets[]"
tweet #2 "60003" ignored: malformed "referenced_posts[]"



=== TEST 61: malformed "referenced_tweets[].type": not a string
--- delivery eval
::xaa(::xp(id => '61001', tags => ['BuyGiftCard25'],
           set => { referenced_tweets => [ { type => 5, id => '61000' } ] }),
      ::xp(id => '61002', tags => ['BuyGiftCard25'],
           set => { referenced_tweets => [ { id => '61000' } ] }),
      ::xp(id => '61003', tags => ['BuyGiftCard25'],
           set => { referenced_posts => [ { type => ['retweeted'], id => '61000' } ] }),
      ::good('61999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 61001 .. 61003), ['61999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('61999', 'not_linked')]
--- error_log
tweet #0 "61001" ignored: malformed "referenced_tweets[].type"
tweet #1 "61002" ignored: malformed "referenced_tweets[].type"
tweet #2 "61003" ignored: malformed "referenced_posts[].type"



=== TEST 62: malformed "referenced_tweets[].id": the retweeted reference's id not an id
A number, missing, not digits; referenced_posts named so.
--- delivery eval
::xaa(::repost('62001', '62000', tags => ['Confirm7KQ2XD'],
               set => { referenced_tweets => [ { type => 'retweeted', id => 62000 } ] }),
      ::repost('62002', '62000', tags => ['Confirm7KQ2XD'],
               set => { referenced_tweets => [ { type => 'retweeted' } ] }),
      ::repost('62003', '62000', tags => ['Confirm7KQ2XD'],
               set => { referenced_tweets => undef,
                        referenced_posts => [ { type => 'retweeted', id => 'x62000' } ] }),
      ::good('62999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 62001 .. 62003), ['62999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('62999', 'not_linked')]
--- error_log
tweet #0 "62001" ignored: malformed "referenced_tweets[].id"
tweet #1 "62002" ignored: malformed "referenced_tweets[].id"
tweet #2 "62003" ignored: malformed "referenced_posts[].id"



=== TEST 63: malformed "entities": not an object
--- delivery eval
::xaa(::xp(id => '63001', set => { entities => '#BuyGiftCard25' }),
      ::xp(id => '63002', set => { entities => [ { tag => 'BuyGiftCard25' } ] }),
      ::good('63999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 63001 .. 63002), ['63999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('63999', 'not_linked')]
--- error_log
tweet #0 "63001" ignored: malformed "entities"
tweet #1 "63002" ignored: malformed "entities"



=== TEST 64: malformed "entities.hashtags": not an array
--- delivery eval
::xaa(::xp(id => '64001', set => { entities => { hashtags => { tag => 'BuyGiftCard25' } } }),
      ::xp(id => '64002', set => { entities => { hashtags => 'BuyGiftCard25' } }),
      ::good('64999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 64001 .. 64002), ['64999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('64999', 'not_linked')]
--- error_log
tweet #0 "64001" ignored: malformed "entities.hashtags"
tweet #1 "64002" ignored: malformed "entities.hashtags"



=== TEST 65: malformed "entities.hashtags[]": an entry not an object
Also after a good offer hashtag: the whole post is malformed.
--- delivery eval
::xaa(::xp(id => '65001', set => { entities => { hashtags => ['BuyGiftCard25'] } }),
      ::xp(id => '65002', set => { entities => { hashtags => [ { tag => 'BuyGiftCard25' }, $::NULL ] } }),
      ::good('65999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 65001 .. 65002), ['65999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('65999', 'not_linked')]
--- error_log
tweet #0 "65001" ignored: malformed "entities.hashtags[]"
tweet #1 "65002" ignored: malformed "entities.hashtags[]"



=== TEST 66: malformed "entities.hashtags[].tag": not a string, or missing (v1.1's "text" instead)
--- delivery eval
::xaa(::xp(id => '66001', set => { entities => { hashtags => [ { tag => 25 } ] } }),
      ::xp(id => '66002', set => { entities => { hashtags => [ { text => 'BuyGiftCard25' } ] } }),
      ::xp(id => '66003', set => { entities => { hashtags => [ { tag => $::NULL } ] } }),
      ::good('66999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 66001 .. 66003), ['66999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('66999', 'not_linked')]
--- error_log
tweet #0 "66001" ignored: malformed "entities.hashtags[].tag"
tweet #1 "66002" ignored: malformed "entities.hashtags[].tag"
tweet #2 "66003" ignored: malformed "entities.hashtags[].tag"



=== TEST 67: malformed "note_tweet" / "note_post": not an object
--- delivery eval
::xaa(::xp(id => '67001', tags => ['BuyGiftCard25'], set => { note_tweet => 'long text' }),
      ::xp(id => '67002', tags => ['BuyGiftCard25'], set => { note_tweet => [] }),
      ::xp(id => '67003', tags => ['BuyGiftCard25'], set => { note_post => 5 }),
      ::good('67999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 67001 .. 67003), ['67999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('67999', 'not_linked')]
--- error_log
tweet #0 "67001" ignored: malformed "note_tweet"
tweet #1 "67002" ignored: malformed "note_tweet"
tweet #2 "67003" ignored: malformed "note_post"



=== TEST 68: malformed inside note_tweet: entities, entities.hashtags, [], [].tag
Each named under note_tweet (or note_post).
--- delivery eval
my $n = sub { { text => 'x', entities => $_[0] } };
::xaa(::xp(id => '68001', tags => ['BuyGiftCard25'], set => { note_tweet => $n->('x') }),
      ::xp(id => '68002', tags => ['BuyGiftCard25'], set => { note_tweet => $n->({ hashtags => {} }) }),
      ::xp(id => '68003', tags => ['BuyGiftCard25'], set => { note_tweet => $n->({ hashtags => ['BuyGiftCard25'] }) }),
      ::xp(id => '68004', tags => ['BuyGiftCard25'], set => { note_tweet => $n->({ hashtags => [ { tag => 25 } ] }) }),
      ::xp(id => '68005', tags => ['BuyGiftCard25'], set => { note_post => $n->({ hashtags => [ { text => 'BuyGiftCard25' } ] }) }),
      ::good('68999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 68001 .. 68005), ['68999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('68999', 'not_linked')]
--- error_log
tweet #0 "68001" ignored: malformed "note_tweet.entities"
tweet #1 "68002" ignored: malformed "note_tweet.entities.hashtags"
tweet #2 "68003" ignored: malformed "note_tweet.entities.hashtags[]"
tweet #3 "68004" ignored: malformed "note_tweet.entities.hashtags[].tag"
tweet #4 "68005" ignored: malformed "note_post.entities.hashtags[].tag"



=== TEST 69: malformed "includes.tweets" / "includes.posts" of a repost: not an array
--- delivery eval
::xaa(::repost('69001', '69000', tags => ['Confirm7KQ2XD'], mentions => [$::OPERATOR],
               includes => { users => [::u2($::ALICE)], tweets => { 69000 => ::op_post('69000', 'Confirm7KQ2XD') } }),
      ::repost('69002', '69000', tags => ['Confirm7KQ2XD'], mentions => [$::OPERATOR],
               includes => { users => [::u2($::ALICE)], posts => 'x' }),
      ::good('69999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 69001 .. 69002), ['69999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('69999', 'not_linked')]
--- redis_after eval
[[['EXISTS', "hashpay:attempts:$::ALICE"], '0']]
--- error_log
tweet #0 "69001" ignored: malformed "includes.tweets"
tweet #1 "69002" ignored: malformed "includes.posts"



=== TEST 70: malformed "includes.tweets[].author_id": the reposted post's author not an id
A number, missing; in includes.posts named so; the reposted post's
hashtags are named under includes.tweets[] too.
--- delivery eval
my $rp = sub { my ($id, %s) = @_; ::p2(id => '70000', author => $::OPERATOR, tags => ['Confirm7KQ2XD'], set => { %s }) };
::xaa(::repost('70001', '70000', includes => ::inc($rp->('70000', author_id => 15234567))),
      ::repost('70002', '70000', includes => ::inc($rp->('70000', author_id => undef))),
      ::repost('70003', '70000', includes => { users => [::u2($::ALICE)],
                                               posts => [$rp->('70000', author_id => 'HashpaySync')] }),
      ::repost('70004', '70000', includes => ::inc($rp->('70000',
                 entities => { hashtags => [ { tag => 7 } ] }))),
      ::repost('70005', '70000', includes => ::inc($rp->('70000', note_tweet => 'x'))),
      ::good('70999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 70001 .. 70005), ['70999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('70999', 'not_linked')]
--- redis_after eval
[[['EXISTS', "hashpay:attempts:$::ALICE"], '0']]
--- error_log
tweet #0 "70001" ignored: malformed "includes.tweets[].author_id"
tweet #1 "70002" ignored: malformed "includes.tweets[].author_id"
tweet #2 "70003" ignored: malformed "includes.posts[].author_id"
tweet #3 "70004" ignored: malformed "includes.tweets[].entities.hashtags[].tag"
tweet #4 "70005" ignored: malformed "includes.tweets[].note_tweet"



=== TEST 71: malformed "entities.mentions" of a bare repost: not an array, or its first mention without an id
A post that is not a repost does not read its mentions.
--- delivery eval
::xaa(::repost('71001', '71000', tags => ['Confirm7KQ2XD'], includes => {},
               set => { entities => { hashtags => [ { tag => 'Confirm7KQ2XD' } ], mentions => $::OPERATOR } }),
      ::repost('71002', '71000', tags => ['Confirm7KQ2XD'], includes => {},
               set => { entities => { hashtags => [ { tag => 'Confirm7KQ2XD' } ], mentions => [$::OPERATOR] } }),
      ::repost('71003', '71000', tags => ['Confirm7KQ2XD'], includes => {},
               set => { entities => { hashtags => [ { tag => 'Confirm7KQ2XD' } ],
                                      mentions => [ { id => 15234567, username => 'HashpaySync' } ] } }),
      ::repost('71004', '71000', tags => ['Confirm7KQ2XD'], includes => {},
               set => { entities => { hashtags => [ { tag => 'Confirm7KQ2XD' } ],
                                      mentions => [ { username => 'HashpaySync' } ] } }),
      ::xp(id => '71005', set => { entities => { hashtags => [ { tag => 'BuyGiftCard25' } ], mentions => 'x' } }),
      ::good('71999'))
--- redis_init eval
$::GIFT
--- response_body eval
::res((map { [$_, 'ignored', 'malformed'] } 71001 .. 71004),
      ['71005', 'rejected', 'not_linked'], ['71999', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('71005', 'not_linked'), ::intent_rejected('71999', 'not_linked')]
--- redis_after eval
[[['EXISTS', "hashpay:attempts:$::ALICE"], '0']]
--- error_log
tweet #0 "71001" ignored: malformed "entities.mentions"
tweet #1 "71002" ignored: malformed "entities.mentions[].id"
tweet #2 "71003" ignored: malformed "entities.mentions[].id"
tweet #3 "71004" ignored: malformed "entities.mentions[].id"



=== TEST 72: other methods: 405 with Allow and a JSON error, Redis untouched
--- request eval
my $b = ::xaa1(::good('72001'));
["PUT /webhooks/x\n$b", "DELETE /webhooks/x", "PATCH /webhooks/x\n$b"]
--- redis_init eval
$::GIFT
--- error_code eval
[(405) x 3]
--- response_headers eval
[("Allow: GET, POST\nContent-Type: application/json") x 3]
--- response_body eval
[('{"error":"method_not_allowed"}') x 3]
--- redis_after eval
[[['DBSIZE'], '1']]



=== TEST 73: an unsigned X Activity API body: 401, nothing written
--- delivery eval
::xaa(::good('73001'), ::xrevoke($::ALICE, '2026-12-01T10:40:12+00:00'))
--- signed_with: none
--- redis_init eval
$::PENDING
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- redis_after eval
[[['DBSIZE'], '9'], [['EXISTS', 'hashpay:events'], '0'],
 [['EXISTS', "hashpay:link:$::ALICE"], '1']]



=== TEST 74: an X Activity API body signed with another secret: 401, nothing written
--- delivery
@xaa_post_confirm_reply.json
--- signed_with: wrong
--- redis_init eval
$::PENDING
--- error_code: 401
--- response_body chomp
{"error":"bad_signature"}
--- redis_after eval
[[['DBSIZE'], '9'], [['EXISTS', 'hashpay:events'], '0'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending']]



=== TEST 75: Redis unreachable: 503 with Retry-After, so that X redelivers
--- http_config
hashpay_redis 127.0.0.1:1 connect_timeout=50ms;
--- delivery
@xaa_post_offer.json
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body chomp
{"error":"redis_unavailable"}



=== TEST 76: hashpay_prefix: every key an X Activity API delivery touches starts with it
--- http_config eval
"hashpay_redis 127.0.0.1:" . HashpayTest::redis_port() . ";\nhashpay_prefix shop;\n"
--- delivery
@xaa_post_offer.json
--- redis_init
HSET shop:offer:buygiftcard25 tag BuyGiftCard25
HSET hashpay:offer:buygiftcard25 tag Wrong
--- response_body eval
::res(['2000000000000000101', 'rejected', 'not_linked'])
--- redis_after eval
[[['XLEN', 'shop:events'], '1'],
 [['EXISTS', 'shop:tweet:2000000000000000101'], '1'],
 [['KEYS', 'hashpay:*'], 'hashpay:offer:buygiftcard25']]



=== TEST 77: $hashpay_outcome in a log_format: an X Activity API post
--- http_config eval
"hashpay_redis 127.0.0.1:" . HashpayTest::redis_port() . ";\n"
. "log_format hashpay 'hp \$request_method \$status outcome=\$hashpay_outcome';\n"
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    access_log logs/access.log hashpay;
}
--- delivery
@xaa_post_offer.json
--- redis_init eval
$::GIFT
--- response_body eval
::res(['2000000000000000101', 'rejected', 'not_linked'])
--- access_log
hp POST 200 outcome=rejected



=== TEST 78: a body nginx buffered to a temporary file acts like any other
Three posts of 200 hashtags with a 1 KB body buffer.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    client_body_buffer_size 1k;
    client_max_body_size 256k;
}
--- delivery eval
::xaa(map { ::xp(id => "7800$_", tags => [(map { "filler$_" } 1 .. 199), 'BuyGiftCard25']) } 1 .. 3)
--- redis_init eval
$::GIFT
--- response_body eval
::res(map { ["7800$_", 'rejected', 'not_linked'] } 1 .. 3)
--- events eval
[map { ::intent_rejected("7800$_", 'not_linked') } 1 .. 3]
