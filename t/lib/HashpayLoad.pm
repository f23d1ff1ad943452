package HashpayLoad;

# A steady flow of money over several nginx edges, and its audit once
# Redis has failed over (t/059-failover.t with Sentinel, t/057-cluster.t
# with a Cluster).  Plain Test::More assertions.
#
#   setup_cmds($p, $m, $users, $stock)
#       the Redis commands (array refs) of a flow's data under prefix $p
#       ("hashpay" or "{hashpay}"), flow number $m: a purchase offer
#       HaGift of $stock, a cashback offer HaBack, $users purchase users
#       linked, $users card users linked with one saved claim each
#   flow(%o)
#       $o{clients} forked clients, each up to $o{steps} steps, a step
#       being: a purchase intent, its confirmation if created (the code
#       read by $o{code}->($user), undef when not found within a second:
#       the confirmation is then sent after the recovery), and a card
#       transaction; edges ($o{edges}, { port }) in turn; $o{pause} s
#       between steps ($o{pause_refused} after a step with a refusal).
#       Meanwhile the parent calls $o{sample}->() (sold,
#       held, or () when Redis cannot say) and $o{tick}->() (true: stop
#       the flow) every 20 ms.  Returns { records => [...], samples,
#       over => [...] } with records [kind id user extra edge status
#       outcome ms start end].
#   sample_cmd($p)   the EVAL that reads sold and live holds at once
#   edge_server()    the server block of an edge (both webhook kinds)
#   audit(%o)
#       the assertions (see t/059-failover.t); $o{read}->(@cmd) reads the
#       current primary; returns the number lost (answered 200, absent).

use strict;
use warnings;

use Test::More ();
use Time::HiRes ();
use File::Temp ();
use POSIX ();
use IO::Select ();
use IO::Socket::INET ();
use JSON::PP ();
use HashpayTest ();
use HashpayFlow ();
use Digest::SHA ();
use MIME::Base64 ();
use Exporter 'import';

our @EXPORT_OK = qw(setup_cmds flow audit edge_server sample_cmd);

our $SECRET = 'test-consumer-secret';

# The card-transaction secret (HashpayTxn's secret A).  HashpayTxn itself
# is not loaded here: it registers a block preprocessor that would give
# the Test::Nginx blocks of the file that loads this module its
# transactions location instead of the webhook one.
our $TXN_SECRET = 'whsec_7FR00wwQDfVsU4B2x5+lpMdiLNTYSs+X';

# a transaction body (fields in the contract's order) and its Standard
# Webhooks signature, as HashpayTxn's txn() and sw_sign() make them
sub txn_body {
    my ($txn_id, $token, $at) = @_;
    return '{"txn_id":"' . $txn_id . '","card_token":"' . $token
           . '","merchant_id":"mch_coffee","amount_cents":2500,'
           . '"currency":"USD","at":' . $at . '}';
}

sub txn_sign {
    my ($id, $ts, $body) = @_;
    (my $k = $TXN_SECRET) =~ s/^whsec_//;
    return 'v1,' . MIME::Base64::encode_base64(Digest::SHA::hmac_sha256(
               "$id.$ts.$body", MIME::Base64::decode_base64($k)), '');
}

my $Json = JSON::PP->new;

sub puser { sprintf('129720%d%07d', $_[0], $_[1]) }
sub tuser { sprintf('129721%d%07d', $_[0], $_[1]) }

# the server block of an edge: X deliveries and card transactions
sub edge_server {
    return <<"SERVER";
        location = /webhooks/x {
            hashpay_webhook;
            hashpay_consumer_secret $SECRET;
            hashpay_operator_accounts 15234567;
        }
        location = /webhooks/card {
            hashpay_transactions;
            hashpay_transactions_secret $TXN_SECRET;
        }
SERVER
}

sub setup_cmds {
    my ($p, $m, $users, $stock) = @_;
    my @c;

    push @c, [ 'HSET', "$p:offer:hagift", tag => 'HaGift',
               kind => 'purchase', title => 'Gift', price_cents => 2500,
               currency => 'USD', stock => $stock, per_user_limit => 1,
               min_account_age_days => 0, active => 1, sold => 0,
               redeemed => 0, created_at => 1700000000000,
               updated_at => 1700000000000 ],
             [ 'ZADD', "$p:offers", 0, 'hagift' ],
             [ 'HSET', "$p:offer:haback", tag => 'HaBack',
               kind => 'cashback', title => 'Coffee', currency => 'USD',
               stock => 100000, per_user_limit => 1,
               min_account_age_days => 0, merchant_id => 'mch_coffee',
               cashback_cents => 500, min_spend_cents => 2000, active => 1,
               claimed => $users, redeemed => 0,
               created_at => 1700000000000, updated_at => 1700000000000 ],
             [ 'ZADD', "$p:offers", 0, 'haback' ],
             [ 'SET', "$p:claim_seq", $users ];

    for my $i (1 .. $users) {
        my $u = puser($m, $i);
        push @c, [ 'HSET', "$p:link:$u", user_id => $u,
                   card_token => "tok_$u", screen_name => "u$u",
                   linked_at => 1700000000000 ],
                 [ 'SET', "$p:card:tok_$u", $u ];

        my $t = tuser($m, $i);
        push @c, [ 'HSET', "$p:link:$t", user_id => $t,
                   card_token => "tok_$t", screen_name => "u$t",
                   linked_at => 1700000000000 ],
                 [ 'SET', "$p:card:tok_$t", $t ],
                 [ 'HSET', "$p:claim:clm_$i", id => "clm_$i",
                   offer => 'HaBack', offer_key => 'haback', user_id => $t,
                   screen_name => "u$t", card_token => "tok_$t",
                   tweet_id => 8000 + $i, state => 'saved',
                   merchant_id => 'mch_coffee', currency => 'USD',
                   cashback_cents => 500, min_spend_cents => 2000,
                   created_at => 1700000000000 ],
                 [ 'ZADD', "$p:claims:$t", $i, "clm_$i" ],
                 [ 'ZADD', "$p:claims:$t:mch_coffee:USD", $i, "clm_$i" ];
    }

    return @c;
}

# the URI, body and headers of a request, from its record's fields
sub request_of {
    my ($kind, $id, $user, $extra) = @_;

    if ($kind eq 'txn') {
        my $body = txn_body("txn_$id", "tok_$user", $extra);
        my $sig = txn_sign("msg_$id", $extra, $body);
        return ('/webhooks/card', $body, "webhook-id: msg_$id",
                "webhook-timestamp: $extra", "webhook-signature: $sig");
    }

    my $tag = $kind eq 'intent' ? 'HaGift'
            : $kind eq 'post' ? $extra : "Confirm$extra";
    my $body = HashpayFlow::dl(HashpayFlow::tw(id => $id, user => $user,
                                               name => "u$user",
                                               tags => [$tag]));
    return ('/webhooks/x', $body, 'x-twitter-webhooks-signature: '
            . HashpayTest::sign($SECRET, $body));
}

# One POST: (status, outcome, ms, start, end).  Waits at most 60 s for
# the answer, so that a hang shows as a duration, not as a stuck test.
sub send_req {
    my ($port, $uri, $body, @hdrs) = @_;
    my $t0 = Time::HiRes::time();
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp',
                                     Timeout => 5);
    my ($status, $outcome) = ('none', '-');

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
    return ($status, $outcome, int(1000 * ($t1 - $t0)), $t0, $t1);
}

# a request delivered again until 200 (0.1 s apart, 30 s at most)
sub redeliver {
    my ($edges, @req) = @_;
    my @r;

    for my $try (0 .. 300) {
        my $edge = $edges->[$try % @$edges];
        @r = send_req($edge->{port}, request_of(@req));
        return @r if $r[0] eq '200';
        Time::HiRes::sleep(0.1);
    }

    return @r;
}

sub client {
    my ($c, $o, $dir) = @_;
    my $edges = $o->{edges};
    my $n = @$edges;
    open(my $out, '>', "$dir/$c") or POSIX::_exit(1);
    $out->autoflush(1);
    my $ts = int(time());
    my $m = $o->{m};

    for my $k (0 .. $o->{steps} - 1) {
        last if -e "$dir/done";
        my $i = 1 + $c + $k * $o->{clients};
        my $edge = $edges->[($k + $c) % $n];
        my $u = puser($m, $i);
        my $id = $m * 1000000000 + 1580000000000000000 + 10 * $i;

        my @r = send_req($edge->{port}, request_of('intent', $id, $u, ''));
        print $out "intent $id $u - $edge->{port} @r\n";
        my $refused = $r[0] ne '200';

        if ($r[0] eq '200' && $r[1] eq 'intent_created') {
            my $code = eval { $o->{code}->($u) };

            if (defined $code) {
                $edge = $edges->[($k + $c + 1) % $n];
                @r = send_req($edge->{port},
                              request_of('confirm', $id + 1, $u, $code));
                print $out "confirm " . ($id + 1)
                    . " $u $code $edge->{port} @r\n";
                $refused ||= $r[0] ne '200';
            }
        }

        my $t = tuser($m, $i);
        @r = send_req($edge->{port}, request_of('txn', $id + 2, $t, $ts));
        print $out "txn " . ($id + 2) . " $t $ts $edge->{port} @r\n";
        $refused ||= $r[0] ne '200';

        # a sender refused waits longer before its next request
        Time::HiRes::sleep($refused ? $o->{pause_refused} // $o->{pause}
                                    : $o->{pause});
    }

    close $out;
    POSIX::_exit(0);
}

sub flow {
    my (%o) = @_;
    my $dir = File::Temp::tempdir('hashpay-flow-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my @pids;

    for my $c (0 .. $o{clients} - 1) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        client($c, \%o, $dir) if $pid == 0;
        push @pids, $pid;
    }

    my ($samples, @over) = (0);

    while (1) {
        my @s = eval { $o{sample}->() };

        if (@s == 2) {
            $samples++;
            push @over, "sold $s[0] + held $s[1]"
                if $s[0] + $s[1] > $o{stock};
        }

        last if $o{tick}->();
        last unless grep { kill 0, $_ } @pids;
        Time::HiRes::sleep(0.02);
    }

    open(my $done, '>', "$dir/done") or die "$dir: $!";
    close $done;
    waitpid($_, 0) for @pids;

    my @rec;
    for my $c (0 .. $o{clients} - 1) {
        open(my $fh, '<', "$dir/$c") or next;
        push @rec, map { chomp; [ split ' ' ] } <$fh>;
        close $fh;
    }

    return { records => \@rec, samples => $samples, over => \@over };
}

# %o: name, records, samples, over, edges, masters (pids), logs, read,
# prefix, m, users, stock, bound (ms), t_kill, t_promo, back (s),
# no_loss (assert 0 lost)
sub audit {
    my (%o) = @_;
    my $name = $o{name};
    my $p = $o{prefix};
    my $read = $o{read};
    my @rec = @{ $o{records} };
    my $bound = $o{bound};

    my @slow = grep { $_->[7] > $bound } @rec;
    my @odd = grep { $_->[5] ne '200' && $_->[5] ne '503' } @rec;
    my @refused = grep { $_->[5] ne '200' } @rec;
    my $max = 0;
    $max = $_->[7] > $max ? $_->[7] : $max for @rec;

    Test::More::note(sprintf("$name: %d requests (%d intents, %d "
                 . "confirmations, %d transactions), %d answered 503, the "
                 . "longest %d ms",
                 scalar @rec, scalar(grep { $_->[0] eq 'intent' } @rec),
                 scalar(grep { $_->[0] eq 'confirm' } @rec),
                 scalar(grep { $_->[0] eq 'txn' } @rec),
                 scalar @refused, $max));
    Test::More::ok(@rec > 100, "$name: a flow of requests ("
                   . scalar(@rec) . ")");
    Test::More::ok(scalar(grep { $_->[9] < $o{t_kill} && $_->[5] eq '200' }
                          @rec), "$name: 200s before the failure");
    Test::More::is(join(' ', map { "$_->[0]:$_->[1]:$_->[7]ms" } @slow), '',
                   "$name: no request took more than $bound ms (the "
                   . "longest $max)");
    Test::More::is(join(' ', map { "$_->[0]:$_->[1]:$_->[5]" } @odd), '',
                   "$name: nothing but 200 and 503");

    # 200 again on each edge, without a reload
    for my $e (@{ $o{edges} }) {
        my ($first) = sort { $a <=> $b } map { $_->[9] }
            grep { $_->[4] == $e->{port} && $_->[5] eq '200'
                   && $_->[8] > $o{t_promo} } @rec;
        Test::More::ok(defined $first && $first - $o{t_promo} < $o{back},
            "$name: edge $e->{port} answers 200 again "
            . (defined $first ? sprintf('%.1f s after the promotion',
                                        $first - $o{t_promo})
                              : 'never after the promotion'));
    }

    if ($o{masters}) {
        Test::More::is(join(' ', map { kill(0, $_) ? 'up' : 'gone' }
                                     @{ $o{masters} }),
                       join(' ', map { 'up' } @{ $o{masters} }),
                       "$name: the same nginx masters (no restart)");
        Test::More::is(scalar(grep { /signal process started|reconfiguring/ }
                              map { slurp($_) } @{ $o{logs} }), 0,
                       "$name: no reload");
    }

    # what Redis holds now of each request answered 200
    my (@lost, @wrong, %answered);

    for my $x (grep { $_->[5] eq '200' } @rec) {
        my ($kind, $id, $user, $extra, $edge, $st, $outcome) = @$x;
        my $key = $kind eq 'txn' ? "$p:txn:txn_$id" : "$p:tweet:$id";
        my $v = $read->('GET', $key);
        $answered{$id} = $outcome;

        if (!defined $v) {
            push @lost, "$kind:$id:$outcome";
        } elsif ($v !~ /^\Q$outcome\E:/) {
            push @wrong, "$kind:$id:$outcome:$v";
        }
    }

    Test::More::diag("$name: lost " . scalar(@lost) . " of "
         . scalar(keys %answered) . " requests answered 200"
         . (@lost ? ': ' . join(' ', @lost[0 .. ($#lost < 5 ? $#lost : 5)])
                    . (@lost > 6 ? ' ...' : '') : ''));
    Test::More::is("@wrong", '', "$name: each request answered 200 and "
                   . "kept has the outcome answered");
    Test::More::is(scalar @lost, 0, "$name: nothing answered 200 was lost")
        if $o{no_loss};

    # the 503s delivered again until 200
    my (@failed, %redone);

    for my $x (@refused) {
        my ($kind, $id, $user, $extra) = @$x;
        my @r = redeliver($o{edges}, $kind, $id, $user, $extra);
        $redone{$r[1]}++;
        push @failed, "$kind:$id:$r[0]" if $r[0] ne '200';
    }

    Test::More::note("$name: the " . scalar(@refused) . " requests "
         . "answered 503, delivered again: "
         . join(', ', map { "$_ $redone{$_}" } sort keys %redone));
    Test::More::is("@failed", '', "$name: every request answered 503 is "
                   . "200 delivered again");

    # purchases still pending (confirmation not sent, or refused, or the
    # intent was refused): confirmed now
    my %confirmed = map { $_->[2] => 1 }
                    grep { $_->[0] eq 'confirm' && $_->[5] eq '200' } @rec;
    my @unconfirmed;

    for my $x (grep { $_->[0] eq 'intent' } @rec) {
        my ($kind, $id, $user) = @$x;
        next if $confirmed{$user};
        my $pid = $read->('GET', "$p:pending:hagift:$user");
        next unless defined $pid;
        my $code = $read->('HGET', "$p:purchase:$pid", 'code');
        my @r = redeliver($o{edges}, 'confirm', $id + 1, $user, $code);
        push @unconfirmed, "$id:$r[0]:$r[1]" unless $r[1] eq 'confirmed';
    }

    Test::More::is("@unconfirmed", '', "$name: the confirmations sent "
                   . "after the recovery are confirmed");

    # exactly once: events, purchase hashes, claims, counters
    my $entries = $read->('XRANGE', "$p:events", '-', '+');
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
    Test::More::is("@twice", '', "$name: no request has two events");

    my @acted = grep {
        my $v = $read->('GET', /2$/ ? "$p:txn:txn_$_" : "$p:tweet:$_") // '';
        $v =~ /^(intent_created|confirmed|credited):/
    } map { $_->[1] } @rec;
    my @noevent = grep { !$ev{$_} } @acted;
    Test::More::is("@noevent", '', "$name: each request that created, "
                   . "confirmed or credited has its event ("
                   . scalar(@acted) . ")");

    my $keys = $read->('KEYS', "$p:purchase:*");
    my (%state, %per_user);

    for my $k (@$keys) {
        my %h = @{ $read->('HGETALL', $k) };
        $state{$h{state}}++;
        $per_user{$h{user_id}}++;
    }

    Test::More::is(scalar(grep { $per_user{$_} > 1 } keys %per_user), 0,
                   "$name: one purchase per user at most");
    Test::More::is(($state{pending} // 0) + ($state{confirmed} // 0),
                   $type{'intent.created'} // 0,
                   "$name: a purchase hash per intent.created event");
    Test::More::is($state{confirmed} // 0, $type{'purchase.confirmed'} // 0,
                   "$name: a confirmed purchase per purchase.confirmed "
                   . "event");

    my $sold = $read->('HGET', "$p:offer:hagift", 'sold');
    Test::More::is($sold, $type{'purchase.confirmed'} // 0,
                   "$name: sold counts the confirmations ($sold)");

    my @redeemed = grep {
        ($read->('HGET', "$p:claim:clm_$_", 'state') // '') eq 'redeemed'
    } 1 .. $o{users};
    Test::More::is(scalar @redeemed, $type{'cashback.credited'} // 0,
                   "$name: a redeemed claim per cashback.credited event ("
                   . scalar(@redeemed) . ")");
    Test::More::is($read->('HGET', "$p:offer:haback", 'redeemed'),
                   scalar @redeemed, "$name: the offer counts them");

    my @over = @{ $o{over} };
    my $now = int(Time::HiRes::time() * 1000);
    my $held = $read->('ZCOUNT', "$p:holds:hagift", "($now", '+inf');
    push @over, "end: sold $sold + held $held" if $sold + $held > $o{stock};
    Test::More::ok($o{samples} > 50, "$name: sold + held sampled during "
                   . "the flow ($o{samples} times)");
    Test::More::is("@over", '', "$name: sold + held <= stock $o{stock} "
                   . "throughout (at the end: $sold + $held)");

    Test::More::note("$name: events " . join(', ', map { "$_ $type{$_}" }
                                                   sort keys %type));
    return scalar @lost;
}

# sold and live holds of the purchase offer, read in one script: the
# command for $read (EVAL ...)
sub sample_cmd {
    my ($p) = @_;
    return ('EVAL', <<'LUA', 2, "$p:offer:hagift", "$p:holds:hagift");
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
return { tonumber(redis.call('HGET', KEYS[1], 'sold') or 0),
         redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') }
LUA
}

sub slurp {
    my ($f) = @_;
    open(my $fh, '<', $f) or return ();
    my @l = <$fh>;
    close $fh;
    return @l;
}

1;
