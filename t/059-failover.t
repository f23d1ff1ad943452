# Failover under load (issue 13, first "Done when" point): a Sentinel
# group of Debian's redis-server and redis-sentinel on 127.0.0.1 (a
# primary, one replica, three sentinels with down-after-milliseconds
# 1000), two nginx edges of their own (2 workers each) with
# hashpay_redis_sentinel, and a steady flow from 4 forked clients, spread
# over both edges: purchase intents, their confirmations (signed X
# deliveries) and card transactions (Standard Webhooks) that redeem
# cashback claims.  The primary is killed with SIGKILL in the middle of the
# flow; once the sentinels have promoted the replica, the killed node is
# started again as a replica of the new primary (what a supervisor that
# restarts redis-server does).
#
# Then the audit, on the new primary:
#   - no request took longer than timeout= + connect_timeout= + WAIT's T
#     + a margin for a loaded machine (a bound on hangs, not a speed
#     figure);
#   - each edge answered 200 again, without a reload, within a bounded
#     time of the promotion;
#   - every request answered 200 is in Redis (its record) with the outcome
#     answered, and has at most one event; "lost" = answered 200 but
#     absent after the failover;
#   - every request answered 503 is delivered again (same body, same
#     signature, same webhook-id) until 200: each acts exactly once (one
#     record, at most one event per id, events = purchase hashes =
#     sold; events = redeemed claims = the offer's redeemed);
#   - sold + held <= stock, sampled every ~20 ms during the flow and at
#     the end.
#
# It runs twice: without hashpay_redis_wait (a loss is allowed there, and
# printed), and with "hashpay_redis_wait 1 500ms" (the loss must be 0).
#
# Why one replica: WAIT N proves that N replicas received a write, not
# which ones, and Sentinel promotes the replica it finds best (priority,
# then replication offset, among those it considers fit), not one that
# acknowledged a particular write.  With R replicas, "hashpay_redis_wait
# N" guarantees that a 200 survives any promotion only when N = R: then
# every candidate holds it.  With R = 1 that is N = 1.  The price: while
# the new primary has fewer than N replicas, every change is 503, so the
# killed node (or a new replica) must come back before traffic does; with
# wait this file therefore restarts it right after the promotion.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes ();
use File::Temp ();
use POSIX ();
use IO::Select ();
use IO::Socket::INET ();
use JSON::PP ();
use HashpayTest ();
use HashpayFlow ();
use HashpayTxn ();
use HashpayHA qw(spawn_redis_node kill_node restart_node spawn_sentinels
                 primary_port spawn_nginx stop_nginx pipeline reply
                 wait_until);

my $module = $ENV{TEST_NGINX_LOAD_MODULES}
             || Cwd::getcwd() . '/build/ngx_http_hashpay_module.so';
plan(skip_all => "module not built ($module)") unless -f $module;

my $Json = JSON::PP->new;

my $CLIENTS = 4;
my $STEPS = 400;            # users per client and kind, at most
my $STOCK = 500;            # of the purchase offer
my $PAUSE = 0.03;           # between two steps of a client
my $TIMEOUT_MS = 2000;      # timeout=
my $CONNECT_MS = 500;       # connect_timeout=
my $WAIT_MS = 500;          # hashpay_redis_wait 1 <T>
my $MARGIN_MS = 3000;       # for a loaded machine
my $BACK_S = 20;            # 200 again within this of the promotion

my $SECRET = 'test-consumer-secret';

my %Lost;

for my $mode ('nowait', 'wait') {
    run_mode($mode);
}

diag(sprintf('lost (answered 200, absent after the failover): '
             . 'without hashpay_redis_wait %d, with it %d',
             $Lost{nowait} // -1, $Lost{wait} // -1));

done_testing();

# ---------------------------------------------------------------------

sub puser { sprintf('129720%d%07d', $_[0], $_[1]) }
sub tuser { sprintf('129721%d%07d', $_[0], $_[1]) }

# the Redis data of a mode: the purchase offer, the cashback offer, the
# linked users, one saved claim per transaction user
sub setup {
    my ($port, $m, $users) = @_;
    my @c;

    push @c, [ 'HSET', 'hashpay:offer:hagift', tag => 'HaGift',
               kind => 'purchase', title => 'Gift', price_cents => 2500,
               currency => 'USD', stock => $STOCK, per_user_limit => 1,
               min_account_age_days => 0, active => 1, sold => 0,
               redeemed => 0, created_at => 1700000000000,
               updated_at => 1700000000000 ],
             [ 'ZADD', 'hashpay:offers', 0, 'hagift' ],
             [ 'HSET', 'hashpay:offer:haback', tag => 'HaBack',
               kind => 'cashback', title => 'Coffee', currency => 'USD',
               stock => 100000, per_user_limit => 1,
               min_account_age_days => 0, merchant_id => 'mch_coffee',
               cashback_cents => 500, min_spend_cents => 2000, active => 1,
               claimed => $users, redeemed => 0,
               created_at => 1700000000000, updated_at => 1700000000000 ],
             [ 'ZADD', 'hashpay:offers', 0, 'haback' ],
             [ 'SET', 'hashpay:claim_seq', $users ];

    for my $i (1 .. $users) {
        my $u = puser($m, $i);
        push @c, [ 'HSET', "hashpay:link:$u", user_id => $u,
                   card_token => "tok_$u", screen_name => "u$u",
                   linked_at => 1700000000000 ],
                 [ 'SET', "hashpay:card:tok_$u", $u ];

        my $t = tuser($m, $i);
        push @c, [ 'HSET', "hashpay:link:$t", user_id => $t,
                   card_token => "tok_$t", screen_name => "u$t",
                   linked_at => 1700000000000 ],
                 [ 'SET', "hashpay:card:tok_$t", $t ],
                 [ 'HSET', "hashpay:claim:clm_$i", id => "clm_$i",
                   offer => 'HaBack', offer_key => 'haback', user_id => $t,
                   screen_name => "u$t", card_token => "tok_$t",
                   tweet_id => 8000 + $i, state => 'saved',
                   merchant_id => 'mch_coffee', currency => 'USD',
                   cashback_cents => 500, min_spend_cents => 2000,
                   created_at => 1700000000000 ],
                 [ 'ZADD', "hashpay:claims:$t", $i, "clm_$i" ],
                 [ 'ZADD', "hashpay:claims:$t:mch_coffee:USD", $i,
                   "clm_$i" ];
    }

    my @r = pipeline($port, @c);
    my @bad = grep { defined $_ && !ref $_ && /^(ERR|WRONGTYPE)/ } @r;
    die "setup: @bad[0 .. 0]" if @bad;
}

# the bodies and headers of a request, from its record's fields
sub request_of {
    my ($kind, $id, $user, $extra) = @_;

    if ($kind eq 'txn') {
        my $body = HashpayTxn::txn(txn_id => "txn_$id",
                                   card_token => "tok_$user",
                                   merchant_id => 'mch_coffee',
                                   amount_cents => 2500, currency => 'USD',
                                   at => $extra);
        my $sig = HashpayTxn::sw_sign($HashpayTxn::SECRET_A, "msg_$id",
                                      $extra, $body);
        return ('/webhooks/card', $body, "webhook-id: msg_$id",
                "webhook-timestamp: $extra", "webhook-signature: $sig");
    }

    my $tag = $kind eq 'intent' ? 'HaGift' : "Confirm$extra";
    my $body = HashpayFlow::dl(HashpayFlow::tw(id => $id, user => $user,
                                               name => "u$user",
                                               tags => [$tag]));
    return ('/webhooks/x', $body, 'x-twitter-webhooks-signature: '
            . HashpayTest::sign($SECRET, $body));
}

# One POST; (status, outcome, ms, start, end).  Never waits more than
# 60 s for the answer (a hang shows as a duration, not as a stuck test).
sub send_req {
    my ($port, $uri, $body, @hdrs) = @_;
    my $t0 = Time::HiRes::time();
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp',
                                     Timeout => 5);
    my ($status, $outcome) = ('none', '');

    if ($sock) {
        print $sock "POST $uri HTTP/1.1\r\nHost: localhost\r\n"
            . "Connection: close\r\nContent-Type: application/json\r\n"
            . join('', map { "$_\r\n" } @hdrs)
            . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
        my $sel = IO::Select->new($sock);
        my $resp = '';
        my $until = $t0 + 60;

        while (Time::HiRes::time() < $until) {
            last unless $sel->can_read($until - Time::HiRes::time());
            my $n = sysread($sock, $resp, 65536, length $resp);
            last unless $n;
        }

        close $sock;
        ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
        $status //= 'none';

        if ($status eq '200') {
            my ($b) = $resp =~ m{\r\n\r\n(.*)\z}s;
            my $r = eval { $Json->decode($b) };
            $outcome = !$r ? 'bad_body'
                     : exists $r->{results} ? $r->{results}[0]{outcome}
                     : $r->{outcome};
        }
    }

    my $t1 = Time::HiRes::time();
    return ($status, $outcome eq '' ? '-' : $outcome,
            int(1000 * ($t1 - $t0)), $t0, $t1);
}

# the code of a user's pending purchase on the primary the sentinels give
# now; undef if none within $secs
sub code_of {
    my ($sentinels, $u, $secs) = @_;
    my $code;

    wait_until(sub {
        my $p = primary_port(@$sentinels) or return 0;
        my $id = reply($p, 'GET', "hashpay:pending:hagift:$u");
        return 0 unless defined $id && $id =~ /^pur_/;
        $code = reply($p, 'HGET', "hashpay:purchase:$id", 'code');
        defined $code && $code =~ /^[A-Z0-9]{6}$/;
    }, $secs);

    return $code;
}

# One client: its users, a purchase (intent, then confirmation) and a
# card transaction per step, on the edges in turn, until $dir/done.
# Writes a line per request: kind id user extra edge status outcome ms
# start end
sub client {
    my ($c, $m, $dir, $edges, $sentinels) = @_;
    open(my $out, '>', "$dir/$c") or POSIX::_exit(1);
    $out->autoflush(1);
    my $ts = int(time());

    for my $k (0 .. $STEPS - 1) {
        last if -e "$dir/done";
        my $i = 1 + $c + $k * $CLIENTS;
        my $edge = $edges->[($k + $c) % 2];
        my $u = puser($m, $i);
        my $id = $m * 1000000000 + 1580000000000000000 + 10 * $i;

        my @r = send_req($edge->{port}, request_of('intent', $id, $u, ''));
        print $out "intent $id $u - $edge->{port} @r\n";

        if ($r[0] eq '200' && $r[1] eq 'intent_created') {
            my $code = code_of($sentinels, $u, 1);

            if (defined $code) {
                $edge = $edges->[($k + $c + 1) % 2];
                @r = send_req($edge->{port},
                              request_of('confirm', $id + 1, $u, $code));
                print $out "confirm " . ($id + 1)
                    . " $u $code $edge->{port} @r\n";
            }
        }

        my $t = tuser($m, $i);
        @r = send_req($edge->{port}, request_of('txn', $id + 2, $t, $ts));
        print $out "txn " . ($id + 2) . " $t $ts $edge->{port} @r\n";

        Time::HiRes::sleep($PAUSE);
    }

    close $out;
    POSIX::_exit(0);
}

# sold and live holds of the purchase offer, read in one script
sub sample {
    my ($port) = @_;
    my @keys = ('hashpay:offer:hagift', 'hashpay:holds:hagift');
    my $r = reply($port, 'EVAL', <<'LUA', 2, @keys);
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
return { tonumber(redis.call('HGET', KEYS[1], 'sold') or 0),
         redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') }
LUA
    return ref $r eq 'ARRAY' ? @$r : ();
}

# a request delivered again until 200 (0.1 s apart, 30 s at most)
sub redeliver {
    my ($edges, $kind, $id, $user, $extra) = @_;
    my @r;

    for my $try (0 .. 300) {
        my $edge = $edges->[$try % 2];
        @r = send_req($edge->{port}, request_of($kind, $id, $user, $extra));
        return @r if $r[0] eq '200';
        Time::HiRes::sleep(0.1);
    }

    return @r;
}

sub run_mode {
    my ($mode) = @_;
    my $m = $mode eq 'wait' ? 2 : 1;
    my $users = $CLIENTS * $STEPS;
    my $bound = $TIMEOUT_MS + $CONNECT_MS
                + ($mode eq 'wait' ? $WAIT_MS : 0) + $MARGIN_MS;

    note("$mode: a primary, a replica, three sentinels");
    my $p = spawn_redis_node();
    my $r = spawn_redis_node(replicaof => $p->{port});
    my @sentinels = spawn_sentinels(3, $p->{port}, down_after => 1000,
                                    failover_timeout => 3000);
    setup($p->{port}, $m, $users);
    is(reply($p->{port}, 'WAIT', 1, 5000), 1, "$mode: the replica has "
       . "the data");

    my $http = '    hashpay_redis_sentinel '
        . join(' ', map { "127.0.0.1:$_->{port}" } @sentinels)
        . " master=m connect_timeout=${CONNECT_MS}ms timeout=${TIMEOUT_MS}ms;\n"
        . ($mode eq 'wait' ? "    hashpay_redis_wait 1 ${WAIT_MS}ms;\n" : '');
    my $server = <<"SERVER";
        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $SECRET;
            hashpay_operator_accounts 15234567;
        }
        location = /webhooks/card {
            hashpay_transactions;
            hashpay_transactions_secret $HashpayTxn::SECRET_A;
        }
SERVER
    my @edges = map { spawn_nginx(http => $http, server => $server) } 1, 2;
    my @masters = map { $_->{pid} } @edges;

    my $dir = File::Temp::tempdir('hashpay-059-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my @pids;

    for my $c (0 .. $CLIENTS - 1) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        client($c, $m, $dir, \@edges, \@sentinels) if $pid == 0;
        push @pids, $pid;
    }

    # the parent: samples sold + held, cuts the replica's link after
    # 1.5 s (CLIENT KILL TYPE replica, with a masterauth on the replica
    # that the primary refuses, so that it cannot connect again) and kills
    # the primary 0.3 s later, while the replica is behind, so that what the primary
    # acknowledged meanwhile is what a failover loses (on loopback a
    # healthy replica is never behind by more than microseconds);
    # waits for the promotion, restarts the killed node as a replica,
    # lets the flow run 5 s more
    my $t_start = Time::HiRes::time();
    my ($t_cut, $t_kill, $t_promo, $t_end, $new);
    my $primary = $p->{port};
    my (@over, $samples);

    while (1) {
        my $now = Time::HiRes::time();
        my @s = eval { sample($primary) };

        if (@s == 2) {
            $samples++;
            push @over, "sold $s[0] + held $s[1]" if $s[0] + $s[1] > $STOCK;
        }

        if (!$t_cut && $now - $t_start > 1.5) {
            reply($r->{port}, 'CONFIG', 'SET', 'masterauth', 'cut');
            reply($p->{port}, 'CLIENT', 'KILL', 'TYPE', 'replica');
            $t_cut = $now;
        }

        if (!$t_kill && $t_cut && $now - $t_cut > 0.3) {
            my $link = (reply($r->{port}, 'INFO', 'replication') // '')
                       =~ /master_link_status:(\w+)/ ? $1 : '?';
            kill_node($p);
            reply($r->{port}, 'CONFIG', 'SET', 'masterauth', '');
            note("$mode: the replica's link was $link when the primary "
                 . "was killed");
            $t_kill = Time::HiRes::time();
            note(sprintf("$mode: primary %d killed (SIGKILL)", $p->{port}));
        }

        if ($t_kill && !$t_promo) {
            my $port = primary_port(@sentinels);

            if (defined $port && $port != $p->{port}) {
                $t_promo = Time::HiRes::time();
                $new = $primary = $port;
                note(sprintf("$mode: %d promoted %.1f s after the kill",
                             $port, $t_promo - $t_kill));
                restart_node($p, replicaof => $port);
                note(sprintf("$mode: the killed node is a replica again "
                             . "%.1f s after the promotion",
                             Time::HiRes::time() - $t_promo));
                $t_end = Time::HiRes::time() + 5;
            }
        }

        last if $t_end && $now > $t_end;
        last if $t_kill && !$t_promo && $now - $t_kill > 60;
        last unless grep { kill 0, $_ } @pids;
        Time::HiRes::sleep(0.02);
    }

    open(my $done, '>', "$dir/done") or die "$dir: $!";
    close $done;
    waitpid($_, 0) for @pids;

    ok($t_promo, "$mode: the sentinels promoted the replica");
    is($new, $r->{port}, "$mode: the new primary is the old replica");
    return unless $t_promo;

    my @rec;
    for my $c (0 .. $CLIENTS - 1) {
        open(my $fh, '<', "$dir/$c") or next;
        push @rec, map { chomp; [ split ' ' ] } <$fh>;
        close $fh;
    }

    # kind id user extra edge status outcome ms start end
    my @slow = grep { $_->[7] > $bound } @rec;
    my @odd = grep { $_->[5] ne '200' && $_->[5] ne '503' } @rec;
    my @refused = grep { $_->[5] ne '200' } @rec;
    my $max = 0;
    $max = $_->[7] > $max ? $_->[7] : $max for @rec;

    note(sprintf("$mode: %d requests (%d intents, %d confirmations, %d "
                 . "transactions), %d answered 503, the longest %d ms",
                 scalar @rec, scalar(grep { $_->[0] eq 'intent' } @rec),
                 scalar(grep { $_->[0] eq 'confirm' } @rec),
                 scalar(grep { $_->[0] eq 'txn' } @rec),
                 scalar @refused, $max));
    ok(@rec > 100, "$mode: a flow of requests (" . scalar(@rec) . ")");
    ok(scalar(grep { $_->[9] < $t_kill && $_->[5] eq '200' } @rec),
       "$mode: 200s before the kill");
    is(join(' ', map { "$_->[0]:$_->[1]:$_->[7]ms" } @slow), '',
       "$mode: no request took more than $bound ms (the longest $max)");
    is(join(' ', map { "$_->[0]:$_->[1]:$_->[5]" } @odd), '',
       "$mode: nothing but 200 and 503");

    # 200 again on each edge, without a reload
    for my $e (@edges) {
        my ($first) = sort { $a <=> $b } map { $_->[9] }
            grep { $_->[4] == $e->{port} && $_->[5] eq '200'
                   && $_->[8] > $t_promo } @rec;
        ok(defined $first && $first - $t_promo < $BACK_S,
           sprintf("$mode: edge %d answers 200 again %.1f s after the "
                   . "promotion", $e->{port}, ($first // 0) - $t_promo));
    }

    is(join(' ', map { kill(0, $_) ? 'up' : 'gone' } @masters), 'up up',
       "$mode: the same nginx masters (no restart)");
    is(scalar(grep { /signal process started|reconfiguring/ }
              map { slurp($_->{log}) } @edges), 0,
       "$mode: no reload");

    # what the new primary holds of each request answered 200
    my $lost = 0;
    my (@lost, @wrong);
    my %answered;

    for my $x (grep { $_->[5] eq '200' } @rec) {
        my ($kind, $id, $user, $extra, $edge, $st, $outcome) = @$x;
        my $key = $kind eq 'txn' ? "hashpay:txn:txn_$id"
                                 : "hashpay:tweet:$id";
        my $v = reply($new, 'GET', $key);
        $answered{$id} = $outcome;

        if (!defined $v) {
            push @lost, "$kind:$id:$outcome";
        } elsif ($v !~ /^\Q$outcome\E:/) {
            push @wrong, "$kind:$id:$outcome:$v";
        }
    }

    $Lost{$mode} = scalar @lost;
    diag("$mode: lost " . scalar(@lost) . " of "
         . scalar(keys %answered) . " requests answered 200"
         . (@lost ? ': ' . join(' ', @lost[0 .. ($#lost < 5 ? $#lost : 5)])
                    . (@lost > 6 ? ' ...' : '') : ''));
    is("@wrong", '', "$mode: each request answered 200 and kept has the "
       . "outcome answered");

    if ($mode eq 'wait') {
        is(scalar @lost, 0, "$mode: nothing answered 200 was lost");
    }

    # the 503s delivered again until 200
    my (%final, @failed, %redone);

    for my $x (@refused) {
        my ($kind, $id, $user, $extra) = @$x;
        my @r = redeliver(\@edges, $kind, $id, $user, $extra);
        $redone{$r[1]}++;
        push @failed, "$kind:$id:$r[0]" if $r[0] ne '200';
        $final{$id} = $r[1];
    }

    note("$mode: the " . scalar(@refused) . " requests answered 503, "
         . "delivered again: "
         . join(', ', map { "$_ $redone{$_}" } sort keys %redone));
    is("@failed", '', "$mode: every request answered 503 is 200 "
       . "delivered again");

    # intents that hold a purchase and were not confirmed yet (their
    # confirmation was not sent, or was refused): confirm them now
    my %confirmed = map { $_->[2] => 1 }
                    grep { $_->[0] eq 'confirm' } @rec;
    my @unconfirmed;

    for my $x (grep { $_->[0] eq 'intent' } @rec) {
        my ($kind, $id, $user) = @$x;
        next if $confirmed{$user};
        my $pid = reply($new, 'GET', "hashpay:pending:hagift:$user");
        next unless defined $pid;
        my $code = reply($new, 'HGET', "hashpay:purchase:$pid", 'code');
        my @r = redeliver(\@edges, 'confirm', $id + 1, $user, $code);
        push @unconfirmed, "$id:$r[0]:$r[1]" unless $r[1] eq 'confirmed';
    }

    is("@unconfirmed", '', "$mode: the confirmations sent after the "
       . "recovery are confirmed");

    # exactly once: events, purchase hashes, claims, counters
    my $entries = reply($new, 'XRANGE', 'hashpay:events', '-', '+');
    my (%ev, %type);

    for my $e (@$entries) {
        my %f = @{ $e->[1] };
        my $d = $Json->decode($f{data});
        my $id = $f{type} eq 'purchase.confirmed' ? $d->{confirm_tweet_id}
               : $f{type} eq 'cashback.credited'
                 ? ($d->{txn_id} =~ s/^txn_//r)
               : $d->{tweet_id};
        $ev{$id}++;
        $type{$f{type}}++;
    }

    my @twice = grep { $ev{$_} > 1 } keys %ev;
    is("@twice", '', "$mode: no request has two events");

    my @acted = grep {
        my $v = reply($new, 'GET', /(\d)$/ && $1 == 2
                      ? "hashpay:txn:txn_$_" : "hashpay:tweet:$_") // '';
        $v =~ /^(intent_created|confirmed|credited):/
    } map { $_->[1] } @rec;
    my @noevent = grep { !$ev{$_} } @acted;
    is("@noevent", '', "$mode: each request that created, confirmed or "
       . "credited has its event (" . scalar(@acted) . ")");

    my $keys = reply($new, 'KEYS', 'hashpay:purchase:*');
    my (%state, %per_user);

    for my $k (@$keys) {
        my %h = @{ reply($new, 'HGETALL', $k) };
        $state{$h{state}}++;
        $per_user{$h{user_id}}++;
    }

    is(scalar(grep { $per_user{$_} > 1 } keys %per_user), 0,
       "$mode: one purchase per user at most");
    is(($state{pending} // 0) + ($state{confirmed} // 0),
       $type{'intent.created'} // 0,
       "$mode: a purchase hash per intent.created event");
    is($state{confirmed} // 0, $type{'purchase.confirmed'} // 0,
       "$mode: a confirmed purchase per purchase.confirmed event");

    my $sold = reply($new, 'HGET', 'hashpay:offer:hagift', 'sold');
    is($sold, $type{'purchase.confirmed'} // 0,
       "$mode: sold counts the confirmations ($sold)");

    my @redeemed = grep {
        (reply($new, 'HGET', "hashpay:claim:clm_$_", 'state') // '')
            eq 'redeemed'
    } 1 .. $users;
    is(scalar @redeemed, $type{'cashback.credited'} // 0,
       "$mode: a redeemed claim per cashback.credited event ("
       . scalar(@redeemed) . ")");
    is(reply($new, 'HGET', 'hashpay:offer:haback', 'redeemed'),
       scalar @redeemed, "$mode: the offer counts them");

    my @s = sample($new);
    push @over, "end: sold $s[0] + held $s[1]" if $s[0] + $s[1] > $STOCK;
    ok($samples > 50, "$mode: sold + held sampled during the flow "
       . "($samples times)");
    is("@over", '', "$mode: sold + held <= stock $STOCK throughout "
       . "(at the end: $s[0] + $s[1])");

    note("$mode: events " . join(', ', map { "$_ $type{$_}" }
                                       sort keys %type));

    stop_nginx($_) for @edges;
    HashpayHA::stop_all();
}

sub slurp {
    my ($f) = @_;
    open(my $fh, '<', $f) or return ();
    my @l = <$fh>;
    close $fh;
    return @l;
}
