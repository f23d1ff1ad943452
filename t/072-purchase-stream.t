# t/070-purchase.t for Filtered Stream deliveries (SPEC section 11)
$ENV{HASHPAY_SHAPE} = 'stream';
do './t/070-purchase.t';
die $@ if $@;
