# t/070-purchase.t for X Activity API deliveries (SPEC section 11)
$ENV{HASHPAY_SHAPE} = 'xaa';
do './t/070-purchase.t';
die $@ if $@;
