#!/usr/bin/python3
"""Reference consumer of hashpay's events stream (README "Events contract").

Reads <prefix>:events with a consumer group (XREADGROUP), hands each event
to the handler of its type, acknowledges it only after the handler returned,
reclaims entries left pending by a dead consumer (XAUTOCLAIM after
--claim-idle ms), and stops cleanly on SIGTERM or SIGINT (the event in hand
is finished and acknowledged, then exit status 0).

Exactly once, and where it stops:

* Every event reaches a handler at least once: an entry is XACKed only after
  its handler returned; until then it is pending in the group, re-read at
  start by a consumer of the same name (XREADGROUP ... 0) or reclaimed by
  any consumer after --claim-idle ms.
* The XACK and the record "event_id handled" (the key
  <prefix>:consumer:<group>:done:<event_id>, kept --done-ttl seconds) are
  one MULTI/EXEC: both or neither.  An entry whose event_id is recorded
  (the group was rewound with XGROUP SETID, or two consumers held the same
  entry after a reclaim) is acknowledged without calling its handler.
* A consumer that dies after a handler's side effect and before that EXEC
  leaves the entry pending: the handler runs again for that event.  That
  window is closed by the side effect itself, keyed by event_id: here the
  Effects ledger (a locked, fsynced JSON-lines file that records each
  event_id with its effect in one append, and refuses one it has); for a
  real payment API, the idempotency key "hashpay-<event_id>-<entry id>".
  Effects that cannot be keyed (a reply tweet) are at least once; record
  before acting instead to make them at most once.
* event_ids are unique while Redis keeps what it acknowledged.  A failover
  that lost the last writes lost their events too, and the new primary
  gives those event_ids again, to new events in new entries: an event is
  therefore known by its event_id and its stream entry id together (the
  done record holds the entry id, the ledger too), and an event_id seen
  again with another entry is logged and handled as the new event it is.

Requires Debian's python3-redis (redis-py 4.3).  Run with --help.
"""

import argparse
import fcntl
import json
import logging
import os
import signal
import socket
import sys
import time

import redis

log = logging.getLogger("hashpay-consumer")


class Stop(Exception):
    """SIGTERM while waiting for events: leave the blocking read."""


class Effects:
    """Side effects, at most one per event, across processes on one host.

    The reference "effect" is the appended line itself: what a real worker
    would do, and the event_id that caused it.  apply() takes an exclusive
    lock on the file, reads what other processes appended since, and either
    refuses (the event_id has an effect, from the same stream entry: False)
    or calls perform(), appends
    the line and fsyncs before unlocking (True).  A line cut short by a
    crash has no newline and is ignored (and overwritten by the next).
    """

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.done = {}                    # event_id: stream entry id
        self.offset = 0

    def _catch_up(self):
        os.lseek(self.fd, self.offset, os.SEEK_SET)
        data = b""
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            data += chunk
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            try:
                rec = json.loads(line)
                self.done[rec["event_id"]] = rec["entry"]
            except (ValueError, KeyError):
                log.warning("effects: unreadable line ignored: %r", line)
        self.offset += end

    def apply(self, event_id, record, perform=None):
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            self._catch_up()
            entry = self.done.get(event_id)
            if entry == record["entry"]:
                return False
            if entry is not None:
                log.warning("effects: event_id %s given again, to entry %s "
                            "(was %s): Redis lost writes; a new event",
                            event_id, record["entry"], entry)
            if perform is not None:
                perform()
            line = json.dumps(dict(record, event_id=event_id),
                              sort_keys=True).encode() + b"\n"
            os.lseek(self.fd, self.offset, os.SEEK_SET)
            os.write(self.fd, line)
            os.ftruncate(self.fd, self.offset + len(line))
            os.fsync(self.fd)
            self.offset += len(line)
            self.done[event_id] = record["entry"]
            return True
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


def key(ev):
    """The idempotency key of an event's effect at a payment API."""
    return "hashpay-%s-%s" % (ev["data"]["event_id"], ev["entry"])


class Handlers:
    """One method per event type of SPEC section 7 (README "Events stream").

    Each prints what a real worker does and makes one effect keyed by the
    event_id; replace the perform= of each with the real call.  Raise to
    refuse an event: it stays pending and is retried after --claim-idle.
    """

    def __init__(self, effects, out=sys.stdout):
        self.effects = effects
        self.out = out

    def _effect(self, ev, action, what, perform=None):
        rec = {"type": ev["type"], "action": action, "what": what,
               "entry": ev["entry"]}
        if self.effects.apply(ev["data"]["event_id"], rec, perform):
            print("%s: %s" % (action, what), file=self.out, flush=True)
        else:
            print("%s: already done for event %s, not again"
                  % (action, ev["data"]["event_id"]), file=self.out,
                  flush=True)

    def intent_created(self, ev):
        d = ev["data"]
        # real call: POST /2/tweets {"text": ..., "reply": {
        #   "in_reply_to_tweet_id": d["tweet_id"]}} with the operator's
        #   account (no idempotency key at X: at least once)
        self._effect(ev, "reply_tweet",
                     "to %s (@%s): reply %s before %s to buy %s for %s %s"
                     % (d["tweet_id"], d["screen_name"], d["confirm_tag"],
                        time.strftime("%H:%M:%S UTC",
                                      time.gmtime(d["expires_at"] / 1000)),
                        d["offer"], d["price_cents"], d["currency"]))

    def intent_rejected(self, ev):
        d = ev["data"]
        # real call: a reply tweet, or nothing for reasons you keep quiet
        self._effect(ev, "reply_tweet",
                     "to %s (@%s): %s cannot be bought: %s"
                     % (d["tweet_id"], d["screen_name"], d["offer"],
                        d["reason"]))

    def purchase_confirmed(self, ev):
        d = ev["data"]
        # real call: the processor's charge of d["card_token"] with the
        #   header Idempotency-Key: <key>, then ship, then a reply to
        #   d["confirm_tweet_id"]
        self._effect(ev, "charge_card",
                     "charge %s %s %s for %s (purchase %s, key %s)"
                     % (d["card_token"], d["price_cents"], d["currency"],
                        d["offer"], d["purchase_id"], key(ev)))

    def confirm_rejected(self, ev):
        d = ev["data"]
        self._effect(ev, "reply_tweet",
                     "to %s: %s not accepted: %s"
                     % (d["tweet_id"], d["confirm_tag"], d["reason"]))

    def claim_saved(self, ev):
        d = ev["data"]
        # real call: tell the user (a reply or a DM); nothing moves yet
        self._effect(ev, "notify_user",
                     "user %s: %s cashback of %s saved to card %s (claim %s)"
                     % (d["user_id"], d["offer"], d["cashback_cents"],
                        d["card_token"], d["claim_id"]))

    def cashback_credited(self, ev):
        d = ev["data"]
        # real call: the processor's credit of d["card_token"] with the
        #   header Idempotency-Key: <key>
        self._effect(ev, "credit_card",
                     "credit %s cents to %s for %s (claim %s, txn %s, "
                     "key %s)"
                     % (d["cashback_cents"], d["card_token"], d["offer"],
                        d["claim_id"], d["txn_id"], key(ev)))

    def link_revoked(self, ev):
        d = ev["data"]
        # real call: forget what you keep for the user (tokens, cards)
        self._effect(ev, "forget_user",
                     "user %s withdrew access: forget their tokens"
                     % d["user_id"])

    def intent_cancelled(self, ev):
        d = ev["data"]
        # real call: tell the user the purchase will not happen
        self._effect(ev, "notify_user",
                     "user %s: purchase %s of %s cancelled: %s"
                     % (d["user_id"], d["purchase_id"], d["offer"],
                        d["reason"]))

    TYPES = {
        "intent.created": intent_created,
        "intent.rejected": intent_rejected,
        "purchase.confirmed": purchase_confirmed,
        "confirm.rejected": confirm_rejected,
        "claim.saved": claim_saved,
        "cashback.credited": cashback_credited,
        "link.revoked": link_revoked,
        "intent.cancelled": intent_cancelled,
    }

    def get(self, etype):
        f = self.TYPES.get(etype)
        return None if f is None else f.__get__(self)


class Consumer:

    def __init__(self, r, handlers, prefix="hashpay", group="workers",
                 name=None, count=10, block_ms=2000, claim_idle_ms=60000,
                 done_ttl=7 * 86400):
        self.r = r
        self.handlers = handlers
        self.stream = prefix + ":events"
        self.done_prefix = "%s:consumer:%s:done:" % (prefix, group)
        self.group = group
        self.name = name or "%s-%d" % (socket.gethostname(), os.getpid())
        self.count = count
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.done_ttl = done_ttl
        self.stopping = False
        self.waiting = False
        self.last_claim = 0.0

    # SIGTERM/SIGINT: finish the event in hand; leave a blocking read now
    def stop(self, signum=None, frame=None):
        log.info("signal %s: stopping after the event in hand", signum)
        self.stopping = True
        if self.waiting:
            raise Stop()

    def ensure_group(self):
        try:
            self.r.xgroup_create(self.stream, self.group, id="$",
                                 mkstream=True)
            log.info("created group %s of %s", self.group, self.stream)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    def handle(self, entry_id, fields):
        """Handle one entry; return once it is acknowledged."""
        eid = entry_id.decode()
        if not fields:
            # trimmed or deleted while pending: nothing to act on
            log.warning("entry %s: deleted from the stream, acknowledged",
                        eid)
            self.r.xack(self.stream, self.group, entry_id)
            return
        etype = fields.get(b"type", b"").decode("utf-8", "replace")
        try:
            data = json.loads(fields.get(b"data", b""))
            event_id = str(data["event_id"])
        except (ValueError, KeyError, TypeError):
            log.error("entry %s: type %s with no readable data/event_id: "
                      "acknowledged, not handled", eid, etype)
            self.r.xack(self.stream, self.group, entry_id)
            return

        done = self.done_prefix + event_id
        seen = self.r.get(done)
        if seen == entry_id:
            log.info("event %s (entry %s) handled before: acknowledged",
                     event_id, eid)
            self.r.xack(self.stream, self.group, entry_id)
            return
        if seen is not None:
            log.warning("event_id %s given again, to entry %s (was %s): "
                        "Redis lost writes; a new event", event_id, eid,
                        seen.decode())

        handler = self.handlers.get(etype)
        if handler is None:
            # a type this consumer does not know (a newer module): logged,
            # acknowledged and recorded, so that it does not hold the
            # stream's trimming and the events_backlog limit
            log.warning("event %s (entry %s): unknown type %r: acknowledged "
                        "without a handler", event_id, eid, etype)
        else:
            handler({"entry": eid, "type": etype, "data": data})

        pipe = self.r.pipeline(transaction=True)
        pipe.set(done, eid, ex=self.done_ttl)
        pipe.xack(self.stream, self.group, entry_id)
        pipe.execute()
        log.debug("event %s (entry %s) acknowledged", event_id, eid)

    def handle_all(self, entries):
        for entry_id, fields in entries:
            if self.stopping:
                return
            try:
                self.handle(entry_id, fields)
            except redis.RedisError:
                raise
            except Exception:
                # the handler refused: pending, retried after claim_idle
                log.exception("entry %s: handler failed, left pending",
                              entry_id.decode())

    def own_pending(self):
        # what this consumer name read before and never acknowledged
        start = "0"
        while not self.stopping:
            reply = self.r.xreadgroup(self.group, self.name,
                                      {self.stream: start}, count=self.count)
            entries = reply[0][1] if reply else []
            if not entries:
                return
            self.handle_all(entries)
            start = entries[-1][0]

    def reclaim(self):
        # entries idle claim_idle ms in any consumer (dead ones, and own
        # entries whose handler failed)
        self.last_claim = time.monotonic()
        cursor = "0-0"
        while not self.stopping:
            reply = self.r.xautoclaim(self.stream, self.group, self.name,
                                      self.claim_idle_ms, start_id=cursor,
                                      count=self.count)
            cursor, entries = reply[0], reply[1]
            if entries:
                log.info("reclaimed %d entries idle %d ms or more",
                         len(entries), self.claim_idle_ms)
                self.handle_all(entries)
            if cursor in (b"0-0", "0-0"):
                return

    def run(self):
        started = False
        while not self.stopping:
            try:
                if not started:
                    self.ensure_group()
                    self.own_pending()
                    started = True
                    continue
                if (time.monotonic() - self.last_claim
                        >= self.claim_idle_ms / 2000.0):
                    self.reclaim()
                self.waiting = True
                try:
                    if self.stopping:
                        break
                    reply = self.r.xreadgroup(
                        self.group, self.name, {self.stream: ">"},
                        count=self.count, block=self.block_ms)
                finally:
                    self.waiting = False
                if reply:
                    self.handle_all(reply[0][1])
            except Stop:
                break
            except redis.ResponseError as e:
                if "NOGROUP" in str(e):
                    self.ensure_group()
                    continue
                raise
            except redis.ConnectionError as e:
                log.error("redis: %s; again in 1 s", e)
                time.sleep(1)
        log.info("stopped")


def main(argv=None, handlers=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--redis", default=os.environ.get(
        "HASHPAY_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="redis://[:password@]host:port/db or unix:///path "
             "(default $HASHPAY_REDIS_URL or %(default)s)")
    p.add_argument("--prefix", default="hashpay",
                   help="hashpay_prefix (default %(default)s)")
    p.add_argument("--group", default="workers",
                   help="hashpay_events_group (default %(default)s)")
    p.add_argument("--name", help="consumer name, stable across restarts "
                   "(default host-pid)")
    p.add_argument("--count", type=int, default=10,
                   help="entries read at a time (default %(default)s)")
    p.add_argument("--block", type=int, default=2000,
                   help="ms to wait for new entries (default %(default)s)")
    p.add_argument("--claim-idle", type=int, default=60000,
                   help="ms an entry stays pending before another consumer "
                        "takes it (default %(default)s)")
    p.add_argument("--done-ttl", type=int, default=7 * 86400,
                   help="s a handled event_id is remembered "
                        "(default %(default)s)")
    p.add_argument("--effects", default="hashpay-effects.jsonl",
                   help="the effects ledger file (default %(default)s)")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if a.verbose else logging.INFO,
        format="%(asctime)s %(name)s[%(process)d] %(levelname)s "
               "%(message)s")

    r = redis.Redis.from_url(a.redis, socket_connect_timeout=5,
                             health_check_interval=30)
    if handlers is None:
        handlers = Handlers(Effects(a.effects))
    c = Consumer(r, handlers, prefix=a.prefix, group=a.group, name=a.name,
                 count=a.count, block_ms=a.block, claim_idle_ms=a.claim_idle,
                 done_ttl=a.done_ttl)
    signal.signal(signal.SIGTERM, c.stop)
    signal.signal(signal.SIGINT, c.stop)
    log.info("consumer %s of group %s on %s", c.name, c.group, c.stream)
    c.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
