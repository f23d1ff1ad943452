package Test::Nginx::Util;

# Compatible stand-in for the nginx-management half of openresty's
# Test::Nginx (Test::Nginx::Util).  Only used when the real Test::Nginx is
# not installed: util/test.sh puts t/compat on PERL5LIB in that case.
#
# It implements the subset of the upstream behaviour that this project's
# tests rely on (the list of sections is at the top of Socket.pm):
# server root layout, nginx.conf generation, starting/stopping nginx per
# block, $TEST_NGINX_* expansion, error/access log slicing, skip/todo
# sections, must_die, init, user_files, shutdown_error_log, and
# TEST_NGINX_USE_VALGRIND as upstream runs it (see _valgrind_cmd).

use strict;
use warnings;

our $VERSION = '0.33';
our $IsCompat = 1;

use base 'Exporter';

use Carp qw(croak);
use Cwd ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use IO::Socket::INET ();
use List::Util qw(shuffle);
use POSIX qw(SIGQUIT SIGKILL SIGTERM WNOHANG);
use Scalar::Util qw(looks_like_number);
use Test::LongString ();
use Test::More ();
use Time::HiRes ();

our @EXPORT = qw(
    expand_env_in_text env_to_nginx is_str check_accum_error_log is_running
    $NoLongString no_long_string $ServerAddr server_addr $ServerName
    server_name parse_time verbose sleep_time bail_out add_cleanup_handler
    add_test_cleanup_handler access_log_data error_log_data
    setup_server_root write_config_file get_canon_version get_nginx_version
    trim show_all_chars parse_headers run_tests get_pid_from_pidfile
    $ServerPortForClient $ServerPort $NginxVersion $PidFile $ServRoot
    $ConfFile $RunTestHelper $CheckErrorLog $CheckShutdownErrorLog
    $FilterHttpConfig $NoNginxManager $RepeatEach add_block_preprocessor
    timeout worker_connections workers master_on master_off config_preamble
    repeat_each master_process_enabled log_level no_shuffle no_root_location
    html_dir server_root server_port server_port_for_client no_nginx_manager
    use_hup
);

# ---------------------------------------------------------------------
# settings (same environment variables and defaults as upstream)

our $Verbose              = $ENV{TEST_NGINX_VERBOSE};
our $RepeatEach           = 1;
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $LoadModules          = $ENV{TEST_NGINX_LOAD_MODULES};
our $Timeout              = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $ServerAddr           = '127.0.0.1';
our $ServerName           = 'localhost';
our $NginxBinary          = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $Workers              = 1;
our $WorkerConnections    = 64;
our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled        = 'on';
our $ServerPort           = $ENV{TEST_NGINX_SERVER_PORT}
                            || $ENV{TEST_NGINX_PORT} || 1984;
our $ServerPortForClient  = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoRootLocation       = 0;
our $TestNginxSleep       = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $ForceRestartOnTest   = defined $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST}
                            ? $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST} : 1;
our $CheckAccumErrLog     = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $NoNginxManager       = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $EventType            = $ENV{TEST_NGINX_EVENT_TYPE};
our $PostponeOutput       = $ENV{TEST_NGINX_POSTPONE_OUTPUT};
our $WorkerUser           = $ENV{TEST_NGINX_WORKER_USER};
our $Randomize            = $ENV{TEST_NGINX_RANDOMIZE};
our $UseValgrind          = $ENV{TEST_NGINX_USE_VALGRIND};
our $ValgrindExitOnFirstErr = $ENV{TEST_NGINX_VALGRIND_EXIT_ON_FIRST_ERR};
# nginx under valgrind starts and exits (leak check) slowly: how long to
# wait for its pid file, and for it to be gone after SIGQUIT
our $ValgrindWait         = $ENV{TEST_NGINX_VALGRIND_WAIT} || 120;
our $NoLongString;
our $ConfigPreamble       = '';
our $FilterHttpConfig;
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our @TestCleanupHandlers;

# hooks filled in by Test::Nginx::Socket
our $RunTestHelper;
our $CheckErrorLog;
our $CheckShutdownErrorLog;

# run state
our $NginxVersion;
our $NginxRawVersion;
our $OpenSSLVersion;
our $PrevConfig;
our $PrevBlock;
our $ErrLogFilePos = 0;
our $RandPorts = {};
our $FirstTime = 1;
our $InSubprocess;
our $ChildPid;

# as upstream: under valgrind nginx stays in the foreground, our child
# (valgrind must see it exit); master_process stays what the test says
$DaemonEnabled = 'off' if $UseValgrind;

if (defined $WorkerUser && $WorkerUser !~ /^\w[-\w]+(?:\s+\w[-\w]+)?$/) {
    die "Bad value in the env TEST_NGINX_WORKER_USER: $WorkerUser\n";
}

srand($$ ^ int(Time::HiRes::time() * 1000));

if ($Randomize) {
    $ServerPort = _find_free_port({});
    defined $ServerPort
        or die "Cannot find an available listening port number\n";
    $ServerPortForClient = $ServerPort;
}

our $ServRoot = $Randomize
    ? File::Spec->rel2abs("t/servroot_$ServerPort")
    : ($ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot'));
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = File::Spec->catfile($ServRoot, 'logs');
our $ErrLogFile = File::Spec->catfile($LogDir, 'error.log');
our $AccLogFile = File::Spec->catfile($LogDir, 'access.log');
our $HtmlDir    = File::Spec->catfile($ServRoot, 'html');
our $ConfDir    = File::Spec->catfile($ServRoot, 'conf');
our $ConfFile   = File::Spec->catfile($ConfDir, 'nginx.conf');
our $PidFile    = File::Spec->catfile($LogDir, 'nginx.pid');
our $CacheDir   = File::Spec->catfile($ServRoot, 'cache');

# ---------------------------------------------------------------------
# small setters/getters exported to test files

sub no_long_string ()       { $NoLongString = 1 }
sub no_shuffle ()           { $NoShuffle = 1 }
sub no_nginx_manager ()     { $NoNginxManager = 1 }
sub no_root_location ()     { $NoRootLocation = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub master_on ()            { $MasterProcessEnabled = 'on' }
sub master_off ()           { $MasterProcessEnabled = 'off' }
sub config_preamble ($)     { $ConfigPreamble = shift }
sub sleep_time              { $TestNginxSleep }
sub verbose                 { $Verbose }
sub html_dir ()             { $HtmlDir }
sub server_root ()          { $ServRoot }

sub use_hup () {
    warn "WARNING: use_hup() is not supported by the compat Test::Nginx; "
         . "restarting nginx instead\n";
}

sub _get_set {
    my ($ref, @args) = @_;
    $$ref = $args[0] if @args;
    return $$ref;
}

sub server_addr (@)            { _get_set(\$ServerAddr, @_) }
sub server_name (@)            { _get_set(\$ServerName, @_) }
sub timeout (@)                { _get_set(\$Timeout, @_) }
sub server_port (@)            { _get_set(\$ServerPort, @_) }
sub server_port_for_client (@) { _get_set(\$ServerPortForClient, @_) }
sub repeat_each (@)            { _get_set(\$RepeatEach, @_) }
sub worker_connections (@)     { _get_set(\$WorkerConnections, @_) }
sub workers (@)                { _get_set(\$Workers, @_) }
sub log_level (@)              { _get_set(\$LogLevel, @_) }

sub master_process_enabled (@) {
    if (@_) {
        $MasterProcessEnabled = $_[0] ? 'on' : 'off';
    }
    return $MasterProcessEnabled;
}

sub env_to_nginx (@) {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        croak "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

# upstream prepends: the last registered preprocessor runs first
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)    { unshift @CleanupHandlers, shift }
sub add_test_cleanup_handler ($) { unshift @TestCleanupHandlers, shift }

sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    return Test::More::is($got, $expected, $desc) if $NoLongString;
    return Test::LongString::is_string($got, $expected, $desc);
}

sub parse_time ($) {
    my $t = shift;
    return $t unless defined $t;
    if ($t =~ s/([^_a-zA-Z])ms$/$1/) {
        return $t / 1000;
    }
    $t =~ s/([^_a-zA-Z])s$/$1/;
    return $t;
}

sub trim ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /g;
    $s =~ s/\s{2,}/ /g;
    return $s;
}

sub show_all_chars ($) {
    my $s = shift;
    $s =~ s/\n/\\n/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\t/\\t/g;
    return $s;
}

# "Name: value" per line; "!Name" means the header must be absent (undef)
sub parse_headers ($) {
    my $text = shift;
    my %h;
    for my $line (split /\n/, $text) {
        $line =~ s/^\s+|\s+$//g;
        if ($line =~ s/^!\s*//) {
            $h{$line} = undef;
            next;
        }
        my ($k, $v) = split /\s*:\s*/, $line, 2;
        $k = '' unless defined $k;
        $h{$k} = $v;
    }
    return \%h;
}

sub get_canon_version (@) {
    return sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

my %NginxV;
sub _nginx_V {
    return $NginxV{$NginxBinary} if defined $NginxV{$NginxBinary};
    my $out = `$NginxBinary -V 2>&1`;
    if (!defined $out || $? != 0) {
        bail_out("Failed to get the version of the Nginx in PATH: "
                 . ($out // ''));
    }
    return $NginxV{$NginxBinary} = $out;
}

sub get_nginx_version () {
    my $out = _nginx_V();
    if ($out =~ /built with OpenSSL (\d+)\.(\d+)\.(\d+)([a-z])?/) {
        $OpenSSLVersion = get_canon_version($1, $2, $3)
                          . (defined $4 ? sprintf("%03d", ord($4) - ord('a'))
                                        : '');
    }
    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}
        || $out =~ m{\w+/(\d+)\.(\d+)\.(\d+)})
    {
        $NginxRawVersion = "$1.$2.$3";
        return get_canon_version($1, $2, $3);
    }
    bail_out("Failed to parse the output of \"nginx -V\": $out\n");
}

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

# ---------------------------------------------------------------------
# ports and $TEST_NGINX_* expansion

sub _find_free_port {
    my ($used) = @_;
    for (1 .. 1000) {
        my $port = 1988 + int(rand(63547));
        next if $used->{$port};
        my $s = IO::Socket::INET->new(
            LocalAddr => $ServerAddr,
            LocalPort => $port,
            Proto     => 'tcp',
            Listen    => 5,
            ReuseAddr => 1,
        );
        next unless $s;
        close $s;
        return $port;
    }
    return undef;
}

sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;
    return undef unless defined $text;
    $rand_ports ||= {};

    my %used = ($ServerPort => 1, map { $_ => 1 } values %$rand_ports);

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;
        if ($var =~ /^TEST_NGINX_RAND_PORT_[0-9]+$/) {
            if (!defined $rand_ports->{$var}) {
                my $p = _find_free_port(\%used);
                defined $p or bail_out("$name - Cannot find an available "
                                       . "listening port number for $var.\n");
                $rand_ports->{$var} = $p;
                $used{$p} = 1;
            }
            $val = $rand_ports->{$var};
        } else {
            defined $ENV{$var}
                or bail_out("$name - No environment $var defined.\n");
            $val = $ENV{$var};
        }
        $val;
    }ge;

    return $text;
}

# ---------------------------------------------------------------------
# processes

sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid && kill(0, $pid);
    # A daemonised nginx is not our child; if nothing reaps it, it lingers
    # as a zombie, which kill(0) still reports.  Treat that as gone.
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $stat = <$fh>;
        close $fh;
        return 0 if defined $stat && $stat =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

sub _wait_gone {
    my ($pid, $secs) = @_;
    while ($secs > 0) {
        waitpid($pid, WNOHANG);
        return 1 unless is_running($pid);
        Time::HiRes::sleep(0.02);
        $secs -= 0.02;
    }
    waitpid($pid, WNOHANG);
    return !is_running($pid);
}

sub kill_process ($$$) {
    my ($pid, $wait, $name) = @_;
    return unless defined $pid && is_running($pid);

    if ($wait) {
        my $sig = $ENV{TEST_NGINX_FAST_SHUTDOWN} ? SIGTERM : SIGQUIT;
        kill($sig, $pid);
        # valgrind's leak check at exit takes seconds: not a hang.  The
        # signal is sent again every 2 s under valgrind: nginx looks at
        # ngx_quit only after epoll_wait() returns, so a signal that
        # arrives while a slow (valgrind) nginx is still starting (before
        # its first epoll_wait(), e.g. a block that sends no request) is
        # noticed only when some event comes, and an idle nginx has none
        # (its timer is -1): seen, a 120 s wait and a SIGKILL.  A signal
        # that arrives during epoll_wait() interrupts it (EINTR).  A
        # second SIGQUIT during a graceful exit changes nothing.
        if ($UseValgrind) {
            my $left = $ValgrindWait;
            while ($left > 0) {
                return if _wait_gone($pid, $left < 2 ? $left : 2);
                $left -= 2;
                kill($sig, $pid) if $left > 0;
            }
        } elsif (_wait_gone($pid, timeout())) {
            return;
        }
        warn "$name - timeout when waiting for the process $pid to exit\n";
    }

    kill(SIGTERM, $pid);
    return if _wait_gone($pid, 1);

    warn "$name - WARNING: killing the child process $pid with force...\n";
    kill(SIGKILL, $pid);
    _wait_gone($pid, 2);
}

sub get_pid_from_pidfile ($) {
    my ($name) = @_;
    open my $in, '<', $PidFile
        or bail_out("$name - Failed to open the pid file $PidFile for "
                    . "reading: $!");
    my $pid = do { local $/; <$in> };
    close $in;
    $pid = '' unless defined $pid;
    $pid =~ s/\s+//g;
    return $pid;
}

sub _stop_nginx {
    my ($name) = @_;
    return unless -f $PidFile;
    my $pid = get_pid_from_pidfile($name);
    if ($pid ne '' && is_running($pid)) {
        kill_process($pid, 1, $name);
    }
    undef $ChildPid if defined $ChildPid && $pid ne ''
                       && $ChildPid == $pid && !is_running($pid);
    unlink $PidFile if -f $PidFile;
}

sub cleanup_test ($) {
    my $block = shift;
    $_->($block) for @TestCleanupHandlers;
}

sub cleanup () {
    $_->() for @CleanupHandlers;
    if (defined $ChildPid) {
        kill_process($ChildPid, 1, "cleanup");
        undef $ChildPid;
    }
}

# ---------------------------------------------------------------------
# logs

sub _read_log_lines {
    my ($file, $use_pos) = @_;
    open my $in, '<', $file or return undef;
    if ($use_pos && $ErrLogFilePos > 0) {
        seek $in, $ErrLogFilePos, 0;
    }
    my @lines = <$in>;
    $ErrLogFilePos = tell($in) if $use_pos;
    close $in;
    return \@lines;
}

# lines written to error.log since the previous call in this block
sub error_log_data () {
    # let nginx finish its log-phase writes after the connection closes
    Time::HiRes::sleep($TestNginxSleep * 3);
    return _read_log_lines($ErrLogFile, !$CheckAccumErrLog);
}

sub access_log_data () {
    Time::HiRes::sleep($TestNginxSleep * 3);
    my $lines = _read_log_lines($AccLogFile, 0);
    die "open $AccLogFile failed: $!" unless $lines;
    return $lines;
}

# ---------------------------------------------------------------------
# server root and nginx.conf

sub setup_server_root ($) {
    if (-d $ServRoot) {
        remove_tree($ConfDir, $CacheDir, $HtmlDir, $LogDir,
                    glob("$ServRoot/*_cache"), glob("$ServRoot/*_temp"));
        rmdir $ServRoot
            or bail_out("Can't remove $ServRoot (not empty?): $!");
    }
    for my $d ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        mkdir $d or bail_out("Failed to do mkdir $d\n");
    }
    open my $out, '>', "$HtmlDir/index.html"
        or bail_out("Can't open $HtmlDir/index.html for writing: $!\n");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

sub _run_post_setup {
    my $block = shift;
    my $code = $block->post_setup_server_root;
    return unless $code;
    eval $code;
    bail_out($block->name . " - post_setup_server_root failed: $@") if $@;
}

sub write_user_files ($$) {
    my ($block, $rand_ports) = @_;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        my $cur;
        for my $line (split /^/, $files) {
            if ($line =~ />>> (\S+)(?:\s+(.+))?/) {
                $cur = [$1, undef, $2];
                push @list, $cur;
            } elsif ($cur) {
                $cur->[1] .= $line;
            }
        }
        $files = \@list;
    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - wrong value type: " . ref($files)
                 . ", only scalar or ARRAY are accepted");
    }

    for my $f (@$files) {
        my ($fname, $body, $date) = @$f;
        $body = '' unless defined $body;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/} && !-d $1) {
            make_path($1) or bail_out("$name - Cannot create directory $1");
        }
        $body = expand_env_in_text($body, $name, $rand_ports);
        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!\n");
        binmode $out;
        print $out $body;
        close $out;
        if ($date) {
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - failed to set mtime of $path");
        }
    }
}

sub write_config_file ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;

    my $http_config = expand_env_in_text($block->http_config, $name,
                                         $rand_ports) // '';
    $config = '' unless defined $config;
    $http_config = $FilterHttpConfig->($http_config) if $FilterHttpConfig;

    my $main_config = $block->main_config // '';
    if ($LoadModules) {
        my @mods = map { "load_module $_;" } grep { length } split /\s+/,
                   $LoadModules;
        $main_config = join(' ', @mods, $main_config) if @mods;
    }
    $main_config = expand_env_in_text($main_config, $name, $rand_ports);
    my $post_main_config = expand_env_in_text($block->post_main_config,
                                              $name, $rand_ports) // '';

    my $err_log_file = $block->error_log_file || $ErrLogFile;
    $err_log_file = expand_env_in_text($err_log_file, $name, $rand_ports);
    my $server_name = $block->server_name // $ServerName;

    my $extra_http = '';
    if (defined $PostponeOutput && $http_config !~ /\bpostpone_output\b/) {
        $PostponeOutput =~ /^\d+$/
            or bail_out("Bad TEST_NGINX_POSTPONE_OUTPUT value: "
                        . "$PostponeOutput\n");
        $extra_http = "postpone_output $PostponeOutput;";
    }

    # temp paths go under the server root; skip the ones for modules nginx
    # was built without, or that the test sets itself
    my $V = _nginx_V();
    my @temp;
    push @temp, "client_body_temp_path $ServRoot/client_body_temp;"
        unless $http_config =~ /\bclient_body_temp_path\b/;
    push @temp, "proxy_temp_path $ServRoot/proxy_temp;"
        unless $http_config =~ /\bproxy_temp_path\b/;
    for my $m (qw(fastcgi scgi uwsgi)) {
        push @temp, "${m}_temp_path $ServRoot/${m}_temp;"
            unless $V =~ /--without-http_${m}_module/;
    }

    my @env = ("env LD_PRELOAD;", "env LD_LIBRARY_PATH;", "env ASAN_OPTIONS;",
               map { /\s/ ? "env '$_';" : "env $_;" } @EnvToNginx);

    my $user = '';
    if (defined $WorkerUser) {
        $user = "user $WorkerUser;";
    } elsif ($> == 0) {
        $user = "user root;";
    }

    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    my $events = "    accept_mutex off;\n"
                 . "    worker_connections $WorkerConnections;\n";
    $events .= "    use $EventType;\n" if $EventType;

    my $conf = <<"_EOC_";
# generated by the compat Test::Nginx for: $name
worker_processes $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $err_log_file $LogLevel;
pid $PidFile;
@{[ join "\n", @env ]}

$main_config

http {
    access_log $AccLogFile;
    @{[ join "\n    ", @temp ]}
    default_type text/plain;
    keepalive_timeout 68000ms;
    $extra_http

$http_config

    server {
        listen $ServerPort;
        server_name '$server_name';
        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main_config

events {
$events}

$user
_EOC_

    open my $out, '>', $ConfFile
        or bail_out("Can't open $ConfFile for writing: $!\n");
    print $out $conf;
    close $out;
}

# ---------------------------------------------------------------------
# starting nginx

sub _nginx_cmd {
    my $block = shift;
    # -e (1.19.5+) keeps start-up errors out of the compiled-in log path
    my $cmd = $NginxVersion >= 1.019005 ? "$NginxBinary -e $ErrLogFile"
                                         : $NginxBinary;
    $cmd .= " -p $ServRoot/ -c $ConfFile";
    $cmd .= " > /dev/null";
    $cmd .= " 2> /dev/null" if defined $block->suppress_stderr;
    if (defined $ENV{TEST_NGINX_LD_PRELOAD}) {
        my $pre = $ENV{TEST_NGINX_LD_PRELOAD};
        $pre .= " $ENV{LD_PRELOAD}" if defined $ENV{LD_PRELOAD};
        $cmd = qq{LD_PRELOAD="$pre" $cmd};
    }
    return $UseValgrind ? _valgrind_cmd($cmd) : $cmd;
}

# TEST_NGINX_USE_VALGRIND, as upstream Test::Nginx::Util does it: a number
# means its memcheck options, plus --suppressions=valgrind.suppress when
# that file is in the current directory (this project keeps it in t/ and
# links it from the top); any other value is the whole option string.
# TEST_NGINX_VALGRIND_EXIT_ON_FIRST_ERR adds --exit-on-first-error.
sub _valgrind_cmd {
    my $cmd = shift;
    my $env = '';
    $env = $1 if $cmd =~ s/^(LD_PRELOAD="[^"]*" )//;

    if ($UseValgrind =~ /^\d+$/) {
        my $opts = "--tool=memcheck --leak-check=full --keep-debuginfo=yes"
                   . " --show-possibly-lost=no";
        if ($ValgrindExitOnFirstErr) {
            $opts .= " --exit-on-first-error=yes --error-exitcode=1";
        }
        $opts .= " --gen-suppressions=all";
        $opts .= " --suppressions=valgrind.suppress" if -f 'valgrind.suppress';
        return "${env}valgrind --num-callers=100 -q $opts $cmd";
    }

    return "${env}valgrind -q $UseValgrind $cmd";
}

# Under valgrind nginx runs in the foreground as our child (upstream forks
# and execs it the same way); it is up when its pid file names it (nginx
# writes it after opening the listening sockets, as a daemon does before
# system() returns).  A busy port is retried as in _start_nginx.
sub _start_nginx_child {
    my ($name, $cmd) = @_;
    my $waited = 0;
    my $tries = 0;

    while (1) {
        my $log_size = -s $ErrLogFile || 0;
        my $pid = fork();
        bail_out("$name - fork() failed: $!") unless defined $pid;

        if ($pid == 0) {
            setpgrp;
            $InSubprocess = 1;
            Test::More->builder->no_ending(1);
            exec("exec $cmd") or POSIX::_exit(127);
        }

        $ChildPid = $pid;
        my $status;
        my $t = 0;

        while ($t < $ValgrindWait) {
            if (waitpid($pid, WNOHANG) == $pid) {
                $status = $?;
                undef $ChildPid;
                last;
            }
            if (-s $PidFile) {
                my $p = get_pid_from_pidfile($name);
                if ($p eq $pid) {
                    Time::HiRes::sleep($TestNginxSleep);
                    return 0;
                }
            }
            Time::HiRes::sleep(0.05);
            $t += 0.05;
        }

        if (!defined $status) {
            kill_process($pid, 0, $name);
            undef $ChildPid;
            bail_out("$name - nginx under valgrind did not write its pid "
                     . "file within ${ValgrindWait}s: \"$cmd\"");
        }

        if (_error_log_has(qr/Address already in use/, $log_size)
            && $waited < 30)
        {
            $tries++;
            my $delay = 0.1 * $tries;
            $delay = 1 if $delay > 1;
            Time::HiRes::sleep($delay);
            $waited += $delay;
            next;
        }

        my $tail = '';
        if (open my $in, '<', $ErrLogFile) {
            my @l = <$in>;
            close $in;
            $tail = join '', grep { /\[(?:emerg|alert|crit)\]/ } @l;
        }
        bail_out("$name - Cannot start nginx using command \"$cmd\" "
                 . "(status code $status).\n$tail");
    }
}

sub _exit_info {
    my $status = shift;
    return (1, undef, undef) if $status == -1;
    return (0, $status >> 8, $status & 128);
}

sub _error_log_has {
    my ($re, $from) = @_;
    open my $in, "<", $ErrLogFile or return 0;
    seek $in, $from, 0 if $from;
    while (<$in>) {
        if ($_ =~ $re) { close $in; return 1 }
    }
    close $in;
    return 0;
}

# returns 1 when the block is done (must_die handled), 0 otherwise
sub _start_nginx {
    my ($block, $config, $rand_ports, $first_time) = @_;
    my $name = $block->name;

    _stop_nginx($name);
    _check_prev_block_shutdown_error_log();

    setup_server_root($first_time);
    _run_post_setup($block);
    write_user_files($block, $rand_ports);
    write_config_file($block, $config, $rand_ports);

    if (!_can_run($NginxBinary)) {
        bail_out("$name - Cannot find the nginx executable in the PATH "
                 . "environment");
    }

    my $must_die = $block->must_die;
    # as upstream: a block whose nginx must die runs without valgrind
    local $UseValgrind = defined $must_die ? undef : $UseValgrind;
    my $cmd = _nginx_cmd($block);
    $ErrLogFilePos = 0;

    if ($UseValgrind) {
        return _start_nginx_child($name, $cmd);
    }

    if (defined $must_die) {
        for my $i (0 .. $RepeatEach - 1) {
            system($cmd);
            my $status = $?;
            my ($exec_failed, $code, $core) = _exit_info($status);
            if ($exec_failed) {
                Test::More::fail("$name - failed to execute the nginx "
                                 . "command line");
            } elsif ($core) {
                Test::More::fail("$name - nginx core dumped");
            } elsif (looks_like_number($must_die)) {
                Test::More::is($must_die, $code,
                               "$name - die with the expected exit code");
            } else {
                Test::More::isnt($status, 0, "$name - die as expected");
            }

            $CheckErrorLog->($block, undef, 0, $i, 0);

            if ($status == 0) {
                warn "WARNING: $name - nginx must die but it does not; "
                     . "killing it (req $i)\n";
                for (1 .. 15) {
                    last if -f $PidFile;
                    Time::HiRes::sleep($TestNginxSleep);
                }
                _stop_nginx($name);
            }
        }
        return 1;
    }

    my $waited = 0;
    my $tries = 0;
    while (1) {
        my $log_size = -s $ErrLogFile || 0;
        system($cmd);
        my $status = $?;
        last if $status == 0;

        # Only a busy port (e.g. the previous nginx still shutting down)
        # is worth retrying; a bad config fails straight away.
        if ($status != -1 && _error_log_has(qr/Address already in use/, $log_size)
            && $waited < 30)
        {
            $tries++;
            my $delay = 0.1 * $tries;
            $delay = 1 if $delay > 1;
            Time::HiRes::sleep($delay);
            $waited += $delay;
            next;
        }

        my $tail = '';
        if (open my $in, '<', $ErrLogFile) {
            my @l = <$in>;
            close $in;
            $tail = join '', grep { /\[(?:emerg|alert|crit)\]/ } @l;
        }
        bail_out("$name - Cannot start nginx using command \"$cmd\" "
                 . "(status code $status).\n$tail");
    }

    Time::HiRes::sleep($TestNginxSleep);
    return 0;
}

sub _can_run {
    my ($cmd) = @_;
    if ($cmd =~ m{/}) {
        return (-f $cmd && -x $cmd) ? $cmd : undef;
    }
    for my $dir (split(/:/, $ENV{PATH} // ''), '.') {
        next if $dir eq '';
        my $p = "$dir/$cmd";
        return $p if -f $p && -x $p;
    }
    return undef;
}

sub _check_prev_block_shutdown_error_log {
    my $block = $PrevBlock;
    return unless $block && $CheckShutdownErrorLog;
    if (defined $block->shutdown_error_log
        || defined $block->no_shutdown_error_log)
    {
        $CheckShutdownErrorLog->($block, $ENV{TEST_NGINX_NO_CLEAN} ? 1 : 0);
    }
}

# ---------------------------------------------------------------------
# skip / todo sections

sub _version_matches {
    my ($have, $op, $want) = @_;
    return undef unless defined $have;
    return $have < $want  if $op eq '<';
    return $have <= $want if $op eq '<=';
    return $have > $want  if $op eq '>';
    return $have >= $want if $op eq '>=';
    return undef;
}

# returns ($should_skip, $tests_to_skip, $reason)
sub _skip_info {
    my $block = shift;
    my $name = $block->name;
    my ($skip, $count, $reason);

    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ /^\s*(\d+)\s*:\s*(.*)/s) {
            ($count, $reason) = ($1, 'skip_eval');
            my $code = $2;
            $skip = eval $code;
            bail_out("$name - skip_eval - failed to eval the Perl code "
                     . "\"$code\": $@") if $@;
        }
    }

    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                  (?:\s*:\s*(.*))?\s*$/x
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        $count = $1;
        my ($op, $ver) = ($2, get_canon_version($3, $4, $5));
        $reason = $6 || "nginx version $op $3.$4.$5";
        $skip = 1 if (!defined $NginxVersion && $op =~ /^</)
                     || _version_matches($NginxVersion, $op, $ver);

    } elsif (defined(my $spec2 = $block->skip_nginx2)) {
        $spec2 =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                   \s*(or|and)\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                   (?:\s*:\s*(.*))?\s*$/x
            or bail_out("$name - Invalid --- skip_nginx2 spec: $spec2");
        $count = $1;
        my $a = _version_matches($NginxVersion, $2,
                                 get_canon_version($3, $4, $5));
        my $b = _version_matches($NginxVersion, $7,
                                 get_canon_version($8, $9, $10));
        $reason = $11;
        $skip = 1 if !defined $NginxVersion
                     || ($6 eq 'or' ? ($a || $b) : ($a && $b));
    }

    if (defined(my $spec = $block->skip_openssl)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)([a-z])?
                  (?:\s*:\s*(.*))?\s*$/x
            or bail_out("$name - Invalid --- skip_openssl spec: $spec");
        $count = $1;
        my $op = $2;
        my $want = get_canon_version($3, $4, $5)
                   . (defined $6 ? sprintf("%03d", ord($6) - ord('a')) : '');
        $reason = $7 || (defined $OpenSSLVersion
                         ? "OpenSSL version $op $3.$4.$5" . ($6 // '')
                         : "Not built with OpenSSL");
        $skip = 1 if !defined $OpenSSLVersion
                     || _version_matches($OpenSSLVersion, $op, $want);
    }

    return ($skip, $count, defined $reason ? $reason : 'various reasons');
}

# returns ($should_todo, $tests, $reason)
sub _todo_info {
    my ($block, $count) = @_;
    my $name = $block->name;
    my ($todo, $reason);

    if (defined(my $spec = $block->todo_nginx)) {
        $spec =~ /^\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*))?\s*$/
            or bail_out("$name - Invalid --- todo_nginx spec: $spec");
        $reason = $5;
        $todo = 1 if (!defined $NginxVersion && $1 =~ /^</)
                     || _version_matches($NginxVersion, $1,
                                         get_canon_version($2, $3, $4));
    }

    if (defined(my $spec = $block->todo)) {
        $spec =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- todo spec: $spec");
        ($todo, $count, $reason) = (1, $1, $2);
    }

    return ($todo, $count, defined $reason ? $reason : 'various reasons');
}

# ---------------------------------------------------------------------
# main loop

sub run_tests () {
    $NginxVersion = get_nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};

    my @blocks = Test::Base::blocks();
    @blocks = shuffle(@blocks) unless $NoShuffle;

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', "$0 " . $block->name);
        run_test($block);
        cleanup_test($block);
        $PrevBlock = $block;
    }

    cleanup();
}

sub run_test ($) {
    my $block = shift;
    return if defined $block->SKIP;

    my $name = $block->name;
    my $first_time = $FirstTime;
    undef $FirstTime;

    my $rand_ports = {};
    $RandPorts = $rand_ports;

    my $config = expand_env_in_text($block->config, $name, $rand_ports);

    local $LogLevel = $block->log_level || $LogLevel;

    my $should_restart = 1;
    if (!defined $config) {
        if (!$NoNginxManager && !defined $PrevConfig) {
            bail_out("$name - No '--- config' section specified and could "
                     . "not get previous one. Use TEST_NGINX_NO_NGINX_MANAGER ?");
        }
        # keep using the nginx started for an earlier block
        $should_restart = 0;
    } elsif ($NoNginxManager) {
        Test::More::diag("NO_NGINX_MANAGER activated: config for $name "
                         . "ignored");
        $should_restart = 0;
    } else {
        my $changed = !defined $PrevConfig || $config ne $PrevConfig;
        $should_restart = ($changed || $ForceRestartOnTest) ? 1 : 0;
    }

    my ($should_skip, $tests_to_skip, $skip_reason) = _skip_info($block);
    my ($should_todo, $todo_count, $todo_reason)
        = _todo_info($block, $tests_to_skip);

    if (!$NoNginxManager && !$should_skip && $should_restart) {
        $PrevConfig = $config;
        return if _start_nginx($block, $config, $rand_ports, $first_time);
    }

    if (my $init = $block->init) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (1 .. $RepeatEach) {
        write_user_files($block, $rand_ports) if $i > 1;

        if ($should_skip && defined $tests_to_skip) {
            SKIP: {
                Test::More::skip("$name - $skip_reason", $tests_to_skip);
            }
        } elsif ($should_todo) {
            TODO: {
                Test::More::todo_skip("$name - $todo_reason", $todo_count);
            }
        } else {
            $RunTestHelper->($block, 0, $i - 1);
        }
    }

    if (my $total = $ENV{TEST_NGINX_ERROR_LOG}) {
        if (-s $ErrLogFile) {
            if (open my $out, '>>', $total) {
                print $out "\n=== $0 $name\n";
                if (open my $in, '<', $ErrLogFile) {
                    print $out $_ while <$in>;
                    close $in;
                }
                close $out;
            }
        }
    }
}

END {
    return if $InSubprocess;
    local $?;
    cleanup();
    if (!$ENV{TEST_NGINX_NO_CLEAN}) {
        _stop_nginx('END');
    }
    _check_prev_block_shutdown_error_log();
    if ($Randomize && defined $ServRoot && $ServRoot =~ m{/t/servroot_\d+$}) {
        remove_tree($ServRoot);
    }
}

1;
