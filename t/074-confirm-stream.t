# t/075-confirm.t for Filtered Stream deliveries (SPEC section 11)
$ENV{HASHPAY_SHAPE} = 'stream';
do './t/075-confirm.t';
die $@ if $@;
