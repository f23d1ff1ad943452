# The reference consumer (contrib/consumer/hashpay_consumer.py) reads what
# this module really writes: tweets and a card transaction through nginx
# append intent.created, intent.rejected, claim.saved and
# cashback.credited to hashpay:events of the group "workers"; the consumer
# handles each once, from the event's own fields, and the group is left
# with nothing pending or undelivered.  (t/110 runs its own tests.)

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use File::Temp ();
use IPC::Open3 ();
use Symbol ();
use HashpayTest;
use HashpayFlow;
use HashpayCashback;
use HashpayTxn;

our $CONFIG = <<'CONFIG';
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
}

location = /webhooks/card {
    hashpay_transactions;
    hashpay_transactions_secret whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X;
}

location = /ping {
    return 204;
}
CONFIG

sub post_tweet {
    my ($body) = @_;
    my ($status) = ::http('POST', '/webhooks/x', $body,
        'Content-Type: application/json',
        'x-twitter-webhooks-signature: '
        . HashpayTest::sign('test-consumer-secret', $body));
    return $status;
}

sub send_txn {
    my ($id, %f) = @_;
    my $body = ::txn(%f);
    my $ts = time();
    my ($status) = ::http('POST', '/webhooks/card', $body,
        'Content-Type: application/json', "webhook-id: $id",
        "webhook-timestamp: $ts",
        'webhook-signature: ' . ::sw_sign($::SECRET_A, $id, $ts, $body));
    return $status;
}

# the group's pending entries and undelivered ones
sub group_left {
    my $g = HashpayTest::redis('XINFO', 'GROUPS', 'hashpay:events');
    my ($pending) = $g =~ /\npending\n(\d+)/;
    my ($lag) = $g =~ /\nlag\n(\d*)/;
    return ($pending // -1, $lag // '');
}

# runs the consumer until the group has nothing left, then SIGTERM:
# (exit status, output, ledger lines)
sub consume {
    my $dir = File::Temp->newdir();
    my $ledger = "$dir/effects.jsonl";
    my $out = Symbol::gensym();
    my $pid = IPC::Open3::open3(my $in, $out, undef,
        '/usr/bin/python3', 'contrib/consumer/hashpay_consumer.py',
        '--redis', "redis://127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT}/0",
        '--prefix', 'hashpay', '--group', 'workers', '--name', 'live',
        '--block', '200', '--effects', $ledger);
    close $in;
    my $until = Time::HiRes::time() + 30;
    my @lines;
    while (Time::HiRes::time() < $until) {
        @lines = -e $ledger ? do { open my $fh, '<', $ledger; <$fh> } : ();
        my ($pending, $lag) = group_left();
        last if @lines >= 4 && $pending == 0 && $lag eq '0';
        Time::HiRes::sleep(0.1);
    }
    kill 'TERM', $pid;
    my $text = do { local $/; <$out> };
    waitpid($pid, 0);
    return ($? >> 8, $text, [ map { JSON::PP::decode_json($_) } @lines ]);
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: every event the module wrote is handled once, from its own fields
--- http_config
hashpay_redis $TEST_NGINX_REDIS_HOST:$TEST_NGINX_REDIS_PORT;
hashpay_events_group workers;
--- config eval: $::CONFIG
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::offer('BuyGiftCard25') . ::cashback_offer('CoffeeBack', claimed => 1)
. ::linked($::ALICE) . ::linked($::CAROL) . ::claim(id => 'clm_1')
--- after_each eval
[sub {
    my @s = (
        ::post_tweet(::dl(::tw(id => '7001', tags => ['BuyGiftCard25']))),
        ::post_tweet(::dl(::tw(id => '7002', user => $::BOB,
                               tags => ['BuyGiftCard25']))),
        ::post_tweet(::dl(::tw(id => '7003', user => $::CAROL,
                               tags => ['CoffeeBack']))),
        ::send_txn('msg_live', txn_id => 'txn_live'),
    );
    Test::More::is("@s", '200 200 200 200', 'four deliveries answered');

    my $raw = HashpayTest::redis('XRANGE', 'hashpay:events', '-', '+');
    my @types = $raw =~ /^type\n(\S+)$/mg;
    Test::More::is("@types",
                   'intent.created intent.rejected claim.saved '
                   . 'cashback.credited', 'the module wrote four events');

    my ($rc, $out, $ledger) = ::consume();
    Test::More::is($rc, 0, 'SIGTERM: exit status 0') or Test::More::diag($out);
    Test::More::is(CORE::join(' ', map { "$_->{type}:$_->{action}" } @$ledger),
                   'intent.created:reply_tweet intent.rejected:reply_tweet '
                   . 'claim.saved:notify_user cashback.credited:credit_card',
                   'each handled once, in stream order');
    Test::More::is(CORE::join(' ', map { $_->{event_id} } @$ledger),
                   CORE::join(' ', $raw =~ /"event_id":"(\d+)"/g),
                   'by the event_ids the module gave');
    Test::More::like($out,
        qr/reply_tweet: to 7001 \(\@alice\): reply #Confirm[A-Z0-9]{6} before \d\d:\d\d:\d\d UTC to buy BuyGiftCard25 for 2500 USD/,
        'intent.created: the reply with the confirmation hashtag');
    Test::More::like($out,
        qr/reply_tweet: to 7002 \(\@bob\): BuyGiftCard25 cannot be bought: not_linked/,
        'intent.rejected: the reason');
    Test::More::like($out,
        qr/notify_user: user $::CAROL: CoffeeBack cashback of 500 saved to card tok_\d+ \(claim clm_\d+\)/,
        'claim.saved: the saved claim');
    Test::More::like($out,
        qr/credit_card: credit 500 cents to tok_\d+ for CoffeeBack \(claim clm_1, txn txn_live, key hashpay-\d+-\d+-\d+\)/,
        'cashback.credited: the credit and its idempotency key');
    my ($pending, $lag) = ::group_left();
    Test::More::is("$pending $lag", '0 0', 'nothing pending or undelivered');
}]
--- timeout: 40
