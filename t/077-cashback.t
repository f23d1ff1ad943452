# Cashback claims (SPEC sections 4, 7 and 10; src/lua/README.md): a
# cashback offer hashtag from a linked author saves a claim to the card at
# once (claim.saved, outcome claim_saved, no hold, no code); otherwise
# intent.rejected in the order not_linked, offer_inactive,
# account_too_new, limit_reached, sold_out, and nothing else changes.
# stock and per_user_limit count every claim ever saved.  Unlinking (admin
# DELETE of a link, user_event.revoke) voids the user's unredeemed claims
# for good.  The transactions endpoint is t/078's.
#
# Offers, links and claims are written straight into Redis.
#
# Sections of this file (besides HashpayTest's):
#   --- steps eval    [ request, ... ]: a string starting with "{" is a
#                     signed webhook delivery (POST /webhooks/x), any other
#                     one "METHOD /admin/...\nbody" to the admin API with
#                     the bearer token
#   --- unchanged: yes
#                     after the last request Redis is exactly as seeded but
#                     for the events stream, event_seq and tweet records

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;
use POSIX ();
use HashpayCashback;

# the account of the account-age tests: created 30 days and a minute
# before the file started, unix ms in whole seconds (v1.1's created_at has
# none), written as $CREATED_V1; a tweet at $CREATED + 30 days is a
# minute old (an old tweet is stale: SPEC section 10)
our $DAY = 86400000;
our $CREATED = POSIX::floor(($HashpayFlow::NOW_MS - 30 * $DAY - 60000)
                            / 1000) * 1000;
our $CREATED_V1 = HashpayFlow::v1_time($CREATED);

our $REVOKE = '{"user_event":{"revoke":{"date_time":"2026-12-01T10:40:12+00:00",'
              . '"target":{"app_id":"13090192"},"source":{"user_id":"'
              . $::ALICE . '"}}}}';

our $SNAP;

our $CONFIG = <<'CONFIG';
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_operator_accounts 15234567;
}

location /admin/ {
    hashpay_admin;
    hashpay_admin_token test-admin-token;
}
CONFIG

# Every key but the events, event_seq and tweet records, with its type,
# content and whether it expires: one line a key, sorted.
sub snapshot {
    my @out;
    my $keys = HashpayTest::redis_reply('KEYS', 'hashpay:*') || [];

    for my $k (sort @$keys) {
        next if $k eq 'hashpay:events' || $k eq 'hashpay:event_seq'
                || $k =~ /^hashpay:tweet:/;
        my $type = HashpayTest::redis('TYPE', $k);
        my $v;
        if ($type eq 'hash') {
            my %h = @{ HashpayTest::redis_reply('HGETALL', $k) };
            $v = join ' ', map { "$_=$h{$_}" } sort keys %h;
        } elsif ($type eq 'zset') {
            $v = join ' ', @{ HashpayTest::redis_reply('ZRANGE', $k, 0, -1,
                                                       'WITHSCORES') };
        } elsif ($type eq 'set') {
            $v = join ' ', sort @{ HashpayTest::redis_reply('SMEMBERS', $k) };
        } elsif ($type eq 'string') {
            $v = HashpayTest::redis('GET', $k);
        } else {
            $v = '?';
        }
        my $ttl = HashpayTest::redis('PTTL', $k) >= 0 ? ' (expires)' : '';
        push @out, "$k [$type$ttl] $v";
    }

    return join "\n", @out;
}

# lines joined by newlines, as HashpayTest::redis flattens replies
sub lines { return CORE::join("\n", @_) }

# the hashpay:* keys now are exactly these (names after "hashpay:")
sub keys_are {
    my ($what, @want) = @_;
    my $keys = HashpayTest::redis_reply('KEYS', 'hashpay:*') || [];
    Test::More::is(join(' ', sort @$keys),
                   join(' ', sort map { "hashpay:$_" } @want), $what);
}

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('config', $::CONFIG) unless defined $block->config;

    if (defined $block->steps) {
        my (@reqs, @hdrs);
        for my $s (@{ $block->steps }) {
            if ($s =~ /^\{/) {
                push @reqs, "POST /webhooks/x\n$s";
                push @hdrs, 'x-twitter-webhooks-signature: '
                            . HashpayTest::sign('test-consumer-secret', $s)
                            . "\nContent-Type: application/json";
            } else {
                push @reqs, $s;
                push @hdrs, 'Authorization: Bearer test-admin-token';
            }
        }
        $block->set_value('request', \@reqs);
        $block->set_value('more_headers', \@hdrs);
    }

    if (defined $block->unchanged) {
        my $init = $block->init;
        $block->set_value('init', '$::SNAP = ::snapshot();'
                                  . (defined $init ? "\n$init" : ''));
    }
});

add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    return if $dry_run || !defined $block->unchanged;
    my $r = $block->request;
    return unless $req_idx == (ref $r eq 'ARRAY' ? @$r : 1) - 1;
    Test::More::is(::snapshot(), $::SNAP,
                   $block->name . ' - Redis unchanged but events and tweet records');
});

# Alice and bob linked; alice: clm_1 (CoffeeBack) and clm_2 (TeaBack)
# saved, clm_3 (TeaBack) redeemed; bob: clm_4 (CoffeeBack) saved
our $VSEED = ::cashback_offer('CoffeeBack', claimed => 2)
    . ::cashback_offer('TeaBack', per_user_limit => 2, claimed => 2,
                       redeemed => 1)
    . ::linked($::ALICE) . ::linked($::BOB)
    . ::claim(id => 'clm_1', tag => 'CoffeeBack', tweet_id => '8001')
    . ::claim(id => 'clm_2', tag => 'TeaBack', tweet_id => '8002')
    . ::claim(id => 'clm_3', tag => 'TeaBack', tweet_id => '8003',
              state => 'redeemed')
    . "HSET hashpay:claim:clm_3 redeemed_at 1700000001000 txn_id txn_9 "
    . "txn_amount_cents 2500 txn_at 1700000001 txn_card_token tok_3457\n"
    . ::claim(id => 'clm_4', tag => 'CoffeeBack', tweet_id => '8004',
              user => $::BOB)
    . "SET hashpay:bought:coffeeback:$::ALICE 1\n"
    . "SET hashpay:bought:teaback:$::ALICE 2\n"
    . "SET hashpay:bought:coffeeback:$::BOB 1\n"
    . "SET hashpay:claim_seq 4\n";

# what voiding alice's claims leaves (admin DELETE and revoke alike)
our @VOIDED = (
    [['HMGET', 'hashpay:claim:clm_1', 'state', 'user_id', 'offer', 'tweet_id',
      'card_token', 'cashback_cents'],
     "void\n$::ALICE\nCoffeeBack\n8001\ntok_3457\n500"],
    [['HGET', 'hashpay:claim:clm_1', 'voided_at'], qr/^\d{13}$/],
    [['HMGET', 'hashpay:claim:clm_2', 'state', 'offer'], "void\nTeaBack"],
    [['HGET', 'hashpay:claim:clm_2', 'voided_at'], qr/^\d{13}$/],
    [['HMGET', 'hashpay:claim:clm_3', 'state', 'voided_at', 'redeemed_at',
      'txn_id'], "redeemed\n\n1700000001000\ntxn_9"],
    [['HMGET', 'hashpay:claim:clm_4', 'state', 'voided_at'], "saved\n"],
    [['EXISTS', "hashpay:claims:$::ALICE"], '0'],
    [['ZRANGE', "hashpay:claims:$::BOB", '0', '-1', 'WITHSCORES'], "clm_4\n4"],
    [['HMGET', 'hashpay:offer:coffeeback', 'claimed', 'redeemed'], "2\n0"],
    [['HMGET', 'hashpay:offer:teaback', 'claimed', 'redeemed'], "2\n1"],
    [['MGET', "hashpay:bought:coffeeback:$::ALICE",
      "hashpay:bought:teaback:$::ALICE", "hashpay:bought:coffeeback:$::BOB"],
     "1\n2\n1"],
    [['GET', 'hashpay:claim_seq'], '4'],
    [['HGET', "hashpay:link:$::BOB", 'card_token'], 'tok_3458'],
    [['GET', 'hashpay:card:tok_3458'], $::BOB],
);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: claim_saved: the claim, the user's zset, claimed, bought, one claim.saved
Every field of the claim and of the event (cashback_cents a JSON number);
the tweet record; no purchase, hold, code or pending key, nothing else.
--- delivery eval
::dl(::tw(id => '1001', tags => ['hello', 'CoffeeBack']))
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::ALICE)
--- error_code: 200
--- response_body eval
::results(['1001', 'claim_saved'])
--- events eval
[::claim_saved('clm_1')]
--- after_each eval
[sub {
    my $c = ::claim_of('clm_1');
    Test::More::like($c->{created_at} // '', qr/^\d{13}$/, 'created_at is ms');
    Test::More::ok(abs(($c->{created_at} // 0) - time() * 1000) < 60000,
                   'created_at is now');
    my ($data) = ::raw_events();
    Test::More::like($data, qr/"cashback_cents":500[,}]/,
                     'cashback_cents is a JSON number');
    ::keys_are('no other key',
               'offer:coffeeback', 'offers', "link:$::ALICE", 'card:tok_3457',
               'claim_seq', 'claim:clm_1', "claims:$::ALICE",
               "claims:$::ALICE:mch_coffee:USD", "bought:coffeeback:$::ALICE", 'tweet:1001', 'events',
               'event_seq');
}]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_1', 'id', 'offer', 'offer_key', 'user_id',
   'screen_name', 'card_token', 'tweet_id', 'state', 'merchant_id',
   'currency', 'cashback_cents', 'min_spend_cents'],
  "clm_1\nCoffeeBack\ncoffeeback\n$::ALICE\nalice\ntok_3457\n1001\nsaved\nmch_coffee\nUSD\n500\n2000"],
 [['HMGET', 'hashpay:claim:clm_1', 'redeemed_at', 'voided_at', 'txn_id'], "\n\n"],
 [['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1', 'WITHSCORES'], "clm_1\n1"],
 [['GET', 'hashpay:claim_seq'], '1'],
 [['HMGET', 'hashpay:offer:coffeeback', 'claimed', 'redeemed', 'stock'], "1\n0\n10"],
 [['GET', "hashpay:bought:coffeeback:$::ALICE"], '1'],
 [['GET', 'hashpay:tweet:1001'], 'claim_saved:'],
 [['PTTL', 'hashpay:tweet:1001'], qr/^(1727\d{5}|172800000)$/]]



=== TEST 2: the terms come from the offer; the first offer hashtag acts; the tag as written
Bob writes #BOOKSBACK before #CoffeeBack; claim_seq was 41; his own card.
--- delivery eval
::dl(::tw(id => '2001', user => $::BOB, tags => ['nothing', 'BOOKSBACK', 'CoffeeBack']))
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::BOB, 'tok_bob_card')
. ::cashback_offer('BooksBack', merchant_id => 'mch_books', currency => 'EUR',
                   cashback_cents => 750, min_spend_cents => 0)
. "SET hashpay:claim_seq 41\n"
--- response_body eval
::results(['2001', 'claim_saved'])
--- events eval
[::claim_saved('clm_42', offer => 'BooksBack', user => $::BOB,
               card_token => 'tok_bob_card', merchant_id => 'mch_books',
               cashback_cents => 750)]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_42', 'id', 'offer', 'offer_key', 'user_id',
   'screen_name', 'card_token', 'tweet_id', 'state', 'merchant_id',
   'currency', 'cashback_cents', 'min_spend_cents'],
  "clm_42\nBooksBack\nbooksback\n$::BOB\nbob\ntok_bob_card\n2001\nsaved\nmch_books\nEUR\n750\n0"],
 [['ZRANGE', "hashpay:claims:$::BOB", '0', '-1', 'WITHSCORES'], "clm_42\n42"],
 [['HGET', 'hashpay:offer:booksback', 'claimed'], '1'],
 [['HGET', 'hashpay:offer:coffeeback', 'claimed'], '0'],
 [['KEYS', 'hashpay:bought:*'], "hashpay:bought:booksback:$::BOB"],
 [['KEYS', 'hashpay:claim:*'], 'hashpay:claim:clm_42']]



=== TEST 3: redelivery: duplicate, no second claim or event
The same tweet again, and delivered for another user.
--- delivery eval
my $b = ::dl(::tw(id => '3001', tags => ['CoffeeBack']));
[$b, $b, $b =~ s/"for_user_id":"\d+"/"for_user_id":"$::BOB"/r]
--- redis_init eval
::cashback_offer('CoffeeBack', per_user_limit => 5) . ::linked($::ALICE)
--- response_body eval
[::results(['3001', 'claim_saved']), ::results(['3001', 'duplicate']),
 ::results(['3001', 'duplicate'])]
--- events eval
[::claim_saved('clm_1')]
--- redis_after eval
[[['GET', 'hashpay:claim_seq'], '1'],
 [['KEYS', 'hashpay:claim:*'], 'hashpay:claim:clm_1'],
 [['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1'], 'clm_1'],
 [['HGET', 'hashpay:offer:coffeeback', 'claimed'], '1'],
 [['GET', "hashpay:bought:coffeeback:$::ALICE"], '1'],
 [['GET', 'hashpay:tweet:3001'], 'claim_saved:']]



=== TEST 4: not_linked comes first: also on an inactive, a sold-out and an over-limit offer
Only bob is linked; alice's tweets change nothing but events and records.
--- delivery eval
::dl(::tw(id => '4001', tags => ['CoffeeBack']),
     ::tw(id => '4002', tags => ['Ended']),
     ::tw(id => '4003', tags => ['Gone']),
     ::tw(id => '4004', tags => ['Mine']))
--- redis_init eval
::cashback_offer('CoffeeBack') . ::cashback_offer('Ended', active => 0)
. ::cashback_offer('Gone', stock => 0)
. ::cashback_offer('Mine', stock => 1, claimed => 1)
. ::claim(id => 'clm_1', tag => 'Mine', state => 'void')
. "SET hashpay:bought:mine:$::ALICE 1\nSET hashpay:claim_seq 1\n"
. ::linked($::BOB)
--- response_body eval
::results(['4001', 'rejected', 'not_linked'], ['4002', 'rejected', 'not_linked'],
          ['4003', 'rejected', 'not_linked'], ['4004', 'rejected', 'not_linked'])
--- events eval
[::intent_rejected('4001', 'not_linked', offer => 'CoffeeBack'),
 ::intent_rejected('4002', 'not_linked', offer => 'Ended'),
 ::intent_rejected('4003', 'not_linked', offer => 'Gone'),
 ::intent_rejected('4004', 'not_linked', offer => 'Mine')]
--- unchanged: yes
--- redis_after eval
[[['MGET', map { "hashpay:tweet:$_" } 4001 .. 4004],
  ::lines(('rejected:not_linked') x 4)],
 [['PTTL', 'hashpay:tweet:4001'], qr/^(1727\d{5}|172800000)$/]]



=== TEST 5: offer_inactive: active 0, active absent, not started, ended window
An inactive offer that is also sold out is offer_inactive (it comes first).
--- delivery eval
::dl(::tw(id => '5001', tags => ['Ended']),
     ::tw(id => '5002', tags => ['NoFlag']),
     ::tw(id => '5003', tags => ['Later']),
     ::tw(id => '5004', tags => ['Over']),
     ::tw(id => '5005', tags => ['EndedFull']))
--- redis_init eval
::cashback_offer('Ended', active => 0, ended_at => 1700000000)
. ::cashback_offer('NoFlag', active => undef)
. ::cashback_offer('Later', starts_at => 4102444800)
. ::cashback_offer('Over', starts_at => 1000000000, ends_at => 1700000000)
. ::cashback_offer('EndedFull', active => 0, stock => 1, claimed => 1)
. ::linked($::ALICE)
--- response_body eval
::results(map { [$_, 'rejected', 'offer_inactive'] } 5001 .. 5005)
--- events eval
[::intent_rejected('5001', 'offer_inactive', offer => 'Ended'),
 ::intent_rejected('5002', 'offer_inactive', offer => 'NoFlag'),
 ::intent_rejected('5003', 'offer_inactive', offer => 'Later'),
 ::intent_rejected('5004', 'offer_inactive', offer => 'Over'),
 ::intent_rejected('5005', 'offer_inactive', offer => 'EndedFull')]
--- unchanged: yes
--- redis_after eval
[[['MGET', map { "hashpay:tweet:$_" } 5001 .. 5005],
  ::lines(('rejected:offer_inactive') x 5)]]



=== TEST 6: a window that is open now: starts_at past, ends_at future
--- delivery eval
::dl(::tw(id => '6001', tags => ['Open']))
--- redis_init eval
::cashback_offer('Open', starts_at => 1000000000, ends_at => 4102444800)
. ::linked($::ALICE)
--- response_body eval
::results(['6001', 'claim_saved'])
--- events eval
[::claim_saved('clm_1', offer => 'Open')]
--- redis_after eval
[[['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1'], 'clm_1'],
 [['HGET', 'hashpay:offer:open', 'claimed'], '1']]



=== TEST 7: account_too_new at timestamp_ms; unknown created_at fails closed; order
min 30 days: 1 ms too young; created_at absent; unparseable. It comes
after offer_inactive (bob) and before limit_reached and sold_out.
--- delivery eval
::dl(::tw(id => '7001', tags => ['Aged'], ts => $::CREATED + 30 * $::DAY - 1,
          created_at => $::CREATED_V1),
     ::tw(id => '7002', tags => ['Aged'], created_at => undef),
     ::tw(id => '7003', tags => ['Aged'], created_at => 'yesterday'),
     ::tw(id => '7004', user => $::BOB, tags => ['Closed'], created_at => undef),
     ::tw(id => '7005', tags => ['AgedMine'], created_at => undef),
     ::tw(id => '7006', tags => ['AgedGone'], created_at => undef))
--- redis_init eval
::cashback_offer('Aged', min_account_age_days => 30)
. ::cashback_offer('Closed', min_account_age_days => 30, active => 0)
. ::cashback_offer('AgedMine', min_account_age_days => 30, claimed => 1)
. ::cashback_offer('AgedGone', min_account_age_days => 30, stock => 0)
. ::claim(id => 'clm_1', tag => 'AgedMine')
. "SET hashpay:bought:agedmine:$::ALICE 1\nSET hashpay:claim_seq 1\n"
. ::linked($::ALICE) . ::linked($::BOB)
--- response_body eval
::results(['7001', 'rejected', 'account_too_new'],
          ['7002', 'rejected', 'account_too_new'],
          ['7003', 'rejected', 'account_too_new'],
          ['7004', 'rejected', 'offer_inactive'],
          ['7005', 'rejected', 'account_too_new'],
          ['7006', 'rejected', 'account_too_new'])
--- events eval
[::intent_rejected('7001', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('7002', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('7003', 'account_too_new', offer => 'Aged'),
 ::intent_rejected('7004', 'offer_inactive', offer => 'Closed', user => $::BOB),
 ::intent_rejected('7005', 'account_too_new', offer => 'AgedMine'),
 ::intent_rejected('7006', 'account_too_new', offer => 'AgedGone')]
--- unchanged: yes
--- redis_after eval
[[['GET', 'hashpay:tweet:7001'], 'rejected:account_too_new'],
 [['GET', 'hashpay:tweet:7004'], 'rejected:offer_inactive']]



=== TEST 8: old enough: exactly min_account_age_days at the tweet; min 0 needs no created_at
--- delivery eval
::dl(::tw(id => '8001', tags => ['Any'], created_at => undef),
     ::tw(id => '8002', tags => ['Aged'], ts => $::CREATED + 30 * $::DAY,
          created_at => $::CREATED_V1))
--- redis_init eval
::cashback_offer('Any') . ::cashback_offer('Aged', min_account_age_days => 30)
. ::linked($::ALICE)
--- response_body eval
::results(['8001', 'claim_saved'], ['8002', 'claim_saved'])
--- events eval
[::claim_saved('clm_1', offer => 'Any'), ::claim_saved('clm_2', offer => 'Aged')]
--- redis_after eval
[[['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1', 'WITHSCORES'],
  "clm_1\n1\nclm_2\n2"],
 [['HMGET', 'hashpay:claim:clm_2', 'offer_key', 'tweet_id'], "aged\n8002"]]



=== TEST 9: limit_reached counts saved claims, voided and redeemed ones too
One: alice's claim was voided; Two: redeemed; Dflt: per_user_limit absent
(1), claim saved; Mine: over the limit and sold out is limit_reached.
--- delivery eval
::dl(::tw(id => '9001', tags => ['One']),
     ::tw(id => '9002', tags => ['Two']),
     ::tw(id => '9003', tags => ['Dflt']),
     ::tw(id => '9004', tags => ['Mine']))
--- redis_init eval
::cashback_offer('One', claimed => 1)
. ::cashback_offer('Two', claimed => 1, redeemed => 1)
. ::cashback_offer('Dflt', per_user_limit => undef, claimed => 1)
. ::cashback_offer('Mine', stock => 1, claimed => 1)
. ::claim(id => 'clm_1', tag => 'One', state => 'void')
. "HSET hashpay:claim:clm_1 voided_at 1700000002000\n"
. ::claim(id => 'clm_2', tag => 'Two', state => 'redeemed')
. ::claim(id => 'clm_3', tag => 'Dflt')
. ::claim(id => 'clm_4', tag => 'Mine')
. "SET hashpay:claim_seq 4\n"
. ::lines(map { "SET hashpay:bought:$_:$::ALICE 1" } qw(one two dflt mine)) . "\n"
. ::linked($::ALICE)
--- response_body eval
::results(map { [$_, 'rejected', 'limit_reached'] } 9001 .. 9004)
--- events eval
[::intent_rejected('9001', 'limit_reached', offer => 'One'),
 ::intent_rejected('9002', 'limit_reached', offer => 'Two'),
 ::intent_rejected('9003', 'limit_reached', offer => 'Dflt'),
 ::intent_rejected('9004', 'limit_reached', offer => 'Mine')]
--- unchanged: yes
--- redis_after eval
[[['MGET', map { "hashpay:tweet:$_" } 9001 .. 9004],
  ::lines(('rejected:limit_reached') x 4)]]



=== TEST 10: sold_out: claimed >= stock, voided and redeemed claims counted
Full: stock 2, bob's claim voided and carol's redeemed; None: stock 0;
Over: claimed above stock.
--- delivery eval
::dl(::tw(id => '10001', tags => ['Full']),
     ::tw(id => '10002', tags => ['None']),
     ::tw(id => '10003', tags => ['Over']))
--- redis_init eval
::cashback_offer('Full', stock => 2, claimed => 2, redeemed => 1)
. ::cashback_offer('None', stock => 0)
. ::cashback_offer('Over', stock => 1, claimed => 3)
. ::claim(id => 'clm_1', tag => 'Full', user => $::BOB, state => 'void')
. ::claim(id => 'clm_2', tag => 'Full', user => $::CAROL, state => 'redeemed')
. "SET hashpay:claim_seq 2\n"
. ::linked($::ALICE)
--- response_body eval
::results(map { [$_, 'rejected', 'sold_out'] } 10001 .. 10003)
--- events eval
[::intent_rejected('10001', 'sold_out', offer => 'Full'),
 ::intent_rejected('10002', 'sold_out', offer => 'None'),
 ::intent_rejected('10003', 'sold_out', offer => 'Over')]
--- unchanged: yes
--- redis_after eval
[[['MGET', map { "hashpay:tweet:$_" } 10001 .. 10003],
  ::lines(('rejected:sold_out') x 3)]]



=== TEST 11: per_user_limit 2: two claims by alice, the third is limit_reached
Bob's claim goes to his own zset; claim ids follow the order of tweets.
--- delivery eval
::dl(::tw(id => '11001', tags => ['CoffeeBack']),
     ::tw(id => '11002', user => $::BOB, tags => ['CoffeeBack']),
     ::tw(id => '11003', tags => ['coffeeback']),
     ::tw(id => '11004', tags => ['CoffeeBack']))
--- redis_init eval
::cashback_offer('CoffeeBack', per_user_limit => 2)
. ::linked($::ALICE) . ::linked($::BOB)
--- response_body eval
::results(['11001', 'claim_saved'], ['11002', 'claim_saved'],
          ['11003', 'claim_saved'], ['11004', 'rejected', 'limit_reached'])
--- events eval
[::claim_saved('clm_1'), ::claim_saved('clm_2', user => $::BOB),
 ::claim_saved('clm_3'),
 ::intent_rejected('11004', 'limit_reached', offer => 'CoffeeBack')]
--- redis_after eval
[[['ZRANGE', "hashpay:claims:$::ALICE", '0', '-1', 'WITHSCORES'],
  "clm_1\n1\nclm_3\n3"],
 [['ZRANGE', "hashpay:claims:$::BOB", '0', '-1', 'WITHSCORES'], "clm_2\n2"],
 [['HMGET', 'hashpay:claim:clm_2', 'user_id', 'card_token', 'tweet_id'],
  "$::BOB\ntok_3458\n11002"],
 [['HMGET', 'hashpay:claim:clm_3', 'user_id', 'tweet_id'], "$::ALICE\n11003"],
 [['MGET', "hashpay:bought:coffeeback:$::ALICE", "hashpay:bought:coffeeback:$::BOB"],
  "2\n1"],
 [['HGET', 'hashpay:offer:coffeeback', 'claimed'], '3'],
 [['GET', 'hashpay:claim_seq'], '3'],
 [['GET', 'hashpay:tweet:11004'], 'rejected:limit_reached']]



=== TEST 12: the last claim: stock 2, alice and bob claim, carol is sold_out
--- delivery eval
::dl(::tw(id => '12001', tags => ['CoffeeBack']),
     ::tw(id => '12002', user => $::BOB, tags => ['CoffeeBack']),
     ::tw(id => '12003', user => $::CAROL, tags => ['CoffeeBack']))
--- redis_init eval
::cashback_offer('CoffeeBack', stock => 2)
. ::linked($::ALICE) . ::linked($::BOB) . ::linked($::CAROL)
--- response_body eval
::results(['12001', 'claim_saved'], ['12002', 'claim_saved'],
          ['12003', 'rejected', 'sold_out'])
--- events eval
[::claim_saved('clm_1'), ::claim_saved('clm_2', user => $::BOB),
 ::intent_rejected('12003', 'sold_out', offer => 'CoffeeBack', user => $::CAROL)]
--- redis_after eval
[[['HGET', 'hashpay:offer:coffeeback', 'claimed'], '2'],
 [['EXISTS', "hashpay:claims:$::CAROL", "hashpay:bought:coffeeback:$::CAROL"], '0'],
 [['GET', 'hashpay:claim_seq'], '2']]



=== TEST 13: a confirmation hashtag wins over a cashback hashtag
The first tweet confirms alice's pending purchase, the second has an
unknown code: neither saves a claim.
--- delivery eval
::dl(::tw(id => '13001', tags => ['CoffeeBack', 'ConfirmAAAAAA']),
     ::tw(id => '13002', tags => ['CoffeeBack', 'ConfirmZZZZZZ']))
--- redis_init eval
::cashback_offer('CoffeeBack') . ::offer('Gift') . ::linked($::ALICE)
. ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA')
--- response_body eval
::results(['13001', 'confirmed'], ['13002', 'rejected', 'unknown_code'])
--- events eval
[::confirmed('9001', '13001', offer => 'Gift'),
 ::confirm_rejected('13002', '#ConfirmZZZZZZ', 'unknown_code')]
--- redis_after eval
[[['KEYS', 'hashpay:claim*'], ''],
 [['KEYS', 'hashpay:bought:coffeeback:*'], ''],
 [['HGET', 'hashpay:offer:coffeeback', 'claimed'], '0'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'confirmed']]



=== TEST 14: admin GET of a cashback offer after claims: claimed, held 0, available, redeemed
Carol's redeemed claim was seeded; alice and bob claim. LastOne has more
claims than stock: available is 0, not negative.
--- steps eval
[::dl(::tw(id => '14001', tags => ['CoffeeBack'])),
 ::dl(::tw(id => '14002', user => $::BOB, tags => ['CoffeeBack'])),
 "GET /admin/offers/COFFEEBACK", "GET /admin/offers/lastone"]
--- redis_init eval
::cashback_offer('CoffeeBack', claimed => 1, redeemed => 1)
. ::claim(id => 'clm_1', user => $::CAROL, state => 'redeemed')
. "SET hashpay:claim_seq 1\n"
. ::cashback_offer('LastOne', stock => 1, claimed => 2)
. ::linked($::ALICE) . ::linked($::BOB)
--- error_code eval
[200, 200, 200, 200]
--- response_body eval
[::results(['14001', 'claim_saved']), ::results(['14002', 'claim_saved']),
 '{"tag":"CoffeeBack","kind":"cashback","title":"Coffee","currency":"USD","stock":10,"per_user_limit":1,"starts_at":null,"ends_at":null,"min_account_age_days":0,"merchant_id":"mch_coffee","cashback_cents":500,"min_spend_cents":2000,"active":true,"ended_at":null,"created_at":1700000000000,"updated_at":1700000000000,"claimed":3,"held":0,"available":7,"redeemed":1}',
 '{"tag":"LastOne","kind":"cashback","title":"Coffee","currency":"USD","stock":1,"per_user_limit":1,"starts_at":null,"ends_at":null,"min_account_age_days":0,"merchant_id":"mch_coffee","cashback_cents":500,"min_spend_cents":2000,"active":true,"ended_at":null,"created_at":1700000000000,"updated_at":1700000000000,"claimed":2,"held":0,"available":0,"redeemed":0}']
--- events eval
[::claim_saved('clm_2'), ::claim_saved('clm_3', user => $::BOB)]
--- redis_after eval
[[['KEYS', 'hashpay:holds:*'], '']]



=== TEST 15: admin DELETE of a link voids its claims; relinking the card does not bring them back
claims_voided 2 (clm_3 is redeemed: it stays so); bob's untouched;
claimed unchanged. After relinking, alice is still over the limit (a
voided claim counts) and a second DELETE finds no claim to void.
--- steps eval
["DELETE /admin/links/$::ALICE",
 "PUT /admin/links/$::ALICE\n{\"card_token\":\"tok_3457\",\"screen_name\":\"alice\"}",
 ::dl(::tw(id => '15001', tags => ['CoffeeBack'])),
 "DELETE /admin/links/$::ALICE"]
--- redis_init eval
$::VSEED
--- error_code eval
[200, 201, 200, 200]
--- response_body_like eval
[qr/^\{"user_id":"\Q$::ALICE\E","deleted":true,"purchases_cancelled":0,"claims_voided":2\}$/,
 qr/^\{"user_id":"\Q$::ALICE\E","screen_name":"alice","card_token_last4":"3457","linked_at":\d{13}\}$/,
 '^' . quotemeta(::results(['15001', 'rejected', 'limit_reached'])) . '$',
 qr/^\{"user_id":"\Q$::ALICE\E","deleted":true,"purchases_cancelled":0,"claims_voided":0\}$/]
--- after_each eval
[sub {
    $::VOIDED_AT = ::claim_of('clm_1')->{voided_at} // '';
    Test::More::ok(abs(($::VOIDED_AT || 0) - time() * 1000) < 60000,
                   'voided_at is now');
 },
 sub {
    Test::More::is(HashpayTest::redis('EXISTS', "hashpay:claims:$::ALICE"), '0',
                   'relinked: no claims zset');
    Test::More::is(::claim_of('clm_1')->{state}, 'void', 'relinked: clm_1 still void');
 },
 undef,
 sub {
    Test::More::is(::claim_of('clm_1')->{voided_at}, $::VOIDED_AT,
                   'second DELETE: voided_at unchanged');
 }]
--- events eval
[::intent_rejected('15001', 'limit_reached', offer => 'CoffeeBack')]
--- redis_after eval
[@::VOIDED,
 [['EXISTS', "hashpay:link:$::ALICE", 'hashpay:card:tok_3457'], '0']]



=== TEST 16: DELETE of a link with a pending purchase and a claim: both counted
One intent.cancelled, no event for the voided claim.
--- request eval
"DELETE /admin/links/$::ALICE"
--- more_headers
Authorization: Bearer test-admin-token
--- redis_init eval
::offer('Gift') . ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA')
. ::cashback_offer('CoffeeBack', claimed => 1) . ::claim(id => 'clm_1')
. "SET hashpay:bought:coffeeback:$::ALICE 1\n"
. ::linked($::ALICE)
--- error_code: 200
--- response_body eval
"{\"user_id\":\"$::ALICE\",\"deleted\":true,\"purchases_cancelled\":1,\"claims_voided\":1}"
--- events eval
[::cancelled('pur_1', offer => 'Gift')]
--- redis_after eval
[[['HGET', 'hashpay:claim:clm_1', 'state'], 'void'],
 [['HGET', 'hashpay:claim:clm_1', 'voided_at'], qr/^\d{13}$/],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['EXISTS', "hashpay:claims:$::ALICE", "hashpay:link:$::ALICE"], '0'],
 [['HGET', 'hashpay:offer:coffeeback', 'claimed'], '1']]



=== TEST 17: revoke voids the claims the same way: link.revoked only
The redelivered revoke changes nothing; relinking (admin PUT) brings no
claim back.
--- steps eval
[$::REVOKE, $::REVOKE,
 "PUT /admin/links/$::ALICE\n{\"card_token\":\"tok_3457\",\"screen_name\":\"alice\"}"]
--- redis_init eval
$::VSEED
--- error_code eval
[200, 200, 201]
--- response_body_like eval
['^\{"results":\[\]\}$', '^\{"results":\[\]\}$',
 qr/^\{"user_id":"\Q$::ALICE\E","screen_name":"alice","card_token_last4":"3457","linked_at":\d{13}\}$/]
--- after_each eval
[sub { $::VOIDED_AT = ::claim_of('clm_1')->{voided_at} // '' },
 sub {
    Test::More::is(::claim_of('clm_1')->{voided_at}, $::VOIDED_AT,
                   'redelivered revoke: voided_at unchanged');
 }]
--- events eval
[['link.revoked', { user_id => $::ALICE }]]
--- redis_after eval
[@::VOIDED,
 [['GET', 'hashpay:card:tok_3457'], $::ALICE]]



=== TEST 18: a user without claims: claims_voided 0, nothing voided
Bob's claims are not alice's.
--- request eval
"DELETE /admin/links/$::ALICE"
--- more_headers
Authorization: Bearer test-admin-token
--- redis_init eval
::cashback_offer('CoffeeBack', claimed => 1) . ::linked($::ALICE)
. ::linked($::BOB) . ::claim(id => 'clm_1', user => $::BOB)
--- response_body eval
"{\"user_id\":\"$::ALICE\",\"deleted\":true,\"purchases_cancelled\":0,\"claims_voided\":0}"
--- events eval
[]
--- redis_after eval
[[['HMGET', 'hashpay:claim:clm_1', 'state', 'voided_at'], "saved\n"],
 [['ZRANGE', "hashpay:claims:$::BOB", '0', '-1'], 'clm_1']]



=== TEST 19: malformed cashback tweets are ignored "malformed", change nothing, are not recorded
A field hashpay reads has the wrong type: user.id_str a number, a second
hashtag's text a number, screen_name an array, hashtags an object.
--- delivery eval
::dl(::tw(id => '19001', tags => ['CoffeeBack'],
          set => { user => { id_str => 1297234567890123457, screen_name => 'alice' } }),
     ::tw(id => '19002', set => { entities => { hashtags => [ { text => 'CoffeeBack' }, { text => 25 } ] } }),
     ::tw(id => '19003', tags => ['CoffeeBack'],
          set => { user => { id_str => $::ALICE, screen_name => [ 'alice' ] } }),
     ::tw(id => '19004', set => { entities => { hashtags => { text => 'CoffeeBack' } } }))
--- redis_init eval
::cashback_offer('CoffeeBack') . ::linked($::ALICE)
--- error_code: 200
--- response_body eval
::results(map { [$_, 'ignored', 'malformed'] } 19001 .. 19004)
--- events eval
[]
--- unchanged: yes
--- redis_after eval
[[['KEYS', 'hashpay:tweet:*'], ''],
 [['EXISTS', 'hashpay:events', 'hashpay:event_seq'], '0']]
--- error_log
ignored: malformed "user.id_str"
ignored: malformed "entities.hashtags[].text"
ignored: malformed "user.screen_name"
ignored: malformed "entities.hashtags"
