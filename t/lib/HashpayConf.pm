package HashpayConf;

# The nginx -t harness of the configuration tests (t/001-config.t,
# t/056-sentinel-config.t, t/079-transactions-config.t,
# t/084-admin-config.t): plain Test::More, a private directory per file,
# nginx -t on an http block with the module loaded.  Skips the whole file
# when the module is not built.
#
#   nginx_t($http, $main)     (exit status, output)
#   refused($http, $re, $what)    nginx -t fails and says why (the output)
#   accepted($http, $what)    nginx -t succeeds
#   write_file($name, $text)  a file in $dir (its path)
#   $dir, $module, $nginx, $redis_port
#   $nginx_env                what goes before $nginx on a command line

use strict;
use warnings;

use Test::More ();
use File::Temp qw(tempdir);
use Cwd qw(getcwd);
use Exporter 'import';

our @EXPORT = qw(nginx_t refused accepted write_file
                 $dir $module $nginx $nginx_env $redis_port);

our $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
our $module = $ENV{TEST_NGINX_LOAD_MODULES}
              || getcwd() . '/build/ngx_http_hashpay_module.so';
our $redis_port = $ENV{TEST_NGINX_REDIS_PORT} || 6379;

# what goes in front of $nginx on a command line: LD_PRELOAD as the runner
# sets it for TEST_NGINX_LD_PRELOAD (make test-asan preloads libasan)
our $nginx_env = '';
if (defined $ENV{TEST_NGINX_LD_PRELOAD} && length $ENV{TEST_NGINX_LD_PRELOAD}) {
    $nginx_env = qq{LD_PRELOAD="$ENV{TEST_NGINX_LD_PRELOAD}}
                 . (defined $ENV{LD_PRELOAD} ? " $ENV{LD_PRELOAD}" : '')
                 . '" ';
    # nginx -t exits without destroying its cycle: every configuration
    # allocation (an SSL_CTX of tls_ca=, a secret) is still held then, by
    # design, so LeakSanitizer has nothing to say about such a process
    $nginx_env .= qq{ASAN_OPTIONS="$ENV{ASAN_OPTIONS}:detect_leaks=0" }
        if defined $ENV{ASAN_OPTIONS};
}

Test::More::plan(skip_all => "module not built ($module)") unless -f $module;

our $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";

sub write_file {
    my ($name, $text) = @_;
    open(my $fh, '>', "$dir/$name") or die "$name: $!";
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

# nginx -t on an http block (and lines of the main context); (exit
# status, output)
sub nginx_t {
    my ($http, $main) = @_;
    $main //= '';
    write_file('nginx.conf', <<"CONF");
load_module $module;
error_log $dir/logs/error.log;
pid $dir/logs/nginx.pid;
$main
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/body;
$http
}
CONF
    my $out = `$nginx_env$nginx -t -p $dir/ -c $dir/nginx.conf 2>&1`;
    return ($? >> 8, $out);
}

sub refused {
    my ($http, $re, $what) = @_;
    my ($status, $out) = nginx_t($http);
    Test::More::isnt($status, 0, "$what: nginx -t fails");
    Test::More::like($out, $re, "$what: says why") or Test::More::diag($out);
    return $out;
}

sub accepted {
    my ($http, $what) = @_;
    my ($status, $out) = nginx_t($http);
    Test::More::is($status, 0, "$what: nginx -t succeeds")
        or Test::More::diag($out);
}

1;
