#!/usr/bin/python3
"""Tests of hashpay_consumer.py against a real redis-server of their own.

    /usr/bin/python3 contrib/consumer/test_consumer.py [-v] [--tap]

Starts /usr/bin/redis-server (or $REDIS_SERVER) on a free 127.0.0.1 port in
a temporary directory, and runs the consumer as a separate process, as an
operator does; `child` as first argument is that process (the consumer with
fault injection for the tests: HP_KILL_AFTER=N kills it with SIGKILL right
after its Nth side effect, before the acknowledgement; HP_DELAY=s makes
each side effect take s seconds; HP_FAIL_ONCE=event_id makes the first
attempt of that event's handler fail).  --tap prints TAP for util/test.sh
(t/110-contrib-consumer.t).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hashpay_consumer  # noqa: E402

PY = "/usr/bin/python3"
PREFIX = "hp"
GROUP = "workers"
STREAM = PREFIX + ":events"


def child():
    import redis  # noqa: F401

    class FaultyEffects(hashpay_consumer.Effects):
        applied = 0
        failed = set()

        def apply(self, event_id, record, perform=None):
            fail = os.environ.get("HP_FAIL_ONCE")
            if event_id == fail and event_id not in self.failed:
                self.failed.add(event_id)
                raise RuntimeError("the processor is down (test)")
            delay = float(os.environ.get("HP_DELAY", "0"))
            if delay:
                time.sleep(delay)
            done = super().apply(event_id, record, perform)
            if done:
                FaultyEffects.applied += 1
                if FaultyEffects.applied == int(
                        os.environ.get("HP_KILL_AFTER", "0")):
                    os.kill(os.getpid(), signal.SIGKILL)
            return done

    args = sys.argv[2:]
    path = args[args.index("--effects") + 1]
    handlers = hashpay_consumer.Handlers(FaultyEffects(path))
    sys.exit(hashpay_consumer.main(args, handlers=handlers))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, cond, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


# one event of each type of SPEC section 7, as the module writes them
SAMPLES = [
    ("intent.created", {
        "purchase_id": "pur_1", "offer": "Gift25", "user_id": "11",
        "screen_name": "alice", "tweet_id": "1001",
        "confirm_tag": "#Confirm7KQ2XD", "expires_at": 1795443351511,
        "price_cents": 2500, "currency": "USD"}),
    ("intent.rejected", {
        "offer": "Gift25", "user_id": "12", "screen_name": "bob",
        "tweet_id": "1002", "reason": "sold_out"}),
    ("purchase.confirmed", {
        "purchase_id": "pur_1", "offer": "Gift25", "user_id": "11",
        "card_token": "tok_a", "price_cents": 2500, "currency": "USD",
        "tweet_id": "1001", "confirm_tweet_id": "1003"}),
    ("confirm.rejected", {
        "user_id": "11", "tweet_id": "1004", "confirm_tag": "#ConfirmZZZZZZ",
        "reason": "unknown_code"}),
    ("claim.saved", {
        "claim_id": "clm_1", "offer": "CoffeeBack", "user_id": "11",
        "card_token": "tok_a", "merchant_id": "m_1", "cashback_cents": 150}),
    ("cashback.credited", {
        "claim_id": "clm_1", "offer": "CoffeeBack", "user_id": "11",
        "card_token": "tok_a", "txn_id": "txn_1", "cashback_cents": 150}),
    ("link.revoked", {"user_id": "12"}),
    ("intent.cancelled", {
        "purchase_id": "pur_2", "offer": "Gift25", "user_id": "12",
        "reason": "unlinked"}),
]

ACTIONS = {
    "intent.created": "reply_tweet", "intent.rejected": "reply_tweet",
    "purchase.confirmed": "charge_card", "confirm.rejected": "reply_tweet",
    "claim.saved": "notify_user", "cashback.credited": "credit_card",
    "link.revoked": "forget_user", "intent.cancelled": "notify_user",
}


class ConsumerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        import redis
        cls.dir = tempfile.TemporaryDirectory(prefix="hashpay-consumer-")
        cls.port = free_port()
        cls.server = subprocess.Popen(
            [os.environ.get("REDIS_SERVER", "/usr/bin/redis-server"),
             "--bind", "127.0.0.1", "--port", str(cls.port), "--save", "",
             "--appendonly", "no", "--dir", cls.dir.name,
             "--logfile", os.path.join(cls.dir.name, "redis.log")])
        cls.r = redis.Redis(port=cls.port)

        def up():
            try:
                return cls.r.ping()
            except redis.ConnectionError:
                return False
        wait_for("redis-server", up, 10)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()
        cls.dir.cleanup()

    def setUp(self):
        self.r.flushall()
        self.r.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
        self.seq = 0
        self.effects = os.path.join(self.dir.name,
                                    self._testMethodName + ".jsonl")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdout.close()

    # ------------------------------------------------------------ helpers

    def add(self, etype, data):
        self.seq += 1
        d = dict(data, event_id=str(self.seq), at=1795443351511 + self.seq)
        return self.r.xadd(STREAM, {"type": etype, "data": json.dumps(d)})

    def add_many(self, n):
        ids = []
        for i in range(n):
            etype, data = SAMPLES[i % len(SAMPLES)]
            ids.append(self.add(etype, data))
        return ids

    def start(self, name="c1", claim_idle=60000, env=None, block=300):
        e = dict(os.environ, **(env or {}))
        p = subprocess.Popen(
            [PY, os.path.abspath(__file__), "child",
             "--redis", "redis://127.0.0.1:%d/0" % self.port,
             "--prefix", PREFIX, "--group", GROUP, "--name", name,
             "--count", "10", "--block", str(block),
             "--claim-idle", str(claim_idle), "--effects", self.effects],
            env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def ledger(self):
        if not os.path.exists(self.effects):
            return []
        with open(self.effects, "rb") as f:
            return [json.loads(line) for line in f.read().splitlines()]

    def ledger_ids(self):
        return [e["event_id"] for e in self.ledger()]

    def unacked(self):
        info = self.r.xpending(STREAM, GROUP)
        return info["pending"]

    def lag(self):
        g = [g for g in self.r.xinfo_groups(STREAM)
             if g["name"] == GROUP.encode()][0]
        return g["lag"]

    def drained(self, n):
        return len(self.ledger()) >= n and self.unacked() == 0 \
            and self.lag() == 0

    def term(self, p, timeout=15):
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout)
        out = p.stdout.read().decode()
        return rc, out

    def assert_exactly_once(self, n):
        ids = self.ledger_ids()
        self.assertEqual(len({e["entry"] for e in self.ledger()}), len(ids),
                         "one effect an entry")
        self.assertEqual(sorted(ids, key=int),
                         [str(i) for i in range(1, n + 1)],
                         "every event_id exactly once in the effects")
        self.assertEqual(self.unacked(), 0, "nothing pending")
        self.assertEqual(self.lag(), 0, "nothing undelivered")

    # -------------------------------------------------------------- tests

    def test_every_type_handled_once_then_sigterm_exits_0(self):
        ids = [self.add(etype, data) for etype, data in SAMPLES]
        p = self.start()
        wait_for("8 effects", lambda: self.drained(8))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assert_exactly_once(8)
        got = {(e["type"], e["action"]) for e in self.ledger()}
        self.assertEqual(got, set(ACTIONS.items()))
        self.assertIn("charge_card: charge tok_a 2500 USD for Gift25 "
                      "(purchase pur_1, key hashpay-3-%s)" % ids[2].decode(), out)
        for i in range(1, 9):
            self.assertTrue(self.r.exists("%s:consumer:%s:done:%d"
                                          % (PREFIX, GROUP, i)),
                            "event %d recorded as done" % i)

    def test_sigkill_after_an_effect_before_its_ack(self):
        # killed between the 7th effect and its XACK, in a batch of 10
        self.add_many(40)
        p = self.start(env={"HP_KILL_AFTER": "7"})
        self.assertEqual(p.wait(30), -signal.SIGKILL)
        self.assertEqual(len(self.ledger()), 7)
        self.assertEqual(self.unacked(), 4, "6 acked, 4 left of the batch")
        # the same name reads its pending entries again at start
        p = self.start()
        wait_for("40 effects", lambda: self.drained(40))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertIn("already done for event 7, not again", out)
        self.assert_exactly_once(40)

    def test_sigkill_mid_batch_other_consumer_reclaims(self):
        # a slow consumer killed from outside at a moment of no choosing;
        # another name takes its pending entries with XAUTOCLAIM
        self.add_many(60)
        p = self.start(name="doomed", env={"HP_DELAY": "0.05"})
        wait_for("some effects", lambda: len(self.ledger()) >= 13)
        p.kill()
        p.wait()
        self.assertLess(len(self.ledger()), 60)
        pending = self.r.xpending_range(STREAM, GROUP, "-", "+", 100)
        self.assertTrue(pending, "the dead consumer left entries pending")
        self.assertEqual({e["consumer"] for e in pending}, {b"doomed"})
        p = self.start(name="heir", claim_idle=500)
        wait_for("60 effects", lambda: self.drained(60))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertIn("reclaimed", out)
        self.assert_exactly_once(60)

    def test_autoclaim_waits_for_claim_idle(self):
        ids = self.add_many(5)
        # "dead" read five entries and died before acknowledging any
        self.r.xreadgroup(GROUP, "dead", {STREAM: ">"}, count=5)
        p = self.start(name="live", claim_idle=60000)
        time.sleep(1.5)
        self.assertEqual(self.ledger(), [],
                         "entries idle less than --claim-idle are left")
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        p = self.start(name="live", claim_idle=300)
        wait_for("5 effects", lambda: self.drained(5))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assert_exactly_once(5)
        self.assertEqual([e["entry"] for e in self.ledger()],
                         [i.decode() for i in ids])

    def test_sigterm_finishes_the_event_in_hand(self):
        self.add_many(10)
        p = self.start(env={"HP_DELAY": "0.5"})
        wait_for("one effect", lambda: len(self.ledger()) >= 1)
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        handled = self.ledger_ids()
        self.assertLess(len(handled), 10, "stopped before the end")
        pending = {e["message_id"].decode()
                   for e in self.r.xpending_range(STREAM, GROUP, "-", "+",
                                                  100)}
        for e in self.ledger():
            self.assertNotIn(e["entry"], pending,
                             "event %s acknowledged" % e["event_id"])
        self.assertEqual(len(pending), 10 - len(handled),
                         "the rest of the batch is pending")
        p = self.start()
        wait_for("10 effects", lambda: self.drained(10))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assert_exactly_once(10)

    def test_sigterm_while_waiting_exits_at_once(self):
        p = self.start(block=30000)
        time.sleep(1)
        t0 = time.monotonic()
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertLess(time.monotonic() - t0, 10,
                        "not the 30 s of the blocking read")

    def test_unknown_type_and_bad_data_acknowledged_without_effect(self):
        self.add("intent.created", SAMPLES[0][1])
        self.add("future.thing", {"x": 1})
        self.r.xadd(STREAM, {"type": "intent.created", "data": "{not json"})
        self.add("link.revoked", {"user_id": "12"})
        p = self.start()
        wait_for("drained", lambda: self.drained(2))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.ledger_ids(), ["1", "3"])
        self.assertIn("unknown type 'future.thing': acknowledged", out)
        self.assertIn("no readable data/event_id", out)
        self.assertTrue(self.r.exists("%s:consumer:%s:done:2"
                                      % (PREFIX, GROUP)))

    def test_failed_handler_left_pending_then_retried(self):
        self.add_many(3)
        p = self.start(claim_idle=400, env={"HP_FAIL_ONCE": "2"})
        wait_for("3 effects", lambda: self.drained(3))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertIn("handler failed, left pending", out)
        self.assert_exactly_once(3)
        self.assertEqual(self.ledger_ids(), ["1", "3", "2"],
                         "2 after its retry")

    def test_rewound_group_handles_nothing_twice(self):
        self.add_many(4)
        p = self.start()
        wait_for("4 effects", lambda: self.drained(4))
        self.term(p)
        os.unlink(self.effects)
        self.r.xgroup_setid(STREAM, GROUP, "0")
        p = self.start()
        wait_for("redelivered", lambda: self.lag() == 0
                 and self.unacked() == 0)
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.ledger(), [], "the done records held")
        self.assertEqual(out.count("handled before: acknowledged"), 4)


    def test_event_id_given_again_after_lost_writes(self):
        # a failover lost event 2 (handled already) and event_seq with it:
        # the new primary gives 2 to a new event, in a new entry
        self.add_many(2)
        p = self.start()
        wait_for("2 effects", lambda: self.drained(2))
        self.seq = 1
        self.add("link.revoked", {"user_id": "99"})
        wait_for("the new 2", lambda: len(self.ledger()) == 3
                 and self.drained(3))
        rc, out = self.term(p)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.ledger_ids(), ["1", "2", "2"])
        self.assertEqual(self.ledger()[2]["what"],
                         "user 99 withdrew access: forget their tokens")
        self.assertIn("event_id 2 given again, to entry", out)


class Tap(unittest.TextTestResult):
    """ok/not ok lines for TAP::Harness."""

    n = 0

    def _line(self, test, ok, why=""):
        Tap.n += 1
        name = getattr(test, "_testMethodName", str(test))
        print("%s %d - %s%s" % ("ok" if ok else "not ok", Tap.n, name, why),
              flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False)
        print("# " + self._exc_info_to_string(err, test)
              .replace("\n", "\n# "), flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False)
        print("# " + self._exc_info_to_string(err, test)
              .replace("\n", "\n# "), flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, True, " # SKIP " + reason)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child()
    elif "--tap" in sys.argv:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(
            ConsumerTest)
        print("1..%d" % suite.countTestCases(), flush=True)
        runner = unittest.TextTestRunner(stream=open(os.devnull, "w"),
                                         resultclass=Tap)
        sys.exit(0 if runner.run(suite).wasSuccessful() else 1)
    else:
        unittest.main()
