# t/075-confirm.t for X Activity API deliveries (SPEC section 11)
$ENV{HASHPAY_SHAPE} = 'xaa';
do './t/075-confirm.t';
die $@ if $@;
