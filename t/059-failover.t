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
use Cwd ();
use HashpayHA qw(spawn_redis_node kill_node restart_node spawn_sentinels
                 primary_port spawn_nginx stop_nginx pipeline reply
                 wait_until);
use HashpayLoad qw(setup_cmds flow audit edge_server sample_cmd);

my $module = $ENV{TEST_NGINX_LOAD_MODULES}
             || Cwd::getcwd() . '/build/ngx_http_hashpay_module.so';
plan(skip_all => "module not built ($module)") unless -f $module;

my $CLIENTS = 4;
my $STEPS = 400;            # users per client and kind, at most
my $STOCK = 500;            # of the purchase offer
my $TIMEOUT_MS = 2000;      # timeout=
my $CONNECT_MS = 500;       # connect_timeout=
my $WAIT_MS = 500;          # hashpay_redis_wait 1 <T>
my $MARGIN_MS = 3000;       # for a loaded machine

my %Lost;

for my $mode ('nowait', 'wait') {
    run_mode($mode);
}

diag(sprintf('lost (answered 200, absent after the failover): '
             . 'without hashpay_redis_wait %d, with it %d',
             $Lost{nowait} // -1, $Lost{wait} // -1));

done_testing();

sub run_mode {
    my ($mode) = @_;
    my $m = $mode eq 'wait' ? 2 : 1;
    my $users = $CLIENTS * $STEPS;

    note("$mode: a primary, a replica, three sentinels");
    my $p = spawn_redis_node();
    my $r = spawn_redis_node(replicaof => $p->{port});
    my @sentinels = spawn_sentinels(3, $p->{port}, down_after => 1000,
                                    failover_timeout => 3000);
    my @bad = grep { !ref $_ && defined $_ && /^ERR/ }
              pipeline($p->{port}, setup_cmds('hashpay', $m, $users,
                                                $STOCK));
    is("@bad", '', "$mode: the data is set up");
    is(reply($p->{port}, 'WAIT', 1, 5000), 1, "$mode: the replica has "
       . "the data");

    my $http = '    hashpay_redis_sentinel '
        . join(' ', map { "127.0.0.1:$_->{port}" } @sentinels)
        . " master=m connect_timeout=${CONNECT_MS}ms timeout=${TIMEOUT_MS}ms;\n"
        . ($mode eq 'wait' ? "    hashpay_redis_wait 1 ${WAIT_MS}ms;\n" : '');
    my @edges = map { spawn_nginx(http => $http, server => edge_server()) }
                1, 2;
    my @masters = map { $_->{pid} } @edges;

    # the code of a user's pending purchase, on the primary the sentinels
    # give now (a client asks for a second at most)
    my $code = sub {
        my ($u) = @_;
        my $c;
        # the code once it reads as one (a reply such as MOVED is not)
        return undef unless wait_until(sub {
            my $port = primary_port(@sentinels) or return 0;
            my $id = reply($port, 'GET', "hashpay:pending:hagift:$u");
            return 0 unless defined $id && $id =~ /^pur_/;
            $c = reply($port, 'HGET', "hashpay:purchase:$id", 'code');
            defined $c && $c =~ /^[A-Z0-9]{6}$/;
        }, 1);
        return $c;
    };

    # The parent cuts the replica's link after 1.5 s (CLIENT KILL TYPE
    # replica, with a masterauth on the replica that the primary refuses,
    # so that it cannot connect again) and kills the primary 0.3 s later,
    # while the replica is behind: what the primary acknowledged meanwhile
    # is what a failover loses (on loopback a healthy replica is never
    # behind by more than microseconds).  It waits for the promotion,
    # restarts the killed node as a replica of the new primary, and lets
    # the flow run 5 s more.
    my $t_start = Time::HiRes::time();
    my ($t_cut, $t_kill, $t_promo, $t_end, $new);
    my $primary = $p->{port};

    my $tick = sub {
        my $now = Time::HiRes::time();

        if (!$t_cut && $now - $t_start > 1.5) {
            reply($r->{port}, 'CONFIG', 'SET', 'masterauth', 'cut');
            reply($p->{port}, 'CLIENT', 'KILL', 'TYPE', 'replica');
            $t_cut = $now;
        }

        if (!$t_kill && $t_cut && $now - $t_cut > 0.3) {
            my $link = (reply($r->{port}, 'INFO', 'replication') // '')
                       =~ /master_link_status:(\w+)/ ? $1 : '?';
            kill_node($p);
            $t_kill = Time::HiRes::time();
            reply($r->{port}, 'CONFIG', 'SET', 'masterauth', '');
            note(sprintf("$mode: primary $p->{port} killed (SIGKILL) "
                         . "%.2f s after the cut, the replica's link was "
                         . "$link", $t_kill - $t_cut));
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

        return 1 if $t_end && $now > $t_end;
        return 1 if $t_kill && !$t_promo && $now - $t_kill > 60;
        return 0;
    };

    my $f = flow(clients => $CLIENTS, steps => $STEPS, pause => 0.03,
                 pause_refused => 0.1,
                 m => $m, edges => \@edges, stock => $STOCK, code => $code,
                 sample => sub { @{ reply($primary, sample_cmd('hashpay')) } },
                 tick => $tick);

    ok($t_promo, "$mode: the sentinels promoted the replica");
    is($new, $r->{port}, "$mode: the new primary is the old replica");

    if ($t_promo) {
        $Lost{$mode} = audit(
            %$f, name => $mode, edges => \@edges, masters => \@masters,
            logs => [ map { $_->{log} } @edges ],
            read => sub { reply($new, @_) }, prefix => 'hashpay',
            m => $m, users => $users, stock => $STOCK,
            bound => $TIMEOUT_MS + $CONNECT_MS
                     + ($mode eq 'wait' ? $WAIT_MS : 0) + $MARGIN_MS,
            t_kill => $t_kill, t_promo => $t_promo, back => 20,
            no_loss => $mode eq 'wait');
    }

    HashpayHA::stop_all();
}
