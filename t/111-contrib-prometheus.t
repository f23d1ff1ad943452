# contrib/prometheus: the alerting rules pass `promtool check rules` and
# their unit tests (`promtool test rules`), the Grafana dashboard is valid
# JSON whose every query is valid PromQL, and both use only the metric
# names that src/ngx_http_hashpay_metrics.c prints, the dashboard all of
# them.  promtool: Debian's prometheus package (util/deps.sh).
use strict;
use warnings;
use Test::More;
use JSON::PP ();
use File::Temp ();

my $dir = 'contrib/prometheus';
my $rules = "$dir/hashpay-alerts.yml";
my $dash = "$dir/hashpay-dashboard.json";
my $promtool = $ENV{PROMTOOL} // '/usr/bin/promtool';

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    return scalar <$fh>;
}

sub run {
    my $out = `@_ 2>&1`;
    return ($? == 0, $out);
}

# the families the module prints, from its source
my %family;
my $src = slurp('src/ngx_http_hashpay_metrics.c');
$family{$1}++ while $src =~ /# TYPE (hashpay_\w+)/g;
ok(scalar(keys %family) >= 9, 'families read from the source')
    or diag join ' ', sort keys %family;
sub known {
    my ($name) = @_;
    return 1 if $family{$name};
    return $name =~ /^(hashpay_\w+)_(bucket|sum|count)$/ && $family{$1};
}

# the rules
my ($ok, $out) = run("$promtool check rules $rules");
ok($ok, 'promtool check rules') or diag $out;
like($out, qr/SUCCESS: 10 rules found/, 'ten alerts');

($ok, $out) = run("cd $dir && $promtool test rules hashpay-alerts.test.yml");
ok($ok, 'promtool test rules: every alert fires and does not') or diag $out;

my $text = slurp($rules);
my @exprs;
while ($text =~ /^\s+expr: *(?:>-)?\n?(.*?)^\s+for:/msg) {
    push @exprs, $1;
}
is(scalar(@exprs), 10, 'ten expressions');
my @unknown = grep { !known($_) } map { /\b(hashpay_\w+)/g } @exprs;
is("@unknown", '', 'the rules use only metrics the module prints');

# the dashboard
my $d = eval { JSON::PP->new->decode(slurp($dash)) };
ok($d, 'the dashboard is valid JSON') or diag $@;
my @q;
for my $p (@{ $d->{panels} || [] }) {
    push @q, map { $_->{expr} } @{ $p->{targets} || [] };
}
ok(@q >= 10, scalar(@q) . ' queries');

my %seen = map { $_ => 1 } map { /\b(hashpay_\w+)/g } @q;
@unknown = grep { !known($_) } sort keys %seen;
is("@unknown", '', 'the dashboard uses only metrics the module prints');
my @missing;
for my $f (sort keys %family) {
    push @missing, $f unless grep { $_ eq $f || /^${f}_(bucket|sum|count)$/ }
                             keys %seen;
}
is("@missing", '', 'the dashboard shows every family');

# each query is PromQL: promtool checks it as a recording rule, with
# Grafana's variables replaced
my $tmp = File::Temp->new(SUFFIX => '.yml');
print $tmp "groups:\n  - name: dashboard\n    rules:\n";
my $i = 0;
for my $e (@q) {
    (my $x = $e) =~ s/\$__rate_interval/5m/g;
    $x =~ s/\$instance/.*/g;
    $x =~ s/'/''/g;
    $i++;
    print $tmp "      - record: dashboard_query_$i\n        expr: '$x'\n";
}
close $tmp;
($ok, $out) = run("$promtool check rules " . $tmp->filename);
ok($ok, 'every query of the dashboard is valid PromQL') or diag $out;

done_testing();
