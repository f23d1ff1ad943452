# hashpay_redis_cluster (issue 13, point 3): every key under the hash-tag
# prefix "{hashpay}" is in one slot; each worker asks the nodes for the
# primary that owns it (CLUSTER SHARDS), connects there, answers 503 to
# what the cluster refuses (MOVED, ASK, TRYAGAIN, CLUSTERDOWN: nothing of
# it ran), and after MOVED asks again, without a reload.
#
# Real processes: 3 primaries and 3 replicas of Debian's redis-server
# (--cluster-enabled yes, cluster-node-timeout 1000 ms), created by
# redis-cli --cluster create (t/lib/HashpayCluster.pm).  A steady flow of
# purchases (intents, then the confirmations of those created) comes from
# forked clients that deliver each post until it is answered 200, while
# the owner of the slot is killed, or the slot migrated; then the audit:
# every post answered 200 acted exactly once (its record, its event, its
# purchase hash), and sold + held <= stock.  TEST 6 is the shape of
# t/059-failover.t on the Cluster: two edges of their own, purchases and
# card transactions, each request sent once (the 503s delivered again
# after the recovery), sold + held sampled throughout, the owner killed
# then the slot migrated, without and with hashpay_redis_wait.

use lib 't/lib';
use Test::Nginx::Socket 'no_plan';
use Time::HiRes ();
use File::Temp ();
use POSIX ();
use JSON::PP ();
use HashpayTest qw(background_post background_result whole_log);
use HashpayFlow;
use HashpayCluster qw(spawn_cluster owner node_id kill_node restart_node
                      creply cluster_ok wait_until);
use HashpayHA ();
use HashpayLoad ();

# the slot of "{hashpay}" (redis-cli CLUSTER KEYSLOT)
our $SLOT = 6887;

our @Nodes = spawn_cluster(primaries => 3, replicas => 1);
our $Dead = HashpayTest::free_port();

$ENV{TEST_NGINX_DEAD_PORT} = $Dead;
$ENV{TEST_NGINX_SEEDS} = join(' ', map { "127.0.0.1:$_->{port}" } @Nodes);

# Under the memory checkers (make test-valgrind; make test-asan sets
# HASHPAY_TEST_SLOW) a worker's first connect and handshake take about
# 2 s: TEST 1 to 5 then have no timeouts of their own (t/lib/HashpayTest.pm
# gives 30 s), a request may take timeout= plus as much again (60 s,
# instead of 2 s + 2 s), and the waits for what nginx logs on its own time
# poll for 30 s instead of 10.  TEST 6 is not run there: see its
# skip_eval.
our $Slow = $ENV{TEST_NGINX_USE_VALGRIND} || $ENV{HASHPAY_TEST_SLOW};
our $Timeouts = $Slow ? '' : 'connect_timeout=500ms timeout=2s';
our $MaxMs = $Slow ? 60000 : 4000;
our $Wait = $Slow ? 30 : 10;

our $Json = JSON::PP->new;

sub reply {
    my ($port, @cmd) = @_;
    return HashpayTest::redis_reply({ port => $port }, @cmd);
}

sub user_of {
    my ($tag, $i) = @_;
    my $n = { GiftA => 1, GiftB => 2, GiftC => 3, GiftD => 4 }->{$tag};
    return sprintf('12972345678%d%05d', $n, $i);
}

# an offer of $stock under "{hashpay}", and $users linked users
sub setup {
    my ($tag, $stock, $users) = @_;
    my $lc = lc $tag;

    creply('HSET', "{hashpay}:offer:$lc", tag => $tag, kind => 'purchase',
           title => 'Gift', price_cents => 2500, currency => 'USD',
           stock => $stock, per_user_limit => 1, min_account_age_days => 0,
           active => 1, sold => 0, redeemed => 0,
           created_at => 1700000000000, updated_at => 1700000000000);
    creply('ZADD', '{hashpay}:offers', 0, $lc);

    for my $i (1 .. $users) {
        my $u = user_of($tag, $i);
        creply('HSET', "{hashpay}:link:$u", user_id => $u,
               card_token => "tok_$u", screen_name => "u$u",
               linked_at => 1700000000000);
        creply('SET', "{hashpay}:card:tok_$u", $u);
    }
}

# One post delivered until it is answered 200 (0.1 s between tries, at
# most $secs in all): the outcome, and every try as "status:ms"
sub deliver {
    my ($body, $secs) = @_;
    my $until = Time::HiRes::time() + $secs;
    my @tries;

    while (1) {
        my $t0 = Time::HiRes::time();
        my ($st, $rbody) = eval { HashpayFlow::post($body) };
        $st //= 'none';
        my $t1 = Time::HiRes::time();
        push @tries, sprintf('%s:%d:%d', $st, 1000 * ($t1 - $t0),
                             1000 * $t1);

        if ($st eq '200') {
            my $r = eval { $Json->decode($rbody) };
            return ($r ? $r->{results}[0]{outcome} : 'bad_body', @tries);
        }

        return ('gave_up', @tries) if Time::HiRes::time() > $until;
        Time::HiRes::sleep(0.1);
    }
}

# the code of a user's pending purchase, read from the cluster (which may
# be failing over): retried for $secs
sub code_of_user {
    my ($lc, $u, $secs) = @_;
    my $until = Time::HiRes::time() + $secs;

    while (Time::HiRes::time() < $until) {
        my $code = eval {
            my $id = creply('GET', "{hashpay}:pending:$lc:$u");
            defined $id && $id =~ /^pur_/
                ? creply('HGET', "{hashpay}:purchase:$id", 'code') : undef;
        };
        return $code if defined $code && $code =~ /^[A-Z0-9]{6}$/;
        Time::HiRes::sleep(0.1);
    }

    return undef;
}

# The flow: $clients forked clients share the users; each delivers its
# users' intents, one after the other, and the confirmation of each
# intent created, a user every 0.2 s until $during->() (run in the parent
# meanwhile) is over, then as fast as it can.  Returns the records "kind
# id user outcome tries...".
sub flow {
    my ($tag, $users, $clients, $first_id, $during) = @_;
    my $dir = File::Temp::tempdir('hashpay-057-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my $lc = lc $tag;
    my @pids;

    for my $c (0 .. $clients - 1) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;

        if ($pid == 0) {
            open(my $out, '>', "$dir/$c") or POSIX::_exit(1);
            $out->autoflush(1);

            for (my $i = 1 + $c; $i <= $users; $i += $clients) {
                Time::HiRes::sleep(0.2) unless -e "$dir/done";
                my $u = user_of($tag, $i);
                my $id = $first_id + 2 * $i;
                my ($outcome, @tries) = deliver(
                    dl(tw(id => $id, user => $u, name => "u$u",
                          tags => [$tag])), 3 * $Wait);
                print $out "intent $id $u $outcome @tries\n";

                next unless $outcome eq 'intent_created';

                my $code = code_of_user($lc, $u, 30) // 'NOCODE';
                ($outcome, @tries) = deliver(
                    dl(tw(id => $id + 1, user => $u, name => "u$u",
                          tags => ["Confirm$code"])), 3 * $Wait);
                print $out "confirm " . ($id + 1) . " $u $outcome @tries\n";
            }

            close $out;
            POSIX::_exit(0);
        }

        push @pids, $pid;
    }

    $during->() if $during;

    if (open(my $fh, '>', "$dir/done")) {
        close $fh;
    }

    waitpid($_, 0) for @pids;

    my @records;
    for my $c (0 .. $clients - 1) {
        open(my $fh, '<', "$dir/$c") or next;
        push @records, map { chomp; $_ } <$fh>;
        close $fh;
    }

    return @records;
}

# The audit of a flow, once the cluster is stable: every post answered
# 200 once acted once, nothing else did, no request took longer than
# $max_ms (timeout= is 2 s; 2 s more for a loaded machine), only 503
# before a 200, and sold + held <= stock.
sub audit {
    my ($tag, $stock, $users, $max_ms, @records) = @_;
    my $lc = lc $tag;
    my (%outcome, %kind, @slow, @odd);
    my ($tries, $refused) = (0, 0);

    for my $r (@records) {
        my ($kind, $id, $u, $outcome, @tries) = split ' ', $r;
        $outcome{$id} = $outcome;
        $kind{$id} = $kind;

        for my $t (@tries) {
            my ($st, $ms) = split /:/, $t;
            $t = "$st:$ms";
            $tries++;
            $refused++ if $st ne '200';
            push @slow, $t if $ms > $max_ms;
            push @odd, "$id $t" if $st ne '200' && $st ne '503';
        }
    }

    my @intents = grep { $kind{$_} eq 'intent' } keys %outcome;
    my @created = grep { $outcome{$_} eq 'intent_created' } @intents;
    my @confirms = grep { $kind{$_} eq 'confirm' } keys %outcome;
    my @confirmed = grep { $outcome{$_} eq 'confirmed' } @confirms;

    Test::More::is(scalar @intents, $users, "$tag: every user's intent "
                   . "was delivered");
    Test::More::is(scalar(grep { $outcome{$_} eq 'gave_up' }
                          keys %outcome), 0,
                   "$tag: every post was answered 200 in the end");
    Test::More::is("@odd", '', "$tag: nothing but 200 and 503 "
                   . "($refused of $tries tries refused)");
    Test::More::is("@slow", '', "$tag: no request took more than "
                   . "$max_ms ms");
    Test::More::is(scalar @created, $stock < $users ? $stock : $users,
                   "$tag: as many intents created as the stock allows");
    Test::More::is(scalar @confirmed, scalar @created,
                   "$tag: each created intent confirmed");

    # what Redis holds: the events, the purchase hashes, the records
    my $owner = owner($SLOT);
    my $entries = reply($owner, 'XRANGE', '{hashpay}:events', '-', '+');
    my (%ev_tweets, %ev_count);

    for my $e (@$entries) {
        my %f = @{ $e->[1] };
        my $d = $Json->decode($f{data});
        next unless ($d->{offer} // '') eq $tag;
        $ev_count{$f{type}}++;
        my $tid = $f{type} eq 'purchase.confirmed' ? $d->{confirm_tweet_id}
                                                   : $d->{tweet_id};
        $ev_tweets{"$f{type} $tid"}++;
    }

    Test::More::is($ev_count{'intent.created'} // 0, scalar @created,
                   "$tag: one intent.created event per intent created");
    Test::More::is($ev_count{'purchase.confirmed'} // 0, scalar @confirmed,
                   "$tag: one purchase.confirmed event per confirmation");
    Test::More::is(scalar(grep { $ev_tweets{$_} != 1 } keys %ev_tweets), 0,
                   "$tag: no post has two events of a kind");
    Test::More::is(scalar(grep { !$ev_tweets{"intent.created $_"} }
                          @created), 0,
                   "$tag: each intent answered created has its event");

    my $keys = reply($owner, 'KEYS', '{hashpay}:purchase:*');
    my %state;
    for my $k (@$keys) {
        my %p = @{ reply($owner, 'HGETALL', $k) };
        $state{$p{state}}++ if ($p{offer_key} // '') eq $lc;
    }

    Test::More::is(($state{confirmed} // 0) + ($state{pending} // 0),
                   scalar @created,
                   "$tag: one purchase hash per intent created");
    Test::More::is($state{confirmed} // 0, scalar @confirmed,
                   "$tag: as many confirmed as answered confirmed");

    my @missing = grep {
        (reply($owner, 'GET', "{hashpay}:tweet:$_") // '')
            !~ /^\Q$outcome{$_}\E:/
    } grep { $outcome{$_} ne 'gave_up' } keys %outcome;
    Test::More::is("@missing", '', "$tag: each post answered 200 has its "
                   . "record, with the outcome answered");

    my $sold = reply($owner, 'HGET', "{hashpay}:offer:$lc", 'sold');
    my $now = int(Time::HiRes::time() * 1000);
    my $held = reply($owner, 'ZCOUNT', "{hashpay}:holds:$lc", "($now",
                     '+inf');
    Test::More::is($sold, scalar @confirmed, "$tag: sold counts the "
                   . "confirmations");
    Test::More::ok($sold + $held <= $stock, "$tag: sold $sold + held "
                   . "$held <= stock $stock");
}

# Moves the slot from one primary to another as redis-cli --cluster
# reshard does, keys in batches of $batch with $pause s between them
# (so that the keys are split between the two for a while)
# the port of the live primary that holds the slot in its own view
# (CLUSTER NODES, its "myself" line), undef if none does; of two that
# do (a killed owner back before it heard of the failover), the one of
# the higher config epoch, as the cluster decides
sub self_owner {
    my ($slot) = @_;
    my ($port, $epoch);

    for my $n (grep { !$_->{dead} } @HashpayCluster::Nodes) {
        my $nodes = eval { reply($n->{port}, 'CLUSTER', 'NODES') } // '';
        my ($me) = grep { /\bmyself\b/ } split /\n/, $nodes;
        next unless defined $me;
        my ($id, $addr, $flags, @f) = split ' ', $me;
        next unless $flags =~ /\bmaster\b/;
        next if defined $epoch && $f[3] <= $epoch;

        for my $range (@f[5 .. $#f]) {
            my ($lo, $hi) = $range =~ /^(\d+)(?:-(\d+))?$/ or next;
            $hi //= $lo;

            if ($lo <= $slot && $slot <= $hi) {
                ($port, $epoch) = ($n->{port}, $f[3]);
                last;
            }
        }
    }

    return $port;
}

# the slot moved from its owner to $to, $batch keys a MIGRATE; $from is
# the owner expected; answers the keys moved and the node they came from
sub migrate_slot {
    my ($from, $to, $batch, $pause) = @_;
    my $tid = node_id($to);
    my ($fid, $r);

    # right after a failover the nodes may not yet agree on the new
    # owner: the owner is the node that holds the slot in its own view,
    # asked again with each try, and both steps are asked again until
    # accepted, 20 s at most; the last answer is shown
    wait_until(sub {
        my $f = self_owner($SLOT);
        $r = 'no node holds the slot in its own view';

        if (!defined $f) {
            # seen under load after a failover: the promoted replica
            # claimed its old primary's slots but for this one (it had
            # not heard of the migration before: unassigned in its own
            # view) while every other node gives it the slot; it is
            # told that it holds it, as "redis-cli --cluster fix" would
            my $o = owner($SLOT);
            return 0 unless defined $o;
            my $a = eval { reply($o, 'CLUSTER', 'SETSLOT', $SLOT, 'NODE',
                                 node_id($o)) } // "$@";
            Test::More::note("slot $SLOT unassigned in the view of $o, "
                             . "the owner in the others': SETSLOT NODE "
                             . "on it: $a");
            return 0;
        }

        $r = "the slot is already on $to";
        return 0 if $f == $to;
        $from = $f;
        $fid = node_id($from);

        for my $step ([ $to, 'IMPORTING', $fid ],
                      [ $from, 'MIGRATING', $tid ])
        {
            my ($port, $state, $id) = @$step;
            $r = eval { reply($port, 'CLUSTER', 'SETSLOT', $SLOT, $state,
                              $id) } // "$@";
            $r = "SETSLOT $SLOT $state on $port: $r";
            return 0 unless $r =~ /: OK$/;
        }

        1;
    }, 20) or die "migrate_slot: $r";

    my $moved = 0;

    while (1) {
        my $keys = reply($from, 'CLUSTER', 'GETKEYSINSLOT', $SLOT, $batch);
        last unless ref $keys eq 'ARRAY' && @$keys;
        my $r;

        # a batch refused for a moment (an I/O error under load) is sent
        # again, 20 s at most; keys already moved answer NOKEY
        wait_until(sub {
            $r = eval { reply($from, 'MIGRATE', '127.0.0.1', $to, '', 0,
                              5000, 'KEYS', @$keys) } // "$@";
            $r eq 'OK' || $r eq 'NOKEY';
        }, 20) or die "MIGRATE: $r";
        $moved += @$keys;
        Time::HiRes::sleep($pause);
    }

    for my $n (grep { !$_->{dead} } @Nodes) {
        next unless reply($n->{port}, 'ROLE')->[0] eq 'master';
        next if $n->{port} == $from || $n->{port} == $to;
        reply($n->{port}, 'CLUSTER', 'SETSLOT', $SLOT, 'NODE', $tid);
    }

    reply($to, 'CLUSTER', 'SETSLOT', $SLOT, 'NODE', $tid);
    reply($from, 'CLUSTER', 'SETSLOT', $SLOT, 'NODE', $tid);

    return wantarray ? ($moved, $from) : $moved;
}

sub primaries {
    return map { $_->{port} }
           grep { !$_->{dead}
                  && (eval { reply($_->{port}, 'ROLE')->[0] } // '')
                     eq 'master' } @Nodes;
}

# a post with an unknown confirmation code: it acts (rejected), recorded
sub probe_tweet {
    my ($id) = @_;
    return dl(tw(id => $id, tags => ['ConfirmK7Q2XD'],
                 user => '1297234567899' . substr($id, -6)));
}

sub recorded {
    my ($id) = @_;
    return creply('EXISTS', "{hashpay}:tweet:$id");
}

our $File = "/tmp/hashpay-057.$$";

# A node of this file's own that knows no CLUSTER SHARDS (as before Redis
# 7.0) and answers CLUSTER SLOTS with every slot on the real owner of
# slot 6887 (asked of the cluster at each question)
our ($OldPid, $OldPort) = old_node();
$ENV{TEST_NGINX_OLD_PORT} = $OldPort;

END {
    local $?;

    if ($OldPid && $$ == $HashpayCluster::Parent) {
        kill 'TERM', $OldPid;
        waitpid($OldPid, 0);
    }
}

sub old_node {
    require IO::Select;
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Listen => 16,
                                       ReuseAddr => 1)
        or die "no socket: $!";
    my $lport = $listen->sockport;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid) {
        close $listen;
        return ($pid, $lport);
    }

    $SIG{PIPE} = 'IGNORE';

    while (getppid() != 1) {
        my $sel = IO::Select->new($listen);
        next unless $sel->can_read(0.1);
        my $c = $listen->accept or next;

        while (1) {
            my $cmd = eval { HashpayTest::read_reply($c) };
            last unless ref $cmd eq 'ARRAY';
            my $sub = uc($cmd->[1] // '');

            if (uc $cmd->[0] eq 'CLUSTER' && $sub eq 'SLOTS') {
                my $port = eval { owner($SLOT) } // 1;
                print $c "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n"
                    . "\$9\r\n127.0.0.1\r\n:$port\r\n\$4\r\nabcd\r\n";

            } elsif (uc $cmd->[0] eq 'CLUSTER') {
                print $c "-ERR unknown subcommand '" . lc($sub)
                    . "'. Try CLUSTER HELP.\r\n";

            } else {
                print $c "+OK\r\n";
            }
        }

        close $c;
    }

    POSIX::_exit(0);
}

sub post_status {
    my ($body) = @_;
    my $pid = background_post($body, $File);
    my $st = background_result($pid, $File);
    unlink $File;
    return $st;
}

# ---------------------------------------------------------------------
# TEST 6: the shape of t/059-failover.t on the Cluster (HashpayLoad):
# two edges of their own (2 workers each), purchases (intents and
# confirmations) and card transactions from 4 clients, each request sent
# once; the owner of the slot killed (its replica's link cut 0.3 s
# before, so that the replica is behind), the killed node restarted (it
# rejoins as a replica), then the slot migrated to another primary, all
# under the flow; then the audit (every 503 delivered again).  Once
# without hashpay_redis_wait, once with "hashpay_redis_wait 1 500ms".

our %Lost;

sub load_mode {
    my ($mode) = @_;
    my $m = $mode eq 'wait' ? 4 : 3;
    my ($clients, $steps, $stock) = (4, 300, 400);
    my $users = $clients * $steps;

    # a clean cluster: the audit counts every purchase and event
    reply($_, 'FLUSHALL') for primaries();

    my $owner = owner($SLOT);
    my @bad = grep { !ref $_ && defined $_ && /^(ERR|MOVED)/ }
              HashpayHA::pipeline($owner, HashpayLoad::setup_cmds(
                  '{hashpay}', $m, $users, $stock));
    Test::More::is("@bad", '', "$mode: the data is set up");
    Test::More::is(reply($owner, 'WAIT', 1, 5000), 1,
                   "$mode: the owner's replica has the data");

    my $http = "    hashpay_redis_cluster $ENV{TEST_NGINX_SEEDS} "
        . "connect_timeout=500ms timeout=2s;\n"
        . "    hashpay_prefix \"{hashpay}\";\n"
        . ($mode eq 'wait' ? "    hashpay_redis_wait 1 500ms;\n" : '');
    my @edges = map { HashpayHA::spawn_nginx(
                          http => $http,
                          server => HashpayLoad::edge_server()) } 1, 2;
    my @masters = map { $_->{pid} } @edges;

    my $code = sub {
        my ($u) = @_;
        my $c;
        # the code once it reads as one (a reply such as MOVED is not)
        return undef unless wait_until(sub {
            my $id = creply('GET', "{hashpay}:pending:hagift:$u");
            return 0 unless defined $id && $id =~ /^pur_/;
            $c = creply('HGET', "{hashpay}:purchase:$id", 'code');
            defined $c && $c =~ /^[A-Z0-9]{6}$/;
        }, 1);
        return $c;
    };

    my $replica = (reply($owner, 'INFO', 'replication') // '')
                  =~ /slave0:ip=[^,]+,port=(\d+)/ ? $1 : undef;
    Test::More::ok($replica, "$mode: the owner $owner has a replica");

    my $t_start = Time::HiRes::time();
    my ($t_cut, $t_kill, $t_promo, $t_moved, $new, $to, $moved);
    my $sample_port = $owner;

    my $tick = sub {
        my $now = Time::HiRes::time();

        if (!$t_cut && $now - $t_start > 1.5) {
            reply($replica, 'CONFIG', 'SET', 'masterauth', 'cut');
            reply($owner, 'CLIENT', 'KILL', 'TYPE', 'replica');
            $t_cut = $now;
        }

        if (!$t_kill && $t_cut && $now - $t_cut > 0.3) {
            kill_node($owner);
            $t_kill = Time::HiRes::time();
            reply($replica, 'CONFIG', 'SET', 'masterauth', '');
        }

        if ($t_kill && !$t_promo) {
            my $o = eval { owner($SLOT) };

            if (defined $o && $o != $owner) {
                $t_promo = Time::HiRes::time();
                $new = $sample_port = $o;
                Test::More::note(sprintf("$mode: %d promoted %.1f s after "
                                         . "the kill", $o,
                                         $t_promo - $t_kill));
                restart_node($owner);
            }
        }

        # once the killed node is back as a replica (or 8 s after the
        # promotion), the slot moves, under the flow: 100 keys a MIGRATE
        if ($t_promo && !$t_moved && $now - $t_promo > 1
            && ($now - $t_promo > 8
                || (eval { reply($owner, 'ROLE')->[0] } // '') eq 'slave'))
        {
            $new = self_owner($SLOT) // $new;
            ($to) = grep { $_ != $new && $_ != $owner } primaries();
            ($moved, $new) = migrate_slot($new, $to, 100, 0.01);
            $t_moved = Time::HiRes::time();
            $sample_port = $to;
            Test::More::note(sprintf("$mode: the slot moved to %d "
                                     . "(%d keys) in %.1f s", $to, $moved,
                                     $t_moved - $now));
        }

        return 1 if $t_moved && $now - $t_moved > 3;
        return 1 if $t_kill && !$t_promo && $now - $t_kill > 60;
        return 0;
    };

    my $f = HashpayLoad::flow(
        clients => $clients, steps => $steps, pause => 0.03,
        pause_refused => 0.1, m => $m,
        edges => \@edges, stock => $stock, code => $code,
        sample => sub {
            my $r = reply($sample_port, HashpayLoad::sample_cmd('{hashpay}'));
            ref $r eq 'ARRAY' ? @$r : ();
        },
        tick => $tick);

    Test::More::ok($t_promo, "$mode: the owner's replica was promoted");
    Test::More::ok($t_moved && owner($SLOT) == $to,
                   "$mode: then the slot was migrated (" . ($moved // 0)
                   . " keys)");
    Test::More::ok(main::wait_until(sub {
        (reply($owner, 'ROLE')->[0] // '') eq 'slave' && cluster_ok() }, 30),
        "$mode: the killed node is a replica again");

    if ($t_moved) {
        # 200 again on each edge after the migration, without a reload
        for my $e (@edges) {
            my $n = grep { $_->[4] == $e->{port} && $_->[5] eq '200'
                           && $_->[8] > $t_moved } @{ $f->{records} };
            Test::More::ok($n, "$mode: edge $e->{port}: 200s after the "
                           . "migration ($n)");
        }
    }

    if ($t_promo) {
        my $final = owner($SLOT);
        $Lost{$mode} = HashpayLoad::audit(
            %$f, name => $mode, edges => \@edges, masters => \@masters,
            logs => [ map { $_->{log} } @edges ],
            read => sub { reply($final, @_) }, prefix => '{hashpay}',
            m => $m, users => $users, stock => $stock,
            bound => 2000 + 500 + ($mode eq 'wait' ? 500 : 0) + 3000,
            t_kill => $t_kill, t_promo => $t_promo, back => 20,
            no_loss => $mode eq 'wait');
    }

    HashpayHA::stop_nginx($_) for @edges;
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the nodes are asked in turn; deliveries and purchases act on the owner
The first node given is dead: the next one answers CLUSTER SHARDS with
the owner of slot 6887, the worker connects there (ROLE: master), and a
flow of intents and confirmations acts exactly once.
--- http_config eval
"hashpay_redis_cluster 127.0.0.1:$ENV{TEST_NGINX_DEAD_PORT} $ENV{TEST_NGINX_SEEDS} $main::Timeouts;
hashpay_prefix \"{hashpay}\";"
--- delivery eval
main::probe_tweet('1570000000000000001')
--- error_code: 200
--- timeout: 60
--- after_each eval
[ sub {
    my $owner = main::owner($main::SLOT);
    Test::More::is(main::reply($owner, 'EXISTS',
                               '{hashpay}:tweet:1570000000000000001'), 1,
                   'the delivery acted on the owner of the slot');
    Test::More::ok(main::whole_log(
                       qr/cluster node 127\.0\.0\.1:$main::Dead: connect failed/),
                   'the dead node is logged');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: cluster node 127\.0\.0\.1:\d+: slot 6887 is on 127\.0\.0\.1:$owner$/m),
                   'a live node gave the owner');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: handshake: 127\.0\.0\.1:$owner is the primary/),
                   'ROLE said master');

    main::setup('GiftC', 5, 8);
    my @rec = main::flow('GiftC', 8, 2, 1570000000000001000);
    main::audit('GiftC', 5, 8, $main::MaxMs, @rec);
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 2: the owner of the slot dies: its replica is promoted, traffic comes back
A flow of purchases from 3 clients; after half a second the primary that
owns slot 6887 is killed (SIGKILL).  Its replica is promoted after
cluster-node-timeout (1 s); meanwhile deliveries are 503 (never a 200
without its effect, none waits past timeout=), then 200 again without a
reload; every post answered 200 acted exactly once.  The killed node
comes back as a replica.
--- http_config eval
"hashpay_redis_cluster $ENV{TEST_NGINX_SEEDS} $main::Timeouts;
hashpay_prefix \"{hashpay}\";"
--- delivery eval
main::probe_tweet('1570000000000000002')
--- error_code: 200
--- timeout: 120
--- after_each eval
[ sub {
    my $old = main::owner($main::SLOT);
    main::setup('GiftA', 20, 30);

    my ($t_kill, $t_back);
    my @rec = main::flow('GiftA', 30, 3, 1570000000000002000, sub {
        Time::HiRes::sleep(0.5);
        main::kill_node($old);
        $t_kill = Time::HiRes::time();
        main::wait_until(sub {
            my $o = main::owner($main::SLOT);
            defined $o && $o != $old }, 30);
        $t_back = Time::HiRes::time();
    });

    my $new = main::owner($main::SLOT);
    Test::More::ok(defined $new && $new != $old,
                   "the replica took over ($old -> " . ($new // '?') . ")");
    Test::More::ok(main::whole_log(qr/hashpay: redis "[^"]+": connection lost/),
                   'the connection to the dead owner was lost');
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay redis: cluster node \S+: slot 6887 is on 127\.0\.0\.1:$new$/m, $main::Wait),
                   'the new owner was asked of the cluster');

    main::audit('GiftA', 20, 30, $main::MaxMs, @rec);

    # the first 200 to a post sent after the kill
    my ($first) = sort { $a <=> $b } grep { $_ > $t_kill } map {
        my ($k, $id, $u, $o, @t) = split ' ';
        map { my ($st, $ms, $end) = split /:/; $st eq '200'
              && $end / 1000 - $ms / 1000 > $t_kill ? ($end / 1000) : () } @t
    } @rec;
    Test::More::ok(defined $first && $first - $t_back < $main::Wait,
                   sprintf('200 again %.1f s after the kill, %.1f s after '
                           . 'the promotion was seen',
                           ($first // 0) - $t_kill,
                           ($first // 0) - $t_back));
    Test::More::is(main::post_status(main::probe_tweet('1570000000000000003')),
                   '200', 'a delivery now: 200');
    Test::More::diag(sprintf('promotion seen %.1f s after the kill',
                             $t_back - $t_kill));

    main::restart_node($old);
    Test::More::ok(main::wait_until(sub {
        (main::reply($old, 'ROLE')->[0] // '') eq 'slave'
        && main::cluster_ok() }, 30), 'the killed node is a replica now');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 3: the slot is migrated under a flow of purchases: MOVED is followed
While 3 clients deliver purchases, slot 6887 moves to another primary
the way redis-cli --cluster reshard moves it (IMPORTING, MIGRATING,
MIGRATE of 5 keys at a time, SETSLOT NODE).  While the keys are split,
the scripts refuse to run (TRYAGAIN from the slot probe, or ASK): 503;
then the old owner answers MOVED, and the worker asks the cluster again
and connects to the new owner, without a reload.
--- http_config eval
"hashpay_redis_cluster $ENV{TEST_NGINX_SEEDS} $main::Timeouts;
hashpay_prefix \"{hashpay}\";"
--- delivery eval
main::probe_tweet('1570000000000000004')
--- error_code: 200
--- timeout: 120
--- after_each eval
[ sub {
    my $from = main::owner($main::SLOT);
    my ($to) = grep { $_ != $from } main::primaries();
    main::setup('GiftB', 20, 30);

    my $moved;
    my @rec = main::flow('GiftB', 30, 3, 1570000000000003000, sub {
        Time::HiRes::sleep(0.5);
        $moved = main::migrate_slot($from, $to, 5, 0.05);
    });

    Test::More::ok($moved > 20, "the slot's keys were migrated ($moved)");
    Test::More::is(main::owner($main::SLOT), $to, 'the slot is on the '
                   . 'other primary');
    Test::More::is(main::reply($from, 'CLUSTER', 'COUNTKEYSINSLOT',
                               $main::SLOT), 0, 'none left behind');
    Test::More::ok(HashpayTest::wait_log(
                       qr/slot 6887 moved to 127\.0\.0\.1:$to \(MOVED\), asking the cluster again/, $main::Wait),
                   'MOVED was followed');
    Test::More::ok(HashpayTest::wait_log(
                       qr/hashpay redis: cluster node \S+: slot 6887 is on 127\.0\.0\.1:$to$/m, $main::Wait),
                   'to the new owner');

    main::audit('GiftB', 20, 30, $main::MaxMs, @rec);
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 4: TRYAGAIN, ASK and CLUSTERDOWN are 503, the connection is kept
The owner's slot set MIGRATING (by hand): the script's probe answers
TRYAGAIN before it writes anything; with the events stream gone from
the owner, EVALSHA gets ASK; DELSLOTS on the owner: CLUSTERDOWN.  Each
is 503 and wrote nothing; the connection stays (no reconnection); once
the slot is back, the same post again is 200 and acts.
--- http_config eval
"hashpay_redis_cluster $ENV{TEST_NGINX_SEEDS} $main::Timeouts;
hashpay_prefix \"{hashpay}\";"
--- delivery eval
main::probe_tweet('1570000000000000005')
--- error_code: 200
--- timeout: 60
--- after_each eval
[ sub {
    my $owner = main::owner($main::SLOT);
    my ($other) = grep { $_ != $owner } main::primaries();
    my $oid = main::node_id($other);
    my $asks = HashpayTest::log_lines(qr/hashpay redis: asking cluster node/);

    # TRYAGAIN: the stream is there, the probe refuses
    Test::More::is(main::reply($owner, 'CLUSTER', 'SETSLOT', $main::SLOT,
                               'MIGRATING', $oid), 'OK', 'MIGRATING');
    Test::More::is(main::post_status(main::probe_tweet('1570000000000000006')),
                   '503', 'TRYAGAIN: 503');
    Test::More::ok(HashpayTest::wait_log(
                       qr/answered 503: redis the slot is being migrated \(TRYAGAIN\)/),
                   'logged');

    # ASK: the first key is not on the source any more
    Test::More::is(main::reply($owner, 'CLUSTER', 'SETSLOT', $main::SLOT,
                               'STABLE'), 'OK', 'STABLE');
    Test::More::is(main::reply($owner, 'EXISTS',
                               '{hashpay}:tweet:1570000000000000006'), 0,
                   'nothing written');
    main::reply($owner, 'RENAME', '{hashpay}:events', '{hashpay}:saved');
    main::reply($owner, 'CLUSTER', 'SETSLOT', $main::SLOT, 'MIGRATING',
                $oid);
    Test::More::is(main::post_status(main::probe_tweet('1570000000000000006')),
                   '503', 'ASK: 503');
    Test::More::ok(HashpayTest::wait_log(
                       qr/answered 503: redis the slot is being migrated \(ASK\)/),
                   'logged');
    main::reply($owner, 'CLUSTER', 'SETSLOT', $main::SLOT, 'STABLE');
    main::reply($owner, 'RENAME', '{hashpay}:saved', '{hashpay}:events');
    Test::More::is(main::reply($owner, 'EXISTS',
                               '{hashpay}:tweet:1570000000000000006'), 0,
                   'nothing written');

    # CLUSTERDOWN: the owner serves the slot no more
    Test::More::is(main::reply($owner, 'CLUSTER', 'DELSLOTS', $main::SLOT),
                   'OK', 'DELSLOTS');
    Test::More::is(main::post_status(main::probe_tweet('1570000000000000006')),
                   '503', 'CLUSTERDOWN: 503');
    Test::More::ok(HashpayTest::wait_log(
                       qr/answered 503: redis the cluster is down \(CLUSTERDOWN\)/),
                   'logged');
    Test::More::is(main::reply($owner, 'CLUSTER', 'ADDSLOTS', $main::SLOT),
                   'OK', 'ADDSLOTS');
    Test::More::ok(main::wait_until(sub { main::cluster_ok() }, 20),
                   'the cluster is ok again');

    my @st;
    for (1 .. 50) {
        push @st, main::post_status(main::probe_tweet('1570000000000000006'));
        last if $st[-1] eq '200';
        Time::HiRes::sleep(0.1);
    }
    Test::More::is($st[-1], '200', "redelivered: 200 (@st)");
    Test::More::is(main::reply($owner, 'EXISTS',
                               '{hashpay}:tweet:1570000000000000006'), 1,
                   'it acted');
    Test::More::is(scalar(HashpayTest::log_lines(
                              qr/hashpay redis: asking cluster node/)),
                   scalar($asks), 'no new discovery: the connection was kept');
    Test::More::is(scalar(HashpayTest::log_lines(qr/closing the connection/)),
                   0, 'never closed');
  } ]
--- no_error_log
[alert]
[crit]



=== TEST 5: a node without CLUSTER SHARDS: CLUSTER SLOTS instead
The only node given is one of this file's own that answers "unknown
subcommand" to CLUSTER SHARDS (as Redis before 7.0) and gives the real
owner in CLUSTER SLOTS: the worker connects there and the delivery acts.
--- http_config eval
"hashpay_redis_cluster 127.0.0.1:$ENV{TEST_NGINX_OLD_PORT} $main::Timeouts;
hashpay_prefix \"{hashpay}\";"
--- delivery eval
main::probe_tweet('1570000000000000007')
--- error_code: 200
--- timeout: 30
--- after_each eval
[ sub {
    my $owner = main::owner($main::SLOT);
    Test::More::is(main::reply($owner, 'EXISTS',
                               '{hashpay}:tweet:1570000000000000007'), 1,
                   'the delivery acted on the owner');
    Test::More::ok(main::whole_log(
                       qr/cluster node 127\.0\.0\.1:$main::OldPort: ERR unknown subcommand 'shards'.*, CLUSTER SLOTS instead/),
                   'SHARDS refused: SLOTS asked');
    Test::More::ok(main::whole_log(
                       qr/hashpay redis: cluster node 127\.0\.0\.1:$main::OldPort: slot 6887 is on 127\.0\.0\.1:$owner$/m),
                   'the owner from CLUSTER SLOTS');
  } ]
--- no_error_log
[alert]
[crit]




=== TEST 6: two edges, purchases and transactions: the owner dies, then the slot moves
The shape of t/059-failover.t on the Cluster (see load_mode above): two
nginx of their own with hashpay_redis_cluster (2 workers each), 4
clients sending each request once; the owner of the slot killed while
its replica is behind, the replica promoted, the killed node back as a
replica, then the slot migrated under the flow (100 keys a MIGRATE).  Each request took less
than timeout + margin, 200 comes back on both edges, every 503 delivered
again acts once, events = purchase hashes = sold, events = redeemed
claims, sold + held <= stock throughout; run without and with
hashpay_redis_wait 1 500ms, and what each lost is printed (with wait: 0).
Not under valgrind (make test-valgrind): its flows run on the two edges
of its own (t/lib/HashpayHA.pm spawn_nginx), which are never under
valgrind, so there it would check nothing that make test does not, at the
cost of minutes; the nginx under valgrind would only answer the probe
delivery, which TEST 1 to 5 already do.
--- skip_eval
1: $ENV{TEST_NGINX_USE_VALGRIND}
--- http_config eval
"hashpay_redis_cluster $ENV{TEST_NGINX_SEEDS} $main::Timeouts;
hashpay_prefix \"{hashpay}\";"
--- delivery eval
main::probe_tweet('1570000000000000008')
--- error_code: 200
--- timeout: 300
--- after_each eval
[ sub {
    main::load_mode('nowait');
    main::load_mode('wait');
    Test::More::diag(sprintf('cluster: lost (answered 200, absent after '
                             . 'the failover): without hashpay_redis_wait '
                             . '%d, with it %d',
                             $main::Lost{nowait} // -1,
                             $main::Lost{wait} // -1));
  } ]
--- no_error_log
[alert]
[crit]
