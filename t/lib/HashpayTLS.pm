package HashpayTLS;

# Redis over TLS for the tests (t/058-redis-tls.t): a private PKI made by
# openssl at test time, Debian's redis-server with --tls-port only, and a
# clear-text listener that records what a client sends it.
#
#   pki()                 a temp dir with two CAs and their certificates:
#                         ca.crt/ca.key (ours), server.crt/.key (by ca,
#                         DNS:redis.test, IP:127.0.0.1), client.crt/.key
#                         (by ca), other-ca.crt, rogue.crt/.key (by the
#                         other CA, same names as server.crt); a hash ref
#                         { dir, ca, cert, key, ... } of file names
#   spawn_tls_redis($pki, auth_clients => 'no'|'optional'|'yes',
#                   cert => 'server'|'rogue', password => S,
#                   args => [...])
#                         a redis-server on a free TLS port, no clear-text
#                         port; { port, dir, ... } once it answers PING
#   tls_reply($r, @cmd)   one command through redis-cli --tls (with our
#                         client certificate; the other CA for a rogue
#                         server; -c, following MOVED, when $r->{cluster}):
#                         its --raw output, chomped
#   stop_tls_redis($r)    SHUTDOWN NOSAVE (also at exit)
#   recorder()            (pid, port, file): a TCP listener that writes the
#                         first bytes of its first connection, in hex, to
#                         file, and answers nothing
#
# Ports come from the kernel (HashpayTest::free_port).

use strict;
use warnings;

use File::Temp ();
use IO::Socket::INET ();
use POSIX ();
use HashpayTest ();
use Exporter 'import';

our @EXPORT_OK = qw(pki spawn_tls_redis tls_reply stop_tls_redis recorder);

our @Servers;
our @Children;
our $Parent = $$;

sub run {
    my (@cmd) = @_;
    system(@cmd) == 0 or die "failed: @cmd: $?";
}

sub openssl {
    my ($dir, @args) = @_;
    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        chdir $dir or POSIX::_exit(1);
        open(STDOUT, '>', '/dev/null');
        open(STDERR, '>', '/dev/null');
        exec('openssl', @args) or POSIX::_exit(1);
    }

    waitpid($pid, 0);
    die "openssl @args failed" if $?;
}

sub pki {
    my $dir = File::Temp::tempdir('hashpay-tls-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);

    open(my $fh, '>', "$dir/server.ext") or die "$dir: $!";
    print $fh "subjectAltName=DNS:redis.test,IP:127.0.0.1\n"
        . "extendedKeyUsage=serverAuth,clientAuth\n";
    close $fh;

    open($fh, '>', "$dir/client.ext") or die "$dir: $!";
    print $fh "extendedKeyUsage=clientAuth\n";
    close $fh;

    for my $ca ('ca', 'other-ca') {
        openssl($dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                '-days', '2', '-subj', "/CN=hashpay test $ca",
                '-keyout', "$ca.key", '-out', "$ca.crt");
    }

    for my $c ([ 'server', 'ca', 'server.ext' ],
               [ 'rogue', 'other-ca', 'server.ext' ],
               [ 'client', 'ca', 'client.ext' ])
    {
        my ($name, $ca, $ext) = @$c;
        openssl($dir, 'req', '-newkey', 'rsa:2048', '-nodes',
                '-subj', "/CN=$name", '-keyout', "$name.key",
                '-out', "$name.csr");
        openssl($dir, 'x509', '-req', '-in', "$name.csr", '-CA', "$ca.crt",
                '-CAkey', "$ca.key", '-CAcreateserial', '-days', '2',
                '-extfile', $ext, '-out', "$name.crt");
    }

    chmod 0644, glob("$dir/*");

    return { dir => $dir, ca => "$dir/ca.crt",
             cert => "$dir/client.crt", key => "$dir/client.key",
             server_cert => "$dir/server.crt",
             server_key => "$dir/server.key",
             rogue_cert => "$dir/rogue.crt", rogue_key => "$dir/rogue.key",
             other_ca => "$dir/other-ca.crt" };
}

sub spawn_tls_redis {
    my ($pki, %o) = @_;
    my $dir = File::Temp::tempdir('hashpay-tls-redis-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    my $port = $o{port} || HashpayTest::free_port();
    my $which = $o{cert} || 'server';
    my $bin = $o{bin} || $ENV{REDIS_SERVER} || 'redis-server';

    my @args = ('--port', '0', '--tls-port', $port, '--bind', '127.0.0.1',
                '--tls-cert-file', $pki->{"${which}_cert"}
                                   // "$pki->{dir}/$which.crt",
                '--tls-key-file', $pki->{"${which}_key"}
                                  // "$pki->{dir}/$which.key",
                '--tls-ca-cert-file', $pki->{ca},
                '--tls-auth-clients', $o{auth_clients} || 'no',
                '--save', '', '--appendonly', 'no', '--dir', $dir,
                '--pidfile', "$dir/redis.pid",
                '--logfile', "$dir/redis.log", '--daemonize', 'yes');
    push @args, '--requirepass', $o{password} if defined $o{password};
    push @args, @{ $o{args} } if $o{args};

    run($bin, @args);

    my $r = { %o, port => $port, dir => $dir, pki => $pki };
    $r->{cacert} //= $pki->{other_ca} if $which eq 'rogue';
    push @Servers, $r;

    for (1 .. 100) {
        my $pong = eval { tls_reply($r, 'PING') };
        return $r if defined $pong && $pong eq 'PONG';
        select(undef, undef, undef, 0.05);
    }

    my $log = `tail -3 $dir/redis.log 2>&1`;
    die "redis-server with TLS on port $port did not come up: $log";
}

sub tls_reply {
    my ($r, @cmd) = @_;
    my $pki = $r->{pki};
    my @cli = ('redis-cli', '--tls', '--cacert', $r->{cacert} // $pki->{ca},
               '--cert', $pki->{cert}, '--key', $pki->{key},
               '-h', '127.0.0.1', '-p', $r->{port}, '--raw');
    push @cli, '-c' if $r->{cluster};
    push @cli, '--user', $r->{user} if defined $r->{user};
    push @cli, '--pass', $r->{password} if defined $r->{password};
    push @cli, '--no-auth-warning';

    my $pid = open(my $fh, '-|');
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        open(STDERR, '>', '/dev/null');
        exec(@cli, @cmd) or POSIX::_exit(1);
    }

    my $out = do { local $/; <$fh> };
    close $fh;
    $out = '' unless defined $out;
    $out =~ s/\n\z//;
    return $out;
}

sub stop_tls_redis {
    my ($r) = @_;
    eval { tls_reply($r, 'SHUTDOWN', 'NOSAVE') };
    @Servers = grep { $_ != $r } @Servers;
}

sub recorder {
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Listen => 16,
                                       ReuseAddr => 1)
        or die "no socket: $!";
    my $port = $listen->sockport;
    my $file = "/tmp/hashpay-tls-recorder.$$.$port";
    unlink $file;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid) {
        close $listen;
        push @Children, $pid;
        return ($pid, $port, $file);
    }

    # the first connection's first bytes; the others are held open and
    # never answered, until the parent goes
    my @held;

    while (getppid() != 1) {
        my $rin = '';
        vec($rin, fileno($listen), 1) = 1;
        next unless select(my $rout = $rin, undef, undef, 0.1);
        my $c = $listen->accept or next;
        push @held, $c;
        next if -e $file;

        my $buf = '';
        my $cin = '';
        vec($cin, fileno($c), 1) = 1;
        if (select(my $cout = $cin, undef, undef, 5)) {
            sysread($c, $buf, 64);
        }

        open(my $fh, '>', "$file.tmp") or next;
        print $fh unpack('H*', $buf);
        close $fh;
        rename "$file.tmp", $file;
    }

    POSIX::_exit(0);
}

END {
    local $?;

    if ($$ == $Parent) {
        for my $r (@Servers) {
            eval { tls_reply($r, 'SHUTDOWN', 'NOSAVE') };
        }

        for my $pid (@Children) {
            kill 'TERM', $pid;
            waitpid($pid, 0);
        }
    }
}

1;
