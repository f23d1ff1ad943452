# util/lua2c.sh, the typed interface between the module and its scripts:
# a script whose header does not declare what its code reads, or that
# does not compile, fails the build (here: the generator's exit status and
# its message); a good one gives the enum, the argument indexes, the SHA1.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Digest::SHA qw(sha1_hex);

my $gen = 'util/lua2c.sh';

sub run_gen {
    my ($scripts, $mode) = @_;
    my $dir = tempdir(CLEANUP => 1);
    for my $name (keys %$scripts) {
        open my $fh, '>', "$dir/$name.lua" or die "$dir/$name.lua: $!";
        print $fh $scripts->{$name};
        close $fh;
    }
    my $out = `HASHPAY_LUAC=required sh $gen $dir $mode 2>&1`;
    return ($? >> 8, $out);
}

my $lib = "--[[\n  _lib.lua: shared\n]]\nlocal hp = {}\n";
my $good = <<'EOS';
--[[
  good.lua: a test script
  KEYS[1]    events: <prefix>:events
  ARGV[1]    prefix: hashpay_prefix
  ARGV[2]    user: the user, with a long
             description on two lines
  ARGV[3 .. 2+n]   codes: n codes
  ARGV[3+n ..]     tags: the rest
]]
local moving = hp.probe()
local a = ARGV[1] .. ARGV[2] .. KEYS[1]
return ARGV[3 + tonumber(ARGV[2])]
EOS

my ($rc, $out) = run_gen({ good => $good, _lib => $lib }, 'h');
is($rc, 0, 'a good script: header generated') or diag $out;
like($out, qr/^    NGX_HTTP_HASHPAY_SCRIPT_GOOD,$/m, 'enum entry');
like($out, qr/^#define NGX_HTTP_HASHPAY_GOOD_NKEYS  1$/m, 'NKEYS');
like($out, qr/^#define NGX_HTTP_HASHPAY_GOOD_NARGS  3$/m,
     'NARGS: keys and fixed ARGV');
like($out, qr/^#define NGX_HTTP_HASHPAY_GOOD_KEY_EVENTS  0$/m, 'KEYS[1] at 0');
like($out, qr/^#define NGX_HTTP_HASHPAY_GOOD_ARG_USER  2$/m, 'ARGV[2] at 2');
like($out, qr/^#define NGX_HTTP_HASHPAY_GOOD_ARG_CODES  3$/m,
     'the variable part from ARGV[3]');
unlike($out, qr/_ARG_TAGS/, 'no index for a tail after a variable part');

($rc, $out) = run_gen({ good => $good, _lib => $lib }, 'c');
is($rc, 0, 'a good script: table generated') or diag $out;
my $source = $lib . $good;
my $sha = sha1_hex($source);
like($out, qr/ngx_string\("$sha"\), 1, 3, 1 \}/,
     'the SHA1 of helpers + script, and the counts, in the table');
unlike($out, qr/ngx_string\("_lib"\)/, "a helper is no script of its own");

# a helper other than _lib.lua goes only in front of a script that calls
# one of its functions (or whose helpers do)
my $extra = "--[[\n  _x.lua\n]]\nfunction hp.extra()\n  return hp.now()\nend\n";
my $calls = "--[[\n  KEYS[1]    k: x\n]]\nhp.probe()\nreturn hp.extra()\n";
($rc, $out) = run_gen({ good => $good, calls => $calls, _lib => $lib,
                        _x => $extra }, 'c');
is($rc, 0, 'helpers: generated') or diag $out;
my ($good_c) = $out =~ /(script_good\[\] =.*?;\n)/s;
my ($calls_c) = $out =~ /(script_calls\[\] =.*?;\n)/s;
like($good_c, qr/_lib\.lua/, 'a script gets _lib.lua');
unlike($good_c, qr/_x\.lua/, 'not a helper it does not call');
like($calls_c, qr/_lib\.lua.*_x\.lua.*return hp\.extra/s,
     'a helper it calls, after _lib.lua, before the script');

my %bad = (
    'a slot without a name' => [
        "--[[\n  KEYS[1]    <prefix>:events\n]]\nreturn KEYS[1]\n",
        qr/KEYS\[1\] names no argument/ ],
    'ARGV read but not declared' => [
        "--[[\n  KEYS[1]    events: x\n  ARGV[1]    prefix: x\n]]\n"
        . "return ARGV[2]\n",
        qr/ARGV\[2\] is not declared/ ],
    'KEYS read but not declared' => [
        "--[[\n  KEYS[1]    events: x\n]]\nreturn KEYS[2]\n",
        qr/KEYS\[2\] is not declared/ ],
    'slots out of order' => [
        "--[[\n  KEYS[1]    events: x\n  ARGV[2]    user: x\n]]\nreturn 1\n",
        qr/ARGV\[2\] out of order/ ],
    'a script that never probes its slot' => [
        "--[[\n  KEYS[1]    events: x\n]]\nreturn redis.call('GET', KEYS[1])\n",
        qr/never probes its slot/ ],
    'a name declared twice' => [
        "--[[\n  KEYS[1]    user: x\n  ARGV[1]    user: x\n]]\nreturn 1\n",
        qr/"user" declared twice/ ],
    'KEYS after ARGV' => [
        "--[[\n  ARGV[1]    a: x\n  KEYS[1]    b: x\n]]\nreturn 1\n",
        qr/KEYS after ARGV/ ],
    'no header' => [
        "return 1\n", qr/no --\[\[ header/ ],
    'Lua that does not compile' => [
        "--[[\n  KEYS[1]    events: x\n]]\nlocal x = = 1\n",
        qr/does not compile/ ],
);

for my $what (sort keys %bad) {
    my ($script, $msg) = @{ $bad{$what} };
    for my $mode ('h', 'c') {
        my ($rc, $out) = run_gen({ bad => $script, good => $good }, $mode);
        isnt($rc, 0, "$what ($mode): the build fails");
        like($out, $msg, "$what ($mode): says why");
    }
}

# the project's own scripts pass, and declare what the module uses
($rc, $out) = run_gen({}, 'h');
isnt($rc, 0, 'no scripts at all: fails');

$out = `HASHPAY_LUAC=required sh $gen src/lua h 2>&1`;
is($? >> 8, 0, 'src/lua: generated') or diag $out;
for my $s (qw(TWEET UNLINK TRANSACTION OFFER_PUT OFFER_GET OFFER_DELETE
              OFFER_LIST LINK_GET LINK_PUT PURCHASE_GET EVENTS_UNACKED)) {
    like($out, qr/^    NGX_HTTP_HASHPAY_SCRIPT_$s,$/m, "src/lua: $s");
}

done_testing();
