"""Two agentd replicas on one real PostgreSQL 15 (tests/support/postgres_server.py,
a private server so that it can be restarted): a session started on one
continues on the other; one replica is killed with SIGKILL while clients
write through both, and every acknowledged turn is in the database, checked
from SQL; a PostgreSQL restart gives UNAVAILABLE while it is down and the
replica serves again afterwards (health NOT_SERVING, then SERVING) without
being restarted. Skips, saying why, when PostgreSQL 15 is not installed."""

import os
import sys
import threading
import unittest

import grpc

from agentd_fixture import (SOURCE_DIR, AgentdProcess, health_serving, orchestrator_pb2 as pb, store_pb2,
                            stored_message, wait_for)
from test_crash import Ledger, client

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "support"))
import postgres_server  # noqa: E402

CLIENTS_PER_REPLICA = 3
KILL_AFTER = 40  # acknowledged turns before replica A is killed
AFTER_KILL = 15  # further turns acknowledged by replica B afterwards


class ReplicasTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _, reason = postgres_server.find_bin()
        if reason:
            raise unittest.SkipTest("PostgreSQL tests skipped: " + reason)
        cls.pg = postgres_server.PostgresServer().start()
        cls.url = cls.pg.create_database("agentd")

    @classmethod
    def tearDownClass(cls):
        cls.pg.destroy()

    def setUp(self):
        self.replicas = []

    def tearDown(self):
        for replica in self.replicas:
            replica.cleanup()

    def replica(self):
        r = AgentdProcess(db=self.url, extra_args=["--db_pool_size=2"]).start()
        self.replicas.append(r)
        return r

    def sql_rows(self, query):
        out = self.pg.psql(query, dbname="agentd")
        return [line.split("|") for line in out.splitlines() if line]

    def check_database(self, ledger):
        """From SQL: every session is whole (turns 1..turn_count), every turn
        has its body (the request and each agent's run and answer), and every
        acknowledged turn is stored with its request."""
        for session_id, turn_count, seqs in self.sql_rows(
                "SELECT s.id, s.turn_count, coalesce(string_agg(t.seq::text, ',' ORDER BY t.seq), '') "
                "FROM sessions s LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.id, s.turn_count"):
            self.assertEqual(seqs, ",".join(str(i) for i in range(1, int(turn_count) + 1)), session_id)
        stored = {}
        for session_id, seq, blob in self.sql_rows("SELECT session_id, seq, encode(body, 'hex') FROM turns"):
            body = store_pb2.StoredTurn.FromString(stored_message(bytes.fromhex(blob)))
            self.assertTrue(body.request.text and body.runs, (session_id, seq))
            self.assertEqual(len(body.outputs), len(body.runs), (session_id, seq))
            stored[(session_id, int(seq))] = body.request.text
        for (session_id, seq), text in ledger.turns.items():
            self.assertIn((session_id, seq), stored, "acknowledged turn %s/%d lost" % (session_id, seq))
            self.assertEqual(stored[(session_id, seq)], text)

    def test_session_continues_on_the_other_replica(self):
        a, b = self.replica(), self.replica()
        first = a.stub().Review(pb.ReviewRequest(text="We need 5,000 orders per minute; monolith or "
                                                      "microservices?"), timeout=30)
        follow = b.stub().Review(pb.ReviewRequest(text="We are six engineers. Which database?",
                                                  session_id=first.session_id), timeout=30)
        self.assertEqual(follow.session_id, first.session_id)
        self.assertEqual(follow.turn, 2)
        got = a.stub().GetSession(pb.GetSessionRequest(session_id=first.session_id), timeout=10)
        self.assertEqual([t.seq for t in got.turns], [1, 2])
        self.assertEqual(got.turns[1].request.text, "We are six engineers. Which database?")

    def test_sigkill_under_load_loses_no_acknowledged_turn(self):
        a, b = self.replica(), self.replica()
        ledger, errors = Ledger(), []
        killing_a, never, stop = threading.Event(), threading.Event(), threading.Event()
        threads = []
        for c in range(2 * CLIENTS_PER_REPLICA):
            on_a = c < CLIENTS_PER_REPLICA
            threads.append(threading.Thread(target=client, args=(
                a.address if on_a else b.address, ledger, c, [], killing_a if on_a else never, stop, errors)))
        for t in threads:
            t.start()
        try:
            with ledger.cond:
                reached = ledger.cond.wait_for(lambda: len(ledger.turns) >= KILL_AFTER or errors, timeout=120)
            self.assertTrue(reached, "only %d turns acknowledged" % len(ledger.turns))
            killing_a.set()
            a.kill()  # SIGKILL, with its clients' next reviews in flight
            with ledger.cond:
                target = len(ledger.turns) + AFTER_KILL
                reached = ledger.cond.wait_for(lambda: len(ledger.turns) >= target or errors, timeout=120)
            self.assertTrue(reached, "replica B stalled after A was killed")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertLess(a.proc.returncode, 0)
        self.check_database(ledger)
        self.assertTrue(any(seq > 1 for _, seq in ledger.turns))

    def test_postgres_restart_is_unavailable_then_recovers(self):
        r = self.replica()
        stub = r.stub()
        first = stub.Review(pb.ReviewRequest(text="How should we cache product pages?"), timeout=30)
        self.assertTrue(health_serving(r.address))
        self.pg.stop()
        try:
            with self.assertRaises(grpc.RpcError) as down:
                stub.Review(pb.ReviewRequest(text="Which broker for order events?",
                                             session_id=first.session_id), timeout=30)
            self.assertEqual(down.exception.code(), grpc.StatusCode.UNAVAILABLE, down.exception.details())
            self.assertNotIn(self.pg.dir, down.exception.details())
            with self.assertRaises(grpc.RpcError) as read:
                stub.GetSession(pb.GetSessionRequest(session_id=first.session_id), timeout=10)
            self.assertEqual(read.exception.code(), grpc.StatusCode.UNAVAILABLE)
            # A new session goes straight to the store's writer, which finds
            # the database gone: UNAVAILABLE, and health turns NOT_SERVING.
            with self.assertRaises(grpc.RpcError) as write:
                stub.Review(pb.ReviewRequest(text="How do we shard the orders table?"), timeout=30)
            self.assertEqual(write.exception.code(), grpc.StatusCode.UNAVAILABLE, write.exception.details())
            self.assertTrue(wait_for(lambda: not health_serving(r.address), timeout=30),
                            "health stayed SERVING with the database down")
        finally:
            self.pg.resume()
        self.assertIsNone(r.proc.poll())  # the replica kept running
        self.assertTrue(wait_for(lambda: health_serving(r.address), timeout=60),
                        "health did not come back once the database did")
        after = stub.Review(pb.ReviewRequest(text="Which broker for order events?",
                                             session_id=first.session_id), timeout=30)
        self.assertEqual(after.turn, 2)
        got = stub.GetSession(pb.GetSessionRequest(session_id=first.session_id), timeout=10)
        self.assertEqual([t.seq for t in got.turns], [1, 2])


if __name__ == "__main__":
    unittest.main()
