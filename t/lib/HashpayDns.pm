package HashpayDns;

# A DNS server of a test file's own, for nginx's resolver (the "resolver"
# directive) in t/058-sentinel-hostname.t and t/059-cluster-hostname.t:
# RFC 1035 over UDP on 127.0.0.1, a port the kernel chose, in a child
# process that ends with the test file.  Perl core modules only.
#
#   spawn_dns(known => [names], silent => [names])
#                   the port.  A known name has an A record, 127.0.0.1
#                   (TTL 1 s), and an empty answer for any other type
#                   (nginx's resolver asks AAAA too); a silent name is
#                   never answered (a DNS server that does not answer);
#                   any other name is NXDOMAIN.
#   queries($name)  how many queries for the name (any type) the server
#                   got so far: every query is written to a file first.

use strict;
use warnings;

use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Exporter 'import';

our @EXPORT_OK = qw(spawn_dns queries);

our $Parent = $$;
our $QueryFile = "/tmp/hashpay-dns-queries.$$";
our @Pids;

END {
    local $?;

    if ($$ == $Parent) {
        for my $pid (@Pids) {
            kill 'TERM', $pid;
            waitpid($pid, 0);
        }

        unlink $QueryFile;
    }
}

sub spawn_dns {
    my (%o) = @_;
    my %known = map { lc($_) => 1 } @{ $o{known} || [] };
    my %silent = map { lc($_) => 1 } @{ $o{silent} || [] };

    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                     LocalPort => 0, Proto => 'udp')
        or die "no udp socket: $!";
    my $port = $sock->sockport;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid) {
        close $sock;
        push @Pids, $pid;
        return $port;
    }

    my $sel = IO::Select->new($sock);

    while (getppid() != 1) {
        next unless $sel->can_read(0.1);

        my $peer = $sock->recv(my $q, 512) or next;
        next if length($q) < 12;

        my ($id, $flags, $qd) = unpack('n n n', $q);
        next unless $qd == 1;

        # the question: labels, then type and class
        my ($off, @labels) = (12);

        while ($off < length $q) {
            my $n = ord substr($q, $off, 1);
            $off++;
            last if $n == 0;
            push @labels, lc substr($q, $off, $n);
            $off += $n;
        }

        next if $off + 4 > length $q;

        my ($type) = unpack('n', substr($q, $off, 2));
        my $question = substr($q, 12, $off + 4 - 12);
        my $name = join('.', @labels);

        if (open(my $fh, '>>', $QueryFile)) {
            print $fh "$name $type\n";
            close $fh;
        }

        next if $silent{$name};

        my ($rcode, $answer, $an) = (0, '', 0);

        if (!$known{$name}) {
            $rcode = 3;

        } elsif ($type == 1) {
            # a pointer to the question's name, A, IN, TTL 1 s, 127.0.0.1
            $answer = pack('n n n N n C4', 0xc00c, 1, 1, 1, 4,
                           127, 0, 0, 1);
            $an = 1;
        }

        # QR, the query's RD, RA, the rcode; one question, $an answers
        my $rflags = 0x8000 | ($flags & 0x0100) | 0x0080 | $rcode;

        $sock->send(pack('n n n n n n', $id, $rflags, 1, $an, 0, 0)
                    . $question . $answer, 0, $peer);
    }

    POSIX::_exit(0);
}

sub queries {
    my ($name) = @_;
    open(my $fh, '<', $QueryFile) or return 0;
    my $n = grep { /^\Q$name\E \d+$/ } <$fh>;
    close $fh;
    return $n;
}

1;
