# The posts that need no script (src/ngx_http_hashpay_prefilter.h): a post
# with hashtags and no confirmation code is first asked about with plain
# reads, pipelined for the whole delivery: EXISTS of its record and of
# every hashtag's offer, and TIME when it has a time.  When none of those
# keys exists it is answered at once, as tweet.lua would (SPEC section
# 10: "stale" by its time on Redis's clock, else "no_offer"), and no
# script runs; every other post goes to tweet.lua, in order, with the
# revokes and confirmations of the delivery.
#
# Work is counted with Redis's INFO commandstats (CONFIG RESETSTAT at the
# end of redis_init and after each request); EXISTS is also what
# tweet.lua calls first, so a post that reaches its script counts more
# than one.  Deliveries are Account Activity bodies (edits are v1.1
# edit_history).

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;

our $DAY = 86400000;
our $OLD = $::NOW_MS - 3 * $DAY;      # stale under the default ttl (48h)

# Redis commands since the last reset, { name => calls }, then a reset
sub calls {
    my %n;
    for (split /\r?\n/, HashpayTest::redis('INFO', 'commandstats')) {
        $n{$1} = $2 if /^cmdstat_(\w+):calls=(\d+)/;
    }
    HashpayTest::redis('CONFIG', 'RESETSTAT');
    return \%n;
}

# an after_each hook: the calls of EXISTS, TIME and EVALSHA of the request
# were these
sub counted {
    my ($what, $exists, $time, $evalsha) = @_;
    return sub {
        my $n = calls();
        Test::More::is(join(' ', map { $n->{$_} // 0 }
                                 qw(exists time evalsha)),
                       "$exists $time $evalsha",
                       "$what: EXISTS, TIME, EVALSHA calls");
    };
}

# a tweet of alice's with these hashtags: timed a minute ago
sub t {
    my ($id, @tags) = @_;
    return ::tw(id => $id, tags => \@tags);
}

# an edit of post $root
sub edit {
    my ($id, $root, @tags) = @_;
    return ::tw(id => $id, tags => \@tags,
                set => { edit_history => { initial_tweet_id => $root,
                                           edit_tweet_ids => [$root, $id] } });
}

our $RESET = "CONFIG RESETSTAT\n";

run_tests();

__DATA__

=== TEST 1: hashtags that name no offer: answered without a script, nothing written
With a time: EXISTS and TIME.  Without one: EXISTS only.  Twice the
same post: it is not recorded, so it is no_offer again.  Nothing is
written, not even the events stream.
--- delivery eval
[::dl(::t('1001', 'Nothing')),
 ::dl(::tw(id => '1002', tags => ['Nothing', 'Else'], ts => undef)),
 ::dl(::t('1001', 'Nothing'))]
--- redis_init eval: $::RESET
--- response_body eval
[::results(['1001', 'ignored', 'no_offer']),
 ::results(['1002', 'ignored', 'no_offer']),
 ::results(['1001', 'ignored', 'no_offer'])]
--- after_each eval
[::counted('timed', 1, 1, 0), ::counted('untimed', 1, 0, 0),
 ::counted('again', 1, 1, 0)]
--- events eval
[]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 2: a stale post is stale, with or without an offer: without a script when it names none
Three days old: the one that names no offer is judged on Redis's TIME
here (stale, not no_offer); the one that names an offer goes to its
script, which says stale too.  Nothing is written.
--- delivery eval
[::dl(::tw(id => '2001', tags => ['Nothing'], ts => "$::OLD")),
 ::dl(::tw(id => '2002', tags => ['Gift'], ts => "$::OLD")),
 ::dl(::tw(id => '2003', tags => ['Nothing'], ts => "" . ($::NOW_MS + $::DAY)))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . $::RESET
--- response_body eval
[::results(['2001', 'ignored', 'stale']),
 ::results(['2002', 'ignored', 'stale']),
 ::results(['2003', 'ignored', 'stale'])]
--- after_each eval
[::counted('old, no offer', 1, 1, 0), ::counted('old, an offer', 2, 2, 1),
 ::counted('ahead, no offer', 1, 1, 0)]
--- events eval
[]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], ''],
 [['KEYS', 'hashpay:purchase*'], '']]



=== TEST 3: a post whose second hashtag names an offer goes to its script: an intent
--- delivery eval
[::dl(::t('3001', 'Nothing', 'Gift'))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . $::RESET
--- response_body eval
[::results(['3001', 'intent_created'])]
--- after_each eval
[sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha}, 1, 'one script');
    Test::More::cmp_ok($n->{exists}, '>=', 2, 'asked first, then the script');
 }]
--- events eval
[::intent_created('3001', offer => 'Gift')]
--- redis_after eval
[[['GET', 'hashpay:tweet:3001'], 'intent_created:']]



=== TEST 4: a recorded post whose hashtags name no offer any more is a duplicate, from its script
The record (from an earlier delivery) is found by the read: the script
answers.
--- delivery eval
[::dl(::t('4001', 'Gone'))]
--- redis_init eval
"SET hashpay:tweet:4001 rejected:sold_out\n" . $::RESET
--- response_body eval
[::results(['4001', 'duplicate'])]
--- after_each eval
[::counted('recorded', 2, 1, 1)]
--- events eval
[]



=== TEST 5: a post and its edit in one delivery: the edit is never answered before the post's script
The post names an offer (intent), its edit names none: the edit is not
asked, its script runs after the post's and finds the record
(duplicate).  The other way round: the post names none (no_offer, asked),
the edit names the offer and acts (its script: the post left no record;
the edit's record is under the post's id, its identity).
--- delivery eval
[::dl(::t('5001', 'Gift'), ::edit('5002', '5001', 'Nothing')),
 ::dl(::t('5101', 'Nothing'), ::edit('5102', '5101', 'Other'))]
--- redis_init eval
::offer('Gift') . ::offer('Other') . ::linked($::ALICE) . $::RESET
--- response_body eval
[::results(['5001', 'intent_created'], ['5002', 'duplicate']),
 ::results(['5101', 'ignored', 'no_offer'], ['5102', 'intent_created'])]
--- after_each eval
[sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha}, 2, 'post then edit: two scripts');
 },
 sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha}, 1, 'the edit only: one script');
 }]
--- events eval
[::intent_created('5001', offer => 'Gift'), ::intent_created('5102', offer => 'Other')]
--- redis_after eval
[[['GET', 'hashpay:tweet:5001'], 'intent_created:'],
 [['GET', 'hashpay:tweet:5101'], 'intent_created:'],
 [['GET', 'hashpay:tweet:5102'], ''],
 [['GET', 'hashpay:tweet:5002'], '']]



=== TEST 6: a delivery of every kind: answers in order, a script for those that need one
A post naming no offer, a confirmation (unknown code: its script), a
post naming the offer (its script), a post without hashtags (no
Redis), and a second post naming no offer.
--- delivery eval
[::dl(::t('6001', 'Nothing'), ::t('6002', 'ConfirmK7Q2XD'), ::t('6003', 'Gift'),
      ::t('6004'), ::t('6005', 'Nope', 'Nada'))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . $::RESET
--- response_body eval
[::results(['6001', 'ignored', 'no_offer'], ['6002', 'rejected', 'unknown_code'],
           ['6003', 'intent_created'], ['6004', 'ignored', 'no_hashtag'],
           ['6005', 'ignored', 'no_offer'])]
--- after_each eval
[sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha}, 2, 'two scripts: the confirmation and the offer post');
    Test::More::is($n->{time} // 0, 3, 'one TIME asked, one per script');
 }]
--- events eval
[::confirm_rejected('6002', '#ConfirmK7Q2XD', 'unknown_code'), ::intent_created('6003', offer => 'Gift')]



=== TEST 7: Redis refuses the read: 503, no script, nothing written
The module's user may not run EXISTS (ACL): the delivery is answered
503 redis_unavailable (redelivered), the log names the refused command,
and nothing changed.
--- delivery eval
[::dl(::t('7001', 'Nothing'), ::t('7002', 'Gift'))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . "ACL SETUSER default -exists\n" . $::RESET
--- error_code: 503
--- response_body eval
['{"error":"redis_unavailable"}']
--- after_each eval
[sub {
    HashpayTest::redis('ACL', 'SETUSER', 'default', '+exists');
    my $n = ::calls();
    Test::More::is($n->{evalsha} // 0, 0, 'no script');
    Test::More::ok(scalar HashpayTest::log_lines(
                       qr/\[error\] .*hashpay: redis command failed: NOPERM/),
                   'the refused command is logged');
 }]
--- events eval
[]
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], ''],
 [['HGET', 'hashpay:offer:gift', 'sold'], '0'],
 [['KEYS', 'hashpay:purchase*'], '']]



=== TEST 8: hashpay_redis_wait: a post that writes nothing waits for no replica, a script does
No replica is attached: the post naming no offer is answered 200 at
once; the post naming an offer is written, then its WAIT finds no
replica: 503 (its redelivery would be a duplicate).
--- http_config
hashpay_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
hashpay_redis_wait 1 100ms;
--- delivery eval
[::dl(::t('8001', 'Nothing')), ::dl(::t('8002', 'Gift'))]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE) . $::RESET
--- error_code eval
[200, 503]
--- response_body eval
[::results(['8001', 'ignored', 'no_offer']), '{"error":"redis_unavailable"}']
--- after_each eval
[::counted('no offer', 1, 1, 0),
 sub {
    my $n = ::calls();
    Test::More::is($n->{evalsha}, 1, 'the script ran');
    Test::More::is($n->{wait}, 1, 'and its WAIT');
 }]
--- redis_after eval
[[['GET', 'hashpay:tweet:8001'], ''],
 [['GET', 'hashpay:tweet:8002'], 'intent_created:']]



=== TEST 9: a delivery of more than 64 posts is not asked: every post goes to its script
65 posts naming no offer: 65 scripts, each no_offer; 64 are asked.
--- delivery eval
[::dl(map { ::t(9000 + $_, 'Nothing') } 1 .. 65),
 ::dl(map { ::t(9100 + $_, 'Nothing') } 1 .. 64)]
--- redis_init eval: $::RESET
--- response_body eval
[::results(map { [9000 + $_, 'ignored', 'no_offer'] } 1 .. 65),
 ::results(map { [9100 + $_, 'ignored', 'no_offer'] } 1 .. 64)]
--- after_each eval
[::counted('65 posts', 65, 65, 65), ::counted('64 posts', 64, 1, 0)]
--- redis_after eval
[[['DBSIZE'], '0']]



=== TEST 10: a live campaign: once a post showed that its hashtag names an offer, the next posts with it go straight to their scripts
The first post naming Gift is asked (and teaches the worker that Gift
names an offer); the next ones, with Gift alone or with another hashtag,
are not asked: their scripts' own EXISTS and TIME only (a script asks
for each hashtag before the last until one names an offer).  A post naming
no offer is still asked.  A post whose hashtags all name offers teaches
each of them (Other, Third).  The hint is only a hint: Gift's offer is
removed behind the worker's back, the next post naming Gift goes to its
script, which answers no_offer.
--- delivery eval
[::dl(::tw(id => '10001', tags => ['Gift'], user => $::ALICE)),
 ::dl(::tw(id => '10002', tags => ['Gift'], user => $::BOB)),
 ::dl(::tw(id => '10003', tags => ['Nothing', 'Gift'], user => $::CAROL)),
 ::dl(::t('10004', 'Nothing')),
 ::dl(::tw(id => '10005', tags => ['Other', 'Third'], user => $::ALICE)),
 ::dl(::tw(id => '10006', tags => ['Third'], user => $::BOB)),
 ::dl(::tw(id => '10007', tags => ['Gift'], user => $::ALICE))]
--- redis_init eval
::offer('Gift') . ::offer('Other') . ::offer('Third')
. ::linked($::ALICE) . ::linked($::BOB, 'tok_2') . ::linked($::CAROL, 'tok_3')
. $::RESET
--- response_body eval
[::results(['10001', 'intent_created']), ::results(['10002', 'intent_created']),
 ::results(['10003', 'intent_created']), ::results(['10004', 'ignored', 'no_offer']),
 ::results(['10005', 'intent_created']), ::results(['10006', 'intent_created']),
 ::results(['10007', 'ignored', 'no_offer'])]
--- after_each eval
[::counted('the first: asked', 2, 2, 1),
 ::counted('the second: straight to its script', 1, 1, 1),
 ::counted('with another hashtag: straight (its script asks for Nothing)',
           2, 1, 1),
 ::counted('no offer: asked', 1, 1, 0),
 ::counted('Other and Third, both unknown: asked (the script asks for Other)',
           3, 2, 1),
 sub {
    ::counted('Third: straight', 1, 1, 1)->();
    HashpayTest::redis('DEL', 'hashpay:offer:gift');
    ::calls();
 },
 ::counted('Gift, its offer gone: straight, the script says no_offer', 1, 1, 1)]
--- redis_after eval
[[['MGET', 'hashpay:pending:gift:' . $::ALICE, 'hashpay:pending:gift:' . $::BOB,
   'hashpay:pending:gift:' . $::CAROL, 'hashpay:pending:other:' . $::ALICE,
   'hashpay:pending:third:' . $::BOB], "pur_1\npur_2\npur_3\npur_4\npur_5"]]
