"""Overload tells the truth: calls past the limits are refused before any
work (RESOURCE_EXHAUSTED with a retry hint), a review no agent answered is
UNAVAILABLE and not stored, and a breaker closes again once its agent
answers. The real binary, with test plugins."""

import os
import shutil
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import grpc

from agentd_fixture import AgentdProcess, agents_and_plugins_with, scratch_dir, orchestrator_pb2 as pb, review_pb2

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"

SLOW = """---
name: slow-reviewer
description: A test agent that takes a while to answer.
plugin: test_agent
mode: sleep
sleep_ms: "300"
timeout_ms: 20000
sections: [slow_notes]
---
# Slow reviewer
"""

FAILING = """---
name: failing-agent
description: A test agent that always fails.
plugin: test_agent
mode: fail
---
# Failing agent
"""

FLAKY = """---
name: flaky-agent
description: A test agent that fails while a file exists.
plugin: test_agent
fail_while: "{path}"
sections: [flaky_notes]
---
# Flaky agent
"""


def stored_turns(stub):
    """Every stored turn's (session id, seq) as the API lists them."""
    turns, token = [], ""
    while True:
        page = stub.ListSessions(pb.ListSessionsRequest(page_token=token), timeout=30)
        for s in page.sessions:
            turns.extend((s.id, seq) for seq in range(1, s.turn_count + 1))
        token = page.next_page_token
        if not token:
            return turns


def concurrent_reviews(stub, n, agents):
    """`n` Reviews at once; returns [(code, response or None, details, trailing metadata dict)]."""
    def one(i):
        try:
            r = stub.Review(pb.ReviewRequest(text="%s (%d)" % (QUESTION, i), agents=agents), timeout=120)
            return grpc.StatusCode.OK, r, "", {}
        except grpc.RpcError as e:
            return e.code(), None, e.details(), dict(e.trailing_metadata() or ())
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


class OverloadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-overload-")
        self.fail_file = os.path.join(self.tmp, "fail-now")
        self.agents, self.plugins = agents_and_plugins_with(self.tmp, {
            "slow-reviewer.md": SLOW, "failing-agent.md": FAILING,
            "flaky-agent.md": FLAKY.format(path=self.fail_file)})

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def server(self, *args):
        return AgentdProcess(agents_dir=self.agents, plugins_dir=self.plugins, extra_args=list(args))

    def check_truthful(self, stub, results, shed_reason):
        """Every OK reply is stored and has an answer in it; the rest are
        RESOURCE_EXHAUSTED with a retry hint, and were not stored."""
        ok = [r for code, r, _, _ in results if code == grpc.StatusCode.OK]
        refused = [(d, md) for code, _, d, md in results if code != grpc.StatusCode.OK]
        for code, _, details, _ in results:
            self.assertIn(code, (grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED), details)
        self.assertGreater(len(ok), 0, "nothing got through")
        self.assertGreater(len(refused), 0, "nothing was shed: the test did not overload the server")
        for details, metadata in refused:
            self.assertIn(shed_reason, details)
            self.assertIn("retry in", details)
            self.assertGreaterEqual(int(metadata["grpc-retry-pushback-ms"]), 10)
        for r in ok:
            self.assertFalse(r.review.partial)
            self.assertEqual([a.status for a in r.review.agents], [review_pb2.AGENT_STATUS_OK])
            self.assertTrue(any(s.items for s in r.review.sections), "an OK reply with an empty review")
        stored = stored_turns(stub)
        self.assertEqual(sorted(stored), sorted((r.session_id, r.turn) for r in ok))
        return len(ok), len(refused)

    def test_64_reviews_against_a_bulkhead_of_8(self):
        with self.server("--max_in_flight=8") as server:
            stub = server.stub()
            results = concurrent_reviews(stub, 64, ["slow-reviewer"])
            self.check_truthful(stub, results, "bulkhead full")
            # The breaker was never blamed for the server being busy.
            cards = {a.name: a for a in stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
            self.assertEqual(cards["slow-reviewer"].circuit_state, "closed")

    def test_calls_past_the_server_and_principal_limits_are_refused_up_front(self):
        with self.server("--max_calls=8") as server:
            stub = server.stub()
            self.check_truthful(stub, concurrent_reviews(stub, 64, ["slow-reviewer"]),
                                "the server has 8 calls queued or running")
            self.assertIn("shedding calls", server.log())
        with self.server("--max_calls_per_principal=4") as server:
            stub = server.stub()
            self.check_truthful(stub, concurrent_reviews(stub, 32, ["slow-reviewer"]),
                                "this caller has 4 calls queued or running")

    def test_reviews_past_the_running_bound_wait_their_turn(self):
        # No request thread waits for a review's agents, so --max_reviews_running
        # bounds how many reviews run theirs: with a bulkhead of 2, the
        # reviews past 2 would be refused ("bulkhead full") if they all
        # started; they wait their turn instead, and each is stored.
        with self.server("--max_reviews_running=2", "--max_in_flight=2") as server:
            stub = server.stub()
            start = time.monotonic()
            results = concurrent_reviews(stub, 8, ["slow-reviewer"])
            took = time.monotonic() - start
            for code, _, details, _ in results:
                self.assertEqual(code, grpc.StatusCode.OK, details)
            # Two at a time, 300 ms each: four rounds.
            self.assertGreaterEqual(took, 4 * 0.3)
            self.assertEqual(len(stored_turns(stub)), 8)
        # Reviews waiting for a place count against --max_calls: past it,
        # RESOURCE_EXHAUSTED at once, as for any call.
        with self.server("--max_reviews_running=1", "--max_calls=4") as server:
            stub = server.stub()
            self.check_truthful(stub, concurrent_reviews(stub, 32, ["slow-reviewer"]),
                                "the server has 4 calls queued or running")

    def test_a_review_no_agent_answered_is_unavailable_and_not_stored(self):
        with self.server() as server:
            stub = server.stub()
            with self.assertRaises(grpc.RpcError) as ctx:
                stub.Review(pb.ReviewRequest(text=QUESTION, agents=["failing-agent"]), timeout=30)
            self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAVAILABLE)
            self.assertIn("failing-agent: ", ctx.exception.details())
            self.assertIn("configured to fail", ctx.exception.details())
            self.assertEqual(stored_turns(stub), [])

    def test_breaker_half_opens_and_closes_once_its_agent_answers(self):
        with self.server("--breaker_failures=2", "--breaker_cool_down_ms=300") as server:
            stub = server.stub()
            open(self.fail_file, "w").close()
            review = lambda: stub.Review(pb.ReviewRequest(text=QUESTION, agents=["flaky-agent"]), timeout=30)
            state = lambda: {a.name: a.circuit_state for a in
                             stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}["flaky-agent"]
            for _ in range(2):
                with self.assertRaises(grpc.RpcError) as ctx:
                    review()
                self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAVAILABLE)
            self.assertIn(state(), ("open", "half_open"))
            os.remove(self.fail_file)  # the backend recovers
            deadline = time.monotonic() + 30
            while state() != "half_open":
                self.assertLess(time.monotonic(), deadline, "the breaker never half-opened")
                time.sleep(0.05)
            self.assertEqual(review().review.agents[0].status, review_pb2.AGENT_STATUS_OK)
            self.assertEqual(state(), "closed")
            self.assertIn("circuit breaker of agent flaky-agent opened", server.log())
            self.assertIn("circuit breaker of agent flaky-agent closed", server.log())


if __name__ == "__main__":
    unittest.main()
