# The reference events consumer (contrib/consumer/): its Python tests, run
# against a redis-server of their own, as TAP (one assertion per test:
# exactly once across SIGKILL, XAUTOCLAIM of a dead consumer's entries,
# SIGTERM, unknown types).  Needs Debian's python3-redis (util/deps.sh).
use strict;
use warnings;

exec '/usr/bin/python3', 'contrib/consumer/test_consumer.py', '--tap'
    or do { print "1..1\nnot ok 1 - /usr/bin/python3: $!\n"; exit 1 };
