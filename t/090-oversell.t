# No oversell (SPEC section 2): two worker processes, many buyers at
# once, a stock of 3.  sold + live holds <= stock is sampled atomically
# (one Lua step) all the while; exactly 3 purchases are confirmed.  One
# tweet delivered 20 times at once has one effect; one code confirmed 20
# times at once gives one purchase.confirmed.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use HashpayTest;
use HashpayFlow;

workers(2);
master_on();

our $BUYERS = 30;
our @USERS = map { '12972345678901' . (20000 + $_) } 1 .. $BUYERS;

# sold + holds whose score (expires_at) is after Redis's now, read at once
our $COMMITTED = <<'LUA';
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local sold = tonumber(redis.call('HGET', KEYS[1], 'sold') or '0')
return sold + redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
LUA

our $MAX_SEEN = 0;
our $SAMPLES = 0;

sub sample {
    my $n = HashpayTest::redis('EVAL', $COMMITTED, 2,
                               'hashpay:offer:gift', 'hashpay:holds:gift');
    $MAX_SEEN = $n if $n > $MAX_SEEN;
    $SAMPLES++;
}

sub count_events {
    my ($type, $reason) = @_;
    return scalar grep { $_->[0] eq $type
                         && (!defined $reason || $_->[1]{reason} eq $reason) }
                  @{ HashpayTest::events() };
}

sub outcomes {
    my %n;
    for (@_) {
        my ($status, $body) = @$_;
        my @o = $body =~ /"outcome":"(\w+)"(?:,"reason":"(\w+)")?/g;
        my $key = $status . ' ' . join(':', grep { defined } @o);
        $n{$key}++;
    }
    return \%n;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: 30 buyers at once against stock 3, then their confirmations at once
Every buyer tweets the offer at the same instant: 3 intents, 27 sold_out.
Then every buyer tweets their code (the 27 without one tweet a made-up
code) while the 27 try to buy again: exactly 3 confirmed, the rest
sold_out or unknown_code.  sold + live holds never exceeds 3.
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::offer('Gift', stock => 3) . CORE::join('', map { ::linked($_, "tok_$_", "u$_") } @::USERS)
--- after_each eval
[sub {
    my @r = ::post_many([ map { ::dl(::tw(id => 90000 + $_, user => $::USERS[$_],
                                          tags => ['Gift'])) } 0 .. $#::USERS ],
                        sample => \&::sample);
    my $o = ::outcomes(@r);
    Test::More::is($o->{'200 intent_created'}, 3, '3 intents');
    Test::More::is($o->{'200 rejected:sold_out'}, $::BUYERS - 3, 'the rest sold_out');
    Test::More::is(HashpayTest::redis('ZCARD', 'hashpay:holds:gift'), 3, '3 holds');

    my (@bodies, $with_code);
    for my $i (0 .. $#::USERS) {
        my $u = $::USERS[$i];
        my $id = HashpayTest::redis('GET', "hashpay:pending:gift:$u");
        if ($id) {
            $with_code++;
            push @bodies, ::dl(::tw(id => 91000 + $i, user => $u,
                                    tags => ['Confirm' . ::code_of($id)]));
        } else {
            push @bodies, ::dl(::tw(id => 91000 + $i, user => $u,
                                    tags => ['ConfirmZZZZZZ']));
            push @bodies, ::dl(::tw(id => 92000 + $i, user => $u,
                                    tags => ['Gift']));
        }
    }
    Test::More::is($with_code, 3, '3 buyers hold a code');

    @r = ::post_many(\@bodies, sample => \&::sample);
    $o = ::outcomes(@r);
    Test::More::is($o->{'200 confirmed'}, 3, '3 confirmed');
    Test::More::is($o->{'200 rejected:sold_out'}, $::BUYERS - 3,
                   'second tries sold_out');
    Test::More::is($o->{'200 rejected:unknown_code'}, $::BUYERS - 3,
                   'made-up codes unknown');
    Test::More::is(::count_events('purchase.confirmed'), 3,
                   '3 purchase.confirmed');
    Test::More::is(::count_events('intent.created'), 3, '3 intent.created');
    Test::More::ok($::SAMPLES > 10, "sampled while running ($::SAMPLES)");
    Test::More::ok($::MAX_SEEN <= 3, "sold + held never above stock ($::MAX_SEEN)");
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:gift', 'sold'], '3'],
 [['ZCARD', 'hashpay:holds:gift'], '0'],
 [['KEYS', 'hashpay:purchase:*'], qr/\A(hashpay:purchase:pur_\d+\n?){3}\z/]]
--- timeout: 30



=== TEST 2: holds expire under load: sold + held stays <= stock across rounds
confirm_ttl 1s, stock 3: a first round of 30 buyers gets 3 holds that
nobody confirms; 1.2 s later a second round gets 3 more (the expired
holds sold again); the first round's late confirmations are all expired,
the second round's all confirm.
--- config
location = /webhooks/x {
    hashpay_webhook;
    hashpay_consumer_secret test-consumer-secret;
    hashpay_confirm_ttl 1s;
}
location = /ping {
    return 204;
}
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::offer('Gift', stock => 3, per_user_limit => 2)
. CORE::join('', map { ::linked($_, "tok_$_", "u$_") } @::USERS)
--- after_each eval
[sub {
    $::MAX_SEEN = 0;
    my @r = ::post_many([ map { ::dl(::tw(id => 93000 + $_, user => $::USERS[$_],
                                          tags => ['Gift'])) } 0 .. $#::USERS ],
                        sample => \&::sample);
    Test::More::is(::outcomes(@r)->{'200 intent_created'}, 3, 'round 1: 3 intents');
    my @first = map { HashpayTest::redis('GET', "hashpay:pending:gift:$_") || () } @::USERS;
    my %first_code = map { $_ => ::code_of($_) } @first;
    my %first_user = map { $_ => ::purchase_of($_)->{user_id} } @first;

    select(undef, undef, undef, 1.2);

    @r = ::post_many([ map { ::dl(::tw(id => 94000 + $_, user => $::USERS[$_],
                                       tags => ['Gift'])) } 0 .. $#::USERS ],
                     sample => \&::sample);
    Test::More::is(::outcomes(@r)->{'200 intent_created'}, 3, 'round 2: 3 intents');

    my @bodies;
    my $n = 0;
    for my $u (@::USERS) {
        my $id = HashpayTest::redis('GET', "hashpay:pending:gift:$u");
        next unless $id && !$first_code{$id};
        push @bodies, ::dl(::tw(id => 95000 + $n++, user => $u,
                                tags => ['Confirm' . ::code_of($id)]));
    }
    for my $id (@first) {
        push @bodies, ::dl(::tw(id => 95000 + $n++, user => $first_user{$id},
                                tags => ['Confirm' . $first_code{$id}]));
    }
    @r = ::post_many(\@bodies, sample => \&::sample);
    my $o = ::outcomes(@r);
    Test::More::is($o->{'200 confirmed'}, 3, 'round 2 confirms');
    Test::More::is($o->{'200 rejected:expired'}, 3, 'round 1 expired');
    Test::More::ok($::MAX_SEEN <= 3, "sold + held never above stock ($::MAX_SEEN)");
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:gift', 'sold'], '3']]
--- timeout: 30



=== TEST 3: one tweet delivered 20 times at once: one intent, 19 duplicates
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::offer('Gift', stock => 3) . ::linked($::ALICE)
--- after_each eval
[sub {
    my $b = ::dl(::tw(id => '96001', tags => ['Gift']));
    my $o = ::outcomes(::post_many([ ($b) x 20 ]));
    Test::More::is($o->{'200 intent_created'}, 1, 'one intent_created');
    Test::More::is($o->{'200 duplicate'}, 19, '19 duplicates');
}]
--- events eval
[::intent_created('96001', offer => 'Gift', purchase_id => 'pur_1')]
--- redis_after eval
[[['ZCARD', 'hashpay:holds:gift'], '1'],
 [['GET', 'hashpay:purchase_seq'], '1']]



=== TEST 4: one code confirmed 20 times at once (20 tweets): one purchase.confirmed
--- request
GET /ping
--- error_code: 204
--- redis_init eval
::offer('Gift', stock => 3) . ::linked($::ALICE)
. ::purchase(id => 'pur_1', tag => 'Gift', code => '7KQ2XD')
--- after_each eval
[sub {
    my $o = ::outcomes(::post_many([ map { ::dl(::tw(id => 97000 + $_,
                                                     tags => ['Confirm7KQ2XD'])) }
                                     1 .. 20 ]));
    Test::More::is($o->{'200 confirmed'}, 1, 'one confirmed');
    Test::More::is($o->{'200 rejected:already_confirmed'}, 19,
                   '19 already_confirmed');
    Test::More::is(::count_events('purchase.confirmed'), 1,
                   'one purchase.confirmed');
    Test::More::is(::count_events('confirm.rejected', 'already_confirmed'), 19,
                   '19 confirm.rejected');
}]
--- redis_after eval
[[['HGET', 'hashpay:offer:gift', 'sold'], '1'],
 [['GET', "hashpay:bought:gift:$::ALICE"], '1'],
 [['ZCARD', 'hashpay:holds:gift'], '0']]
