package HashpayCashback;

# Helpers of the cashback tests (t/077-cashback.t, t/078-transactions.t):
# cashback offers and claims written straight into Redis per
# src/lua/README.md, a claim read back, and the events those tests expect.
# Builds on HashpayFlow (users, links, offers of the purchase kind).
#
# Everything is exported into main::, so blocks call ::cashback_offer(...).

use strict;
use warnings;

use HashpayTest ();
use HashpayFlow ();
use Exporter 'import';

our @EXPORT = qw(cashback_offer claim claim_of claim_saved credited
                 $MERCHANT);

our $MERCHANT = 'mch_coffee';

my %names = ($HashpayFlow::ALICE => 'alice', $HashpayFlow::BOB => 'bob',
             $HashpayFlow::CAROL => 'carol');

# redis_init lines for a cashback offer: tag, then fields over the
# defaults (active, 500 cents back on 2000 USD cents spent at $MERCHANT,
# stock 10, one claim per user)
sub cashback_offer {
    my ($tag, %f) = @_;
    my %o = (tag => $tag, kind => 'cashback', title => 'Coffee',
             currency => 'USD', stock => 10, per_user_limit => 1,
             min_account_age_days => 0, merchant_id => $MERCHANT,
             cashback_cents => 500, min_spend_cents => 2000, active => 1,
             claimed => 0, redeemed => 0, created_at => 1700000000000,
             updated_at => 1700000000000, %f);
    return 'HSET hashpay:offer:' . lc($tag) . ' '
           . join(' ', map { "$_ $o{$_}" } grep { defined $o{$_} }
                                                sort keys %o)
           . "\nZADD hashpay:offers 0 " . lc($tag) . "\n";
}

# redis_init lines for a saved claim (per src/lua/README.md): id (clm_<n>),
# user, tag (offer), terms over the offer defaults above; a "saved" one is
# put in the user's claims zset and in its index by merchant and currency
# (claims:<user>:<merchant_id>:<currency>), with score n
sub claim {
    my (%c) = @_;
    my $id = $c{id} // 'clm_1';
    my ($n) = $id =~ /(\d+)$/;
    my $user = $c{user} // $HashpayFlow::ALICE;
    my $tag = $c{tag} // 'CoffeeBack';
    my $state = $c{state} // 'saved';
    my $out = "HSET hashpay:claim:$id id $id offer $tag offer_key " . lc($tag)
        . " user_id $user screen_name " . ($names{$user} // "u$user")
        . " card_token " . ($c{card_token} // 'tok_' . substr($user, -4))
        . " tweet_id " . ($c{tweet_id} // '8001')
        . " state $state"
        . " merchant_id " . ($c{merchant_id} // $MERCHANT)
        . " currency " . ($c{currency} // 'USD')
        . " cashback_cents " . ($c{cashback_cents} // 500)
        . " min_spend_cents " . ($c{min_spend_cents} // 2000)
        . " created_at " . ($c{created_at} // 1700000000000) . "\n";

    $out .= "ZADD hashpay:claims:$user $n $id\n"
          . "ZADD hashpay:claims:$user:" . ($c{merchant_id} // $MERCHANT)
          . ':' . ($c{currency} // 'USD') . " $n $id\n"
        if $state eq 'saved';

    return $out;
}

# the claim hash as a Perl hash
sub claim_of {
    my ($id) = @_;
    my $flat = HashpayTest::redis_reply('HGETALL', "hashpay:claim:$id")
               || [];
    return { @$flat };
}

# events as --- events expects them

sub claim_saved {
    my ($id, %o) = @_;
    my $user = $o{user} // $HashpayFlow::ALICE;
    return ['claim.saved', {
        claim_id => $id, offer => $o{offer} // 'CoffeeBack',
        user_id => $user,
        card_token => $o{card_token} // 'tok_' . substr($user, -4),
        merchant_id => $o{merchant_id} // $MERCHANT,
        cashback_cents => $o{cashback_cents} // 500 }];
}

sub credited {
    my ($id, $txn, %o) = @_;
    my $user = $o{user} // $HashpayFlow::ALICE;
    return ['cashback.credited', {
        claim_id => $id, offer => $o{offer} // 'CoffeeBack',
        user_id => $user,
        card_token => $o{card_token} // 'tok_' . substr($user, -4),
        txn_id => $txn, cashback_cents => $o{cashback_cents} // 500 }];
}

1;
