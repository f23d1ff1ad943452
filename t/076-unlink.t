# Unlinking (SPEC sections 4, 7 and 10; src/lua/unlink.lua): the
# platform's revoke, and the script's interface that the admin DELETE of a
# link calls.  The link and its card go; the user's pending purchases that
# have not expired are cancelled at once (state cancelled, hold released,
# one intent.cancelled each) and a later confirmation is refused
# not_linked; expired pending purchases are left as they are.
#
# Deliveries are built in the shape HASHPAY_SHAPE names: this file runs
# as it is for Account Activity (user_event.revoke), and through
# t/076-unlink-xaa.t for the X Activity API (oauth.revoke; SPEC section
# 11).  The Filtered Stream has no revoke.  Every request carries one
# tweet.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;

our $REVOKE = ::by_shape(
    aaa => '{"user_event":{"revoke":{"date_time":"2026-12-01T10:40:12+00:00",'
           . '"target":{"app_id":"13090192"},"source":{"user_id":"'
           . $::ALICE . '"}}}}',
    xaa => '{"data":{"event_uuid":"6000000000000000001","filter":{},'
           . '"event_type":"oauth.revoke","payload":{"date_time":'
           . '"2026-12-01T10:40:12+00:00","user_id":"' . $::ALICE
           . '","app_id":"13090192"}}}');

# unlink.lua as the module loads it (_lib.lua in front), run with EVAL
sub unlink_script {
    my ($user, $how) = @_;
    my $src = '';
    for my $f ('src/lua/_lib.lua', 'src/lua/unlink.lua') {
        open(my $fh, '<', $f) or die "$f: $!";
        local $/;
        $src .= <$fh>;
        close $fh;
    }
    return HashpayTest::redis('EVAL', $src, 1, 'hashpay:events', 'hashpay',
                              1000000, $user, $how);
}

# alice: pur_1 pending (Gift), pur_2 pending (Other), pur_3 expired
# (Third), pur_4 confirmed (Fourth); bob: pur_5 pending (Gift)
our $SEED = ::offer('Gift', stock => 2) . ::offer('Other') . ::offer('Third')
    . ::offer('Fourth', sold => 1)
    . ::linked($::ALICE) . ::linked($::BOB)
    . ::purchase(id => 'pur_1', tag => 'Gift', code => 'AAAAAA')
    . ::purchase(id => 'pur_2', tag => 'Other', code => 'BBBBBB')
    . ::purchase(id => 'pur_3', tag => 'Third', code => 'CCCCCC',
                 expires_at => 1000)
    . ::purchase(id => 'pur_4', tag => 'Fourth', code => 'DDDDDD',
                 state => 'confirmed')
    . "ZADD hashpay:user_pending:$::ALICE 9999999999999 pur_4\n"
    . ::purchase(id => 'pur_5', tag => 'Gift', code => 'EEEEEE',
                 user => $::BOB)
    . "SET hashpay:purchase_seq 5\n";

::shape_ok();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: revoke: link.revoked, then one intent.cancelled per live pending purchase
The expired one stays pending (reads expired), the confirmed one stays
confirmed; bob's purchase and link are untouched.
--- delivery eval
$::REVOKE
--- redis_init eval
$::SEED
--- response_body chomp
{"results":[]}
--- events eval
[['link.revoked', { user_id => $::ALICE }],
 ::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other')]
--- after_each eval
[sub {
    for my $id ('pur_1', 'pur_2') {
        my $p = ::purchase_of($id);
        Test::More::is($p->{state}, 'cancelled', "$id cancelled");
        Test::More::like($p->{cancelled_at}, qr/^\d{13}$/, "$id cancelled_at");
    }
    Test::More::is(::purchase_of('pur_3')->{state}, 'pending', 'expired one untouched');
    Test::More::is(::purchase_of('pur_3')->{cancelled_at} // '', '', 'expired one: no cancelled_at');
    Test::More::is(::purchase_of('pur_4')->{state}, 'confirmed', 'confirmed one untouched');
}]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE", 'hashpay:card:tok_3457'], '0'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], 'pur_5'],
 [['ZCARD', 'hashpay:holds:other'], '0'],
 [['ZRANGE', 'hashpay:holds:third', '0', '-1'], 'pur_3'],
 [['KEYS', 'hashpay:pending:*'], qr/\A(hashpay:pending:(third:\Q$::ALICE\E|gift:\Q$::BOB\E)\n?){2}\z/],
 [['EXISTS', "hashpay:user_pending:$::ALICE"], '0'],
 [['ZRANGE', "hashpay:user_pending:$::BOB", '0', '-1'], 'pur_5'],
 [['GET', "hashpay:card:tok_3458"], $::BOB],
 [['HGET', 'hashpay:offer:fourth', 'sold'], '1']]



=== TEST 2: after a revoke, confirmation is not_linked, even once linked again
The revoke's redelivery changes nothing. Alice links again between the
second and third delivery: the cancelled purchase still cannot be
confirmed; a new intent can be made (the hold was released).
--- delivery eval
[$::REVOKE, $::REVOKE,
 ::dl(::tw(id => '2001', tags => ['ConfirmAAAAAA'])),
 ::dl(::tw(id => '2002', tags => ['ConfirmAAAAAA'])),
 ::dl(::tw(id => '2003', tags => ['Gift']))]
--- redis_init eval
$::SEED
--- after_each eval
[undef, undef,
 sub {
    HashpayTest::redis('HSET', "hashpay:link:$::ALICE", 'user_id', $::ALICE,
                       'card_token', 'tok_new', 'screen_name', 'alice');
    HashpayTest::redis('SET', 'hashpay:card:tok_new', $::ALICE);
 }]
--- response_body eval
['{"results":[]}', '{"results":[]}',
 ::results(['2001', 'rejected', 'not_linked']),
 ::results(['2002', 'rejected', 'not_linked']),
 ::results(['2003', 'intent_created'])]
--- events eval
[['link.revoked', { user_id => $::ALICE }],
 ::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other'),
 ::confirm_rejected('2001', '#ConfirmAAAAAA', 'not_linked'),
 ::confirm_rejected('2002', '#ConfirmAAAAAA', 'not_linked'),
 ::intent_created('2003', offer => 'Gift', purchase_id => 'pur_6')]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'cancelled'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0'],
 [['ZRANGE', 'hashpay:holds:gift', '0', '-1'], "pur_6\npur_5"]]



=== TEST 3: a revoke frees the held units: sold out before, on sale after
Gift has stock 2, both held (alice and bob); carol is sold out, then
alice's revoke frees a unit and carol buys it.
--- delivery eval
[::dl(::tw(id => '3001', user => $::CAROL, tags => ['Gift'])),
 $::REVOKE,
 ::dl(::tw(id => '3002', user => $::CAROL, tags => ['Gift']))]
--- redis_init eval
$::SEED . ::linked($::CAROL)
--- response_body eval
[::results(['3001', 'rejected', 'sold_out']), '{"results":[]}',
 ::results(['3002', 'intent_created'])]
--- events eval
[::intent_rejected('3001', 'sold_out', offer => 'Gift', user => $::CAROL),
 ['link.revoked', { user_id => $::ALICE }],
 ::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other'),
 ::intent_created('3002', offer => 'Gift', user => $::CAROL,
                  purchase_id => 'pur_6')]



=== TEST 4: the admin interface: "admin" emits no link.revoked; answers {1, cancelled, 0}
The admin DELETE of a link runs unlink.lua with ARGV[4] "admin"; a second
run finds no link: {0, 0, 0}, nothing changes.
--- request
GET /ping
--- error_code: 204
--- redis_init eval
$::SEED
--- after_each eval
[sub {
    Test::More::is(::unlink_script($::ALICE, 'admin'), "1\n2\n0",
                   'admin unlink: linked, 2 cancelled, 0 voided');
    my $n = HashpayTest::redis('XLEN', 'hashpay:events');
    Test::More::is(::unlink_script($::ALICE, 'admin'), "0\n0\n0",
                   'no link: 0 0 0');
    Test::More::is(HashpayTest::redis('XLEN', 'hashpay:events'), $n,
                   'no link: no event');
    Test::More::is(::unlink_script('1297234567890199999', 'revoke'), "0\n0\n0",
                   'never linked: 0 0 0');
}]
--- events eval
[::cancelled('pur_1', offer => 'Gift'), ::cancelled('pur_2', offer => 'Other')]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE"], '0'],
 [['HGET', 'hashpay:purchase:pur_2', 'state'], 'cancelled'],
 [['EXISTS', "hashpay:link:$::BOB"], '1']]



=== TEST 5: a user without pending purchases: link.revoked only
--- delivery eval
$::REVOKE
--- redis_init eval
::linked($::ALICE)
--- events eval
[['link.revoked', { user_id => $::ALICE }]]
--- redis_after eval
[[['EXISTS', "hashpay:link:$::ALICE", 'hashpay:card:tok_3457'], '0']]



=== TEST 6: a purchase pending when the intent was made, expired at revoke: not cancelled
confirm_ttl 1s: alice's intent, 1.2 s later her revoke cancels nothing;
her late confirmation is not_linked (the link is gone: it comes before
expired).
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_confirm_ttl 1s;
}
--- delivery eval
[::dl(::tw(id => '6001', tags => ['Gift'])), $::REVOKE]
--- redis_init eval
::offer('Gift') . ::linked($::ALICE)
--- after_each eval
[sub { select(undef, undef, undef, 1.2) },
 sub {
    my $code = ::code_of('pur_1');
    my ($s, $b) = ::post(::dl(::tw(id => '6002', tags => ["Confirm$code"])));
    Test::More::is($b, ::results(['6002', 'rejected', 'not_linked']),
                   'late confirmation after revoke: not_linked');
 }]
--- events eval
[::intent_created('6001', offer => 'Gift', purchase_id => 'pur_1'),
 ['link.revoked', { user_id => $::ALICE }],
 ::confirm_rejected('6002', $::TAG_RE, 'not_linked')]
--- redis_after eval
[[['HMGET', 'hashpay:purchase:pur_1', 'state', 'cancelled_at'], "pending\n"]]
