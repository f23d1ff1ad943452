# No oversell when Redis's clock steps back (SPEC sections 2 and 10, issue
# "money safety"): a confirmation turns a hold into a sale only while that
# hold is still in the offer's holds, not merely while now < expires_at.
# After an NTP step backwards, or a failover to a replica whose clock lags,
# a purchase can read "pending, not expired" although an earlier, later
# clock already trimmed its hold and sold the unit to someone else.  The
# state is planted directly in Redis: a pending purchase whose expires_at
# is still in the future but whose hold is gone.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;

# stock 1: alice's pending purchase pur_1 (code 7KQ2XD) lost its hold, and
# bob bought the unit meanwhile (sold 1)
our $TRIMMED = ::offer('BuyGiftCard25', stock => 1, sold => 1)
               . ::linked($::ALICE) . ::linked($::BOB)
               . ::purchase(id => 'pur_1', code => '7KQ2XD')
               . "ZREM hashpay:holds:buygiftcard25 pur_1\n"
               . "SET hashpay:bought:buygiftcard25:$::BOB 1\n";

sub confirm {
    my ($id, $code, %o) = @_;
    return ::tw(id => $id, tags => ["Confirm$code"], %o);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a pending purchase whose hold was trimmed is expired, not sold
sold stays 1 = stock: no second unit is sold; confirm.rejected/expired is
emitted; the purchase stays pending (it reads expired once expires_at
passes) and leaves the user's pending set; nothing is bought for alice.
--- delivery eval
::dl(::confirm('1001', '7KQ2XD'))
--- redis_init eval
$::TRIMMED
--- error_code: 200
--- response_body eval
::results(['1001', 'rejected', 'expired'])
--- events eval
[::confirm_rejected('1001', '#Confirm7KQ2XD', 'expired')]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['HMGET', 'hashpay:purchase:pur_1', 'state', 'confirmed_at',
   'confirm_tweet_id'], "pending\n\n"],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0'],
 [['EXISTS', "hashpay:bought:buygiftcard25:$::ALICE"], '0'],
 [['ZSCORE', "hashpay:user_pending:$::ALICE", 'pur_1'], ''],
 [['GET', 'hashpay:tweet:1001'], 'rejected:expired'],
 [['XLEN', 'hashpay:events'], '1']]



=== TEST 2: its redelivery is a duplicate; a second confirmation is expired too
--- delivery eval
[::dl(::confirm('2001', '7KQ2XD')), ::dl(::confirm('2001', '7KQ2XD')),
 ::dl(::confirm('2002', '7kq2xd', tags => ['confirm7kq2xd']))]
--- redis_init eval
$::TRIMMED
--- response_body eval
[::results(['2001', 'rejected', 'expired']), ::results(['2001', 'duplicate']),
 ::results(['2002', 'rejected', 'expired'])]
--- events eval
[::confirm_rejected('2001', '#Confirm7KQ2XD', 'expired'),
 ::confirm_rejected('2002', '#Confirm7KQ2XD', 'expired')]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '1'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending'],
 [['EXISTS', "hashpay:attempts:$::ALICE"], '0']]



=== TEST 3: counter-proof: the same purchase with its hold present is confirmed
stock 2, sold 1, alice's hold present: the hold becomes the second sale.
--- delivery eval
::dl(::confirm('3001', '7KQ2XD'))
--- redis_init eval
::offer('BuyGiftCard25', stock => 2, sold => 1) . ::linked($::ALICE)
. ::purchase(id => 'pur_1', code => '7KQ2XD')
--- response_body eval
::results(['3001', 'confirmed'])
--- events eval
[::confirmed('9001', '3001')]
--- redis_after eval
[[['HGET', 'hashpay:offer:buygiftcard25', 'sold'], '2'],
 [['HGET', 'hashpay:purchase:pur_1', 'state'], 'confirmed'],
 [['ZCARD', 'hashpay:holds:buygiftcard25'], '0']]



=== TEST 4: a hold trimmed by a clock step cannot be sold twice under load
Stock 1, sold 0: the hold of pur_1 was trimmed; carol's new intent takes
the free unit; alice's confirmation of pur_1 is expired, carol's own
confirmation sells the one unit: sold never exceeds stock.
--- delivery eval
[::dl(::tw(id => '4001', user => $::CAROL, tags => ['BuyGiftCard25'])),
 ::dl(::confirm('4002', '7KQ2XD'))]
--- redis_init eval
::offer('BuyGiftCard25', stock => 1) . ::linked($::ALICE) . ::linked($::CAROL)
. ::purchase(id => 'pur_1', code => '7KQ2XD')
. "ZREM hashpay:holds:buygiftcard25 pur_1\nSET hashpay:purchase_seq 1\n"
--- response_body eval
[::results(['4001', 'intent_created']),
 ::results(['4002', 'rejected', 'expired'])]
--- after_each eval
[undef, sub {
    my $code = HashpayTest::redis('HGET', 'hashpay:purchase:pur_2', 'code');
    my ($status, $body) = ::post(::dl(::tw(id => '4003', user => $::CAROL,
                                           tags => ["Confirm$code"])));
    Test::More::is($body, ::results(['4003', 'confirmed']),
                   'carol confirms the one unit');
    Test::More::is(HashpayTest::redis('HGET', 'hashpay:offer:buygiftcard25',
                                      'sold'), '1', 'sold = stock = 1');
}]
--- redis_after eval
[[['HGET', 'hashpay:purchase:pur_1', 'state'], 'pending'],
 [['HGET', 'hashpay:purchase:pur_2', 'state'], 'confirmed']]
