# Lifecycle under load (issue 15, point 3): an nginx master of each
# test's own (two workers, t/lib/HashpayLife.pm) against a Redis of the
# file's own, while four clients send purchases (intents and their
# confirmations), cashback claims and card transactions, each delivery
# sent again after anything but a 200 as the platforms do:
#
# 1. nginx -s reload ten times in a row;
# 2. nginx -s quit while requests wait on Redis (held there by CLIENT
#    PAUSE WRITE, lifted once the workers are shutting down): they are
#    answered (200, none cut short), every delivery that acted in Redis
#    was answered, and the master exits within worker_shutdown_timeout
#    (plus a margin); and again with Redis paused past
#    worker_shutdown_timeout: the master still exits in time, the
#    requests still held are closed unanswered (nginx's rule), and a
#    script that ran after all runs once;
# 3. a worker killed with SIGKILL while every client's request waits on
#    Redis (paused for writes): the master starts another, which
#    connects to Redis; what the killed worker held is sent again and
#    acts once;
# 4. Redis paused across a reload (CLIENT PAUSE ALL, longer than twice
#    timeout=; CLIENT PAUSE WRITE, lifted once requests were answered 503
#    during it): every request answers (200 or 503, nothing hangs), and
#    afterwards everything works.
#
# After each: once the old workers have drained, Redis's clients
# (CLIENT LIST) are exactly one connection per live worker, matched by
# port with each worker's own sockets (/proc); every delivery answered
# 200 is in Redis exactly once (its record, its event, its purchase or
# claim), none other more than once, nothing in Redis that no delivery
# made; sold + held <= stock; error.log has no alert, crit or emerg but
# the killed worker's.  Waits are polls with generous deadlines, never
# measures of speed.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes ();
use HashpayTest ();
use HashpayLife;

plan skip_all => "module not built ($MODULE)" unless -f $MODULE;

my $Parent = $$;
my $Redis = HashpayTest::spawn_redis();
my @Nginx;

END {
    local $?;
    if ($$ == $Parent) {
        stop_nginx($_) for @Nginx;
        HashpayTest::stop_redis($Redis) if $Redis;
    }
}

sub nginx {
    my $n = start_nginx(redis => $Redis, @_);
    push @Nginx, $n;
    return $n;
}

# one scenario after the other, its assertions counted one by one
sub scenario {
    my ($name, $code) = @_;
    note($name);
    $code->();
}

# error.log: nothing at alert, crit or emerg level but what %allow matches
sub log_clean {
    my ($n, $what, $allow) = @_;
    my @bad = grep { !($allow && $_ =~ $allow) }
              error_log_lines($n, qr/\[(alert|crit|emerg)\]/);
    is_deeply(\@bad, [], "$what: no alert, crit or emerg in error.log");
}

scenario 'ten reloads in a row with traffic flowing' => sub {
    my $n = nginx();
    connections_settle($n, 'at start');
    my $f = flow_start($n);
    my $len = flow_wait_events($n, 20);
    my %seen = map { $_->{pid} => 1 } @{ workers($n) };

    # nginx merges the signals that reach a busy master: each reload is
    # sent once the previous one has started its workers, so that all
    # ten take effect while the old workers drain
    for my $i (1 .. 10) {
        my ($rc, $out) = nginx_signal($n, 'reload');
        is($rc, 0, "reload $i signalled") or diag $out;
        my $new = [];
        ok(poll(60, sub { $new = new_workers($n, \%seen); @$new == 2 }),
           "reload $i: two new workers");
        $seen{$_->{pid}} = 1 for @$new;
    }

    is(scalar(error_log_lines($n, qr/\[notice\] \d+#\d+: reconfiguring$/)), 10,
       'error.log: ten reconfigurations');
    flow_wait_events($n, 20, $len + 20);
    my $d = flow_stop($f);
    check_answers($d, 'reload', { 503 => 1 });
    ok(!(grep { $_->{attempts}[-1][0] ne '200' } @$d),
       'reload: every delivery ended answered 200');
    connections_settle($n, 'after ten reloads');
    check_redis($n, $d, 'after ten reloads');
    log_clean($n, 'reload');
    stop_nginx($n);
};

# the deliveries that acted in Redis (a record under their id) but were
# never answered 200
sub acted_unanswered {
    my ($n, $d) = @_;
    my @out;
    for my $x (@$d) {
        my $key = $x->{kind} eq 'txn' ? "hashpay:txn:$x->{id}"
                                      : "hashpay:tweet:$x->{id}";
        push @out, "$x->{kind} $x->{id}: "
                   . join(' ', map { $_->[0] } @{ $x->{attempts} })
            if defined redis_of($n, 'GET', $key)
               && !grep { $_->[0] eq '200' } @{ $x->{attempts} };
    }
    return \@out;
}

# Redis paused for writes (every delivery runs a script, which waits)
# until every client has a request in flight that a worker has accepted
# (one not yet accepted when the listening sockets close is reset: not
# in flight); then nginx -s quit, and the workers are seen shutting down.
# Returns the quit time.
sub quit_while_held {
    my ($n, $f) = @_;
    is(redis_of($n, 'CLIENT', 'PAUSE', 120000, 'WRITE'), 'OK',
       'Redis paused for writes');
    ok(poll(60, sub { clients_in_flight($f) == $f->{clients}
                      && accepted($n) == $f->{clients} }),
       'every client has a request in flight, accepted by a worker');
    my $t_quit = Time::HiRes::time();
    my ($rc, $out) = nginx_signal($n, 'quit');
    is($rc, 0, 'quit signalled') or diag $out;
    ok(poll(60, sub { my $w = workers($n);
                      master_exited($n) || !grep { !$_->{old} } @$w }),
       'the workers are shutting down');
    return $t_quit;
}

scenario 'quit with requests waiting on Redis: they finish' => sub {
    my $n = nginx(redis_args => 'timeout=30s');
    my $f = flow_start($n);
    flow_wait_events($n, 20);
    my $t_quit = quit_while_held($n, $f);
    ok(!master_exited($n), 'the master waits for the requests in flight');
    is(redis_of($n, 'CLIENT', 'UNPAUSE'), 'OK', 'Redis resumes');

    # worker_shutdown_timeout 5s, and a margin for a busy machine
    ok(poll(5 + 25, sub { master_exited($n) }),
       'the master exits within worker_shutdown_timeout and a margin');
    is($n->{status}, 0, 'the master exits with status 0');
    my $d = flow_stop($f, abandon => 1);

    check_answers($d, 'quit', { refused => 1 });
    my @held = grep { my $x = $_; grep { $_->[0] eq '200'
                                         && $_->[2] < $t_quit
                                         && $_->[3] > $t_quit }
                                       @{ $x->{attempts} } } @$d;
    cmp_ok(scalar @held, '>=', 2,
           'requests in flight across the quit are answered 200');
    is_deeply(acted_unanswered($n, $d), [],
              'quit: every delivery that acted was answered 200');
    connections_settle($n, 'after quit', 0);
    check_redis($n, $d, 'after quit');
    log_clean($n, 'quit');
};

scenario 'quit with requests held longer than worker_shutdown_timeout' => sub {
    my $n = nginx(redis_args => 'timeout=60s', shutdown_timeout => '2s');
    my $f = flow_start($n);
    flow_wait_events($n, 20);
    quit_while_held($n, $f);

    # Redis stays paused: worker_shutdown_timeout closes what is left
    ok(poll(2 + 28, sub { master_exited($n) }),
       'the master exits within worker_shutdown_timeout and a margin, '
       . 'Redis still paused');
    is($n->{status}, 0, 'the master exits with status 0');
    is(redis_of($n, 'CLIENT', 'UNPAUSE'), 'OK', 'Redis resumes');
    my $d = flow_stop($f, abandon => 1);

    # the requests cut by worker_shutdown_timeout see their connection
    # closed without an answer ("empty"): that is nginx's rule
    my $count = check_answers($d, 'quit past the timeout',
                              { refused => 1, empty => 1 });
    cmp_ok($count->{empty} // 0, '>=', 2,
           'the requests still held were closed unanswered');
    connections_settle($n, 'after quit past the timeout', 0);
    check_redis($n, $d, 'after quit past the timeout');
    log_clean($n, 'quit past the timeout');
};

# killed while every client waits on Redis (paused for writes): what the
# killed worker had sent may still run once Redis resumes, unanswered;
# the platform's retry is then told "duplicate"
scenario 'a worker killed with SIGKILL' => sub {
    my $n = nginx();
    my $f = flow_start($n);
    my $len = flow_wait_events($n, 20);
    my $before = workers($n);
    my $victim = $before->[0]{pid};
    is(redis_of($n, 'CLIENT', 'PAUSE', 120000, 'WRITE'), 'OK',
       'Redis paused for writes');
    ok(poll(60, sub { clients_in_flight($f) == $f->{clients} }),
       'every client has a request in flight');
    ok(kill('KILL', $victim), "worker $victim killed");

    my $new;
    ok(poll(60, sub {
           my @w = grep { !$_->{old} } @{ workers($n) };
           ($new) = grep { $_->{pid} != $victim
                           && $_->{pid} != $before->[1]{pid} } @w;
           @w == 2 && $new;
       }), 'the master starts another worker');
    is(redis_of($n, 'CLIENT', 'UNPAUSE'), 'OK', 'Redis resumes');
    ok($new && poll(60, sub {
           my $p = worker_redis_ports($n, $new->{pid});
           my %c = map { $_ => 1 } @{ client_ports($n) };
           @$p == 1 && $c{$p->[0]};
       }), 'the new worker connects to Redis (CLIENT LIST shows it)');

    flow_wait_events($n, 20, $len + 20);
    my $d = flow_stop($f);
    check_answers($d, 'kill', { 503 => 1, empty => 1 });
    ok(!(grep { $_->{attempts}[-1][0] ne '200' } @$d),
       'kill: every delivery ended answered 200');
    connections_settle($n, 'after SIGKILL');
    check_redis($n, $d, 'after SIGKILL');
    log_clean($n, 'kill', qr/worker process $victim exited on signal 9/);
    stop_nginx($n);
};

# ALL: the new workers' handshake waits too, and the old connections
# have no reply for longer than twice timeout= (1s), so they are given
# up; Redis blocks CLIENT UNPAUSE as well, so this pause has a length.
# WRITE: scripts wait, and the pause is lifted only once requests have
# been answered 503 during it and the new workers run.
for my $mode ('ALL', 'WRITE') {
    scenario "Redis paused ($mode) across a reload" => sub {
        my $n = nginx();
        my $f = flow_start($n);
        my $len = flow_wait_events($n, 20);
        my $old = { map { $_->{pid} => 1 } @{ workers($n) } };

        my $t_pause = Time::HiRes::time();
        is(redis_of($n, 'CLIENT', 'PAUSE', $mode eq 'ALL' ? 3000 : 120000,
                    $mode), 'OK', "Redis paused ($mode)");
        my ($rc, $out) = nginx_signal($n, 'reload');
        is($rc, 0, 'reload signalled during the pause') or diag $out;

        if ($mode eq 'WRITE') {
            ok(poll(60, sub { answers_since($f, $t_pause, '503') >= 2 }),
               'requests answered 503 while Redis is paused');
            ok(poll(60, sub { @{ new_workers($n, $old) } == 2 }),
               'the new workers run');
            is(redis_of($n, 'CLIENT', 'UNPAUSE'), 'OK', 'Redis resumes');
        }

        $len = flow_wait_events($n, 20, $len);
        flow_wait_events($n, 20, $len);
        my $d = flow_stop($f);
        check_answers($d, "pause $mode", { 503 => 1 });
        ok(!(grep { $_->{attempts}[-1][0] ne '200' } @$d),
           "pause $mode: every delivery ended answered 200");
        connections_settle($n, "after the pause ($mode) and reload");
        check_redis($n, $d, "after the pause ($mode) and reload");
        log_clean($n, "pause $mode");
        stop_nginx($n);
    };
}

done_testing();
