"""Idempotent retries against the real agentd: a ReviewRequest with a
request_id, retried (also after the client's deadline expired while the turn
was being stored), returns the stored turn and never stores a second one."""

import sqlite3
import unittest

import grpc

from agentd_fixture import AgentdProcess, orchestrator_pb2 as pb, wait_for

FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")


def rows(db, query, args=()):
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(query, args).fetchall()


class RequestIdTest(unittest.TestCase):
    def setUp(self):
        self.server = AgentdProcess().start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()

    def turns_with(self, request_id):
        return rows(self.server.db, "SELECT session_id, seq FROM turns WHERE request_id = ?", (request_id,))

    def test_a_retry_returns_the_stored_turn(self):
        request = pb.ReviewRequest(text=FLASH_SALE, request_id="retry-1")
        first = self.stub.Review(request, timeout=10)
        again = self.stub.Review(request, timeout=10)
        self.assertEqual((again.session_id, again.turn), (first.session_id, first.turn))
        self.assertEqual(again.review.markdown, first.review.markdown)
        self.assertEqual(len(again.route.selected), len(first.route.selected))
        # StreamReview retried with the same id: the stored turn as its one event.
        events = list(self.stub.StreamReview(request, timeout=10))
        self.assertEqual(events[-1].review.session_id, first.session_id)
        self.assertEqual(events[-1].review.turn, first.turn)
        self.assertEqual(self.turns_with("retry-1"), [(first.session_id, 1)])
        self.assertEqual(rows(self.server.db, "SELECT count(*) FROM sessions")[0][0], 1)
        # A follow-up with a new id is a new turn.
        follow = self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, session_id=first.session_id,
                                                   request_id="retry-2"), timeout=10)
        self.assertEqual(follow.turn, 2)

    def test_a_request_id_used_for_another_request_is_refused(self):
        self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, request_id="used"), timeout=10)
        with self.assertRaises(grpc.RpcError) as ctx:
            self.stub.Review(pb.ReviewRequest(text=FLASH_SALE + " And caching?", request_id="used"), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.ALREADY_EXISTS)
        self.assertIn("request_id", ctx.exception.details())
        with self.assertRaises(grpc.RpcError) as ctx:
            self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, request_id="x" * 129), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_a_retry_after_the_deadline_expired_while_storing_returns_that_turn(self):
        # Another process holds the write lock, so the turn waits to be
        # stored until after the client has given up.
        locker = sqlite3.connect(self.server.db, timeout=10, isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            with self.assertRaises(grpc.RpcError) as ctx:
                self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, request_id="late-1"), timeout=1.5)
            self.assertEqual(ctx.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        # The turn is committed once the lock is gone (agentd's busy timeout is 5 s).
        self.assertTrue(wait_for(lambda: len(self.turns_with("late-1")) == 1, timeout=15), self.server.log())
        stored = self.turns_with("late-1")[0]
        retry = self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, request_id="late-1"), timeout=10)
        self.assertEqual((retry.session_id, retry.turn), stored)
        self.assertTrue(retry.review.markdown.startswith("## Backend Architecture Review"))
        self.assertEqual(self.turns_with("late-1"), [stored])
        self.assertEqual(rows(self.server.db, "SELECT count(*) FROM turns")[0][0], 1)


class RequestIdPrincipalsTest(unittest.TestCase):
    def test_request_ids_are_scoped_to_the_principal(self):
        import hashlib
        import os
        server = AgentdProcess()
        tokens = os.path.join(server.tmp, "tokens")
        with open(tokens, "w") as f:
            for name in ("alice", "bob"):
                f.write("%s %s\n" % (name, hashlib.sha256((name + "-token").encode()).hexdigest()))
        server.args.append("--auth_tokens_file=" + tokens)
        try:
            server.start()
            request = pb.ReviewRequest(text=FLASH_SALE, request_id="shared-id")
            alice = server.stub(token="alice-token").Review(request, timeout=10)
            bob = server.stub(token="bob-token").Review(request, timeout=10)
            self.assertNotEqual(alice.session_id, bob.session_id)  # bob's own turn, not alice's
            self.assertEqual(server.stub(token="bob-token").Review(request, timeout=10).session_id, bob.session_id)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
