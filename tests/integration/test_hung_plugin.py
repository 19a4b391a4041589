"""A plugin stuck in a call (it ignores its cancel token) costs only
itself: other agents keep answering, and SIGTERM under load ends within
--shutdown_grace plus a margin, naming the abandoned plugin."""

import os
import shutil
import signal
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import grpc

from agentd_fixture import AgentdProcess, agents_and_plugins_with, scratch_dir, orchestrator_pb2 as pb, review_pb2

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"

HUNG = """---
name: hung-agent
description: A test agent whose calls hang and ignore cancellation.
plugin: test_agent
mode: hang
sleep_ms: "120000"
timeout_ms: 200
sections: [hung_notes]
---
# Hung agent
"""

GRACE_S = 1.0
# What the test allows past the grace: agentd's own margin (1.5 s) plus
# time for a loaded machine to schedule the exit.
SLACK_S = 6.0


class HungPluginTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-hung-")
        agents, plugins = agents_and_plugins_with(self.tmp, {"hung-agent.md": HUNG})
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins, extra_args=[
            "--executor_threads=4", "--shutdown_grace=%ds" % GRACE_S, "--breaker_failures=1000"]).start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def review(self, i):
        return self.stub.Review(pb.ReviewRequest(text="%s (%d)" % (QUESTION, i),
                                                 agents=["hung-agent", "backend-architect"]), timeout=60)

    def test_other_agents_still_answer(self):
        with ThreadPoolExecutor(max_workers=16) as pool:
            replies = list(pool.map(self.review, range(48)))
        for r in replies:
            runs = {a.agent: a for a in r.review.agents}
            self.assertEqual(runs["backend-architect"].status, review_pb2.AGENT_STATUS_OK,
                             runs["backend-architect"].error)
            self.assertNotEqual(runs["hung-agent"].status, review_pb2.AGENT_STATUS_OK)
            self.assertTrue(r.review.partial)
        # Once its share of threads is stuck, the hung agent is skipped at once.
        errors = [a.error for r in replies for a in r.review.agents if a.agent == "hung-agent"]
        self.assertTrue(any("stuck in calls past their deadline" in e for e in errors), errors[-3:])

    def test_sigterm_under_load_exits_within_the_grace(self):
        stop = threading.Event()

        def load(worker):
            i = 0
            while not stop.is_set():
                try:
                    self.review(worker * 100000 + i)
                except grpc.RpcError:
                    pass  # the server is going away
                i += 1

        threads = [threading.Thread(target=load, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        try:
            # Wait until calls are stuck in the plugin, then stop the server.
            deadline = time.monotonic() + 60
            in_flight = lambda: {a.name: a.in_flight for a in
                                 self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}["hung-agent"]
            while in_flight() == 0:
                self.assertLess(time.monotonic(), deadline, "no call ever reached the hung plugin")
                time.sleep(0.02)
            started = time.monotonic()
            self.server.proc.send_signal(signal.SIGTERM)
            self.server.proc.wait(timeout=GRACE_S + SLACK_S + 30)
            took = time.monotonic() - started
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertLess(took, GRACE_S + SLACK_S, "shutdown took %.1f s" % took)
        self.assertEqual(self.server.proc.returncode, 0)
        log = self.server.log()
        self.assertIn("abandoning plugin call(s) of agent hung-agent", log)


# A fast agent (answers in microseconds) until its `hang_while` file appears;
# then its calls block, ignoring cancellation.
QUICK = """---
name: quick-agent
description: A test agent that answers at once until it hangs.
plugin: test_agent
hang_while: %s
sleep_ms: "60000"
timeout_ms: 300
sections: [quick_notes]
---
# Quick agent
"""


class FastAgentThatHangsTest(unittest.TestCase):
    """An agent that was fast and then hangs holds only its own share of the
    executor's threads, never the request threads: every caller gets its
    answer at the agent's deadline and other reviews go on."""

    def setUp(self):
        self.tmp = scratch_dir("agentd-quick-")
        self.hang_file = os.path.join(self.tmp, "hang")
        agents, plugins = agents_and_plugins_with(self.tmp, {"quick-agent.md": QUICK % self.hang_file})
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins, extra_args=[
            "--request_threads=2", "--executor_threads=4", "--shutdown_grace=%ds" % GRACE_S,
            "--breaker_failures=1000"]).start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def review(self, agent, i):
        return self.stub.Review(pb.ReviewRequest(text="%s (%d)" % (QUESTION, i), agents=[agent]), timeout=30)

    def test_a_hang_holds_no_request_thread(self):
        for i in range(20):  # measured fast, as a trivial plugin is
            self.review("quick-agent", i)
        with open(self.hang_file, "w"):
            pass

        def hung_review(i):
            try:
                self.review("quick-agent", i)
                return None
            except grpc.RpcError as e:
                return e

        # Twice as many hung calls as there are request threads.
        with ThreadPoolExecutor(max_workers=4) as pool:
            errors = list(pool.map(hung_review, range(100, 104)))
        for e in errors:
            self.assertIsNotNone(e, "a review in which no agent answered came back OK")
            # agentd answered at the agent's deadline; the caller's own deadline never fired.
            self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE, e.details())
            self.assertIn("quick-agent", e.details())
        # The request threads are free: another agent's review answers.
        reply = self.review("backend-architect", 200)
        self.assertEqual([a.status for a in reply.review.agents], [review_pb2.AGENT_STATUS_OK])
        stuck = {a.name: a.in_flight for a in self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
        self.assertGreater(stuck["quick-agent"], 0)  # still in the plugin, on its own threads


if __name__ == "__main__":
    unittest.main()
