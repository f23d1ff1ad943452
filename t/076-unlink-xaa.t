# t/076-unlink.t for X Activity API deliveries (SPEC section 11)
$ENV{HASHPAY_SHAPE} = 'xaa';
do './t/076-unlink.t';
die $@ if $@;
