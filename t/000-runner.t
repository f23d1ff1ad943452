# Self-test of the Test::Nginx::Socket runner: plain nginx only, no hashpay
# directives, so it proves the runner (t/compat or upstream Test::Nginx) on
# its own.  Must pass unchanged under both.
use Test::Nginx::Socket;

repeat_each(2);

# per-repetition assertions of all blocks (see the counts in each block),
# plus 1 for the --- shutdown_error_log check, made once when nginx stops
plan tests => repeat_each() * 74 + 1;

no_shuffle();
no_long_string();
env_to_nginx("HASHPAY_RUNNER_SELFTEST");

our $DefaultConfig = <<'_EOC_';
    location = /hello {
        return 200 "hello\n";
    }
    location = /nf {
        return 404;
    }
    location = /h {
        add_header X-Foo "bar baz";
        add_header X-Num 42;
        return 200 "ok";
    }
    location = /hdrs {
        return 200 "foo=$http_x_foo ua=$http_user_agent\n";
    }
    location = /host {
        return 200 "host=$host proto=$server_protocol\n";
    }
    location = /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/sink;
        proxy_set_header X-Body $request_body;
        proxy_set_header X-CL $http_content_length;
        proxy_set_header X-TE $http_transfer_encoding;
    }
    location = /sink {
        return 200 "cl=$http_x_cl te=$http_x_te body=$http_x_body\n";
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config && !defined $block->reuse_nginx) {
        $block->set_value("config", $DefaultConfig);
    }
});

run_tests();

__DATA__

=== TEST 1: plain 200 (3)
--- request
GET /hello
--- timeout: 5
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: no --- config: keeps the nginx of the previous block (2)
--- reuse_nginx
--- request
GET /hello
--- response_body
hello



=== TEST 3: error_code and response_body_like (2)
--- request
GET /nf
--- error_code: 404
--- response_body_like: 404 Not Found



=== TEST 4: response_headers, including an absent one (5)
--- request
GET /h
--- response_headers
X-Foo: bar baz
Content-Type: text/plain
!X-Absent
--- response_body chomp
ok



=== TEST 5: response_headers_like (3)
--- request
GET /h
--- response_headers_like
X-Num: \d+
Server: nginx.*



=== TEST 6: main_config, http_config, env expansion, rand port, request array (4)
--- main_config
worker_rlimit_nofile 1024;
--- http_config
map $arg_x $mapped {
    default "none";
    1       "one";
}
server {
    listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    location / {
        return 200 "backend:$mapped";
    }
}
--- config
    location = /p {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    location = /port {
        return 200 "port=$server_port";
    }
--- request eval
["GET /p?x=1", "GET /port"]
--- response_body eval
['backend:one', 'port=$ServerPort']



=== TEST 7: user_files and init (runs after nginx started) (4)
--- user_files
>>> static/file.txt
static content
--- init
my $f = "$ENV{TEST_NGINX_SERVER_ROOT}/html/init.txt";
open my $fh, '>', $f or die "cannot write $f: $!";
print $fh "written by init\n";
close $fh;
--- request eval
["GET /static/file.txt", "GET /init.txt"]
--- response_body eval
["static content\n", "written by init\n"]



=== TEST 8: POST body gets a Content-Length and is trimmed (2)
--- request
POST /echo
hello world
--- response_body
cl=11 te= body=hello world



=== TEST 9: chunked request body via more_headers is sent as is (2)
--- more_headers
Transfer-Encoding: chunked
--- request eval
"POST /echo\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
--- response_body
cl= te=chunked body=hello world



=== TEST 10: request split into packets with a delay (2)
--- request eval
[["POST /echo\nhel", {value => "lo there", delay_before => 0.1}]]
--- response_body
cl=11 te= body=hello there



=== TEST 11: raw_request (2)
--- raw_request eval
"GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- response_body
hello



=== TEST 12: pipelined_requests (9)
--- pipelined_requests eval
["GET /hello", "GET /nf", "GET /hello"]
--- error_code eval
[200, 404, 200]
--- response_body_like eval
["^hello\n\$", "404 Not Found", "^hello"]
--- no_error_log
[alert]



=== TEST 13: error_log, no_error_log eval, grep_error_log (5)
--- request
GET /missing.html
--- error_code: 404
--- error_log
No such file or directory
--- no_error_log eval
[qr/\[(?:alert|emerg)\]/, "[crit]"]
--- grep_error_log eval
qr/open\(\) "[^"]+" failed/
--- grep_error_log_out
open() "$TEST_NGINX_SERVER_ROOT/html/missing.html" failed



=== TEST 14: --- log_level (2)
--- log_level: crit
--- request
GET /missing.html
--- error_code: 404
--- no_error_log
No such file or directory



=== TEST 15: timeout with abort is not a failure (1)
--- config
    location = /slow {
        limit_rate_after 1;
        limit_rate 1;
        return 200 "0123456789012345678901234567890123456789";
    }
--- request
GET /slow
--- timeout: 300ms
--- abort
--- ignore_response
--- no_error_log
[alert]



=== TEST 16: HEAD request: no body expected (3)
--- request
HEAD /hello
--- response_headers
Content-Length: 6
--- response_body eval
""



=== TEST 17: skip_nginx that does not apply (2)
--- skip_nginx: 2: < 1.0.0
--- request
GET /hello
--- response_body
hello



=== TEST 18: skip_nginx that applies (3 skipped)
--- skip_nginx: 3: > 1.0.0
--- request
GET /hello
--- error_code: 500
--- response_body
not this



=== TEST 19: SKIP marker: never run, not counted
--- SKIP
--- request
GET /hello
--- error_code: 500



=== TEST 20: todo (2 todo-skipped)
--- todo
2: not there yet
--- request
GET /nope
--- response_body
nothing



=== TEST 21: more_headers, comments, response_body_filters (2)
--- more_headers
X-Foo: some value
# a comment line
User-Agent: runner
--- request
# this comment is ignored
GET /hdrs
--- response_body_filters
uc
--- response_body
FOO=SOME VALUE UA=RUNNER



=== TEST 22: must_die (3)
--- config
    location = /bad {
        this_directive_does_not_exist;
    }
--- must_die
--- suppress_stderr
--- error_log
[emerg]
unknown directive "this_directive_does_not_exist"



=== TEST 23: wait, access_log, no_access_log, shutdown_error_log (4, +1 once)
--- request
GET /hello?from=access
--- wait: 0.1
--- response_body
hello
--- access_log
GET /hello?from=access
--- no_access_log
GET /nope
--- shutdown_error_log
exit



=== TEST 24: Host in more_headers replaces the default, HTTP/1.0 (2)
--- more_headers
Host: example.test
--- request
GET /host HTTP/1.0
--- response_body
host=example.test proto=HTTP/1.0



=== TEST 25: response_body eval as a regex (2)
--- request
GET /hello
--- response_body eval
qr/^hel+o\n\z/



=== TEST 26: error_code_like, raw_response_headers_like/unlike (3)
--- request
GET /nf
--- error_code_like: ^40\d$
--- raw_response_headers_like: ^HTTP/1\.1 404 Not Found\r\n
--- raw_response_headers_unlike: X-Foo
--- LAST



=== TEST 27: after LAST: never run
--- request
GET /hello
--- error_code: 500
