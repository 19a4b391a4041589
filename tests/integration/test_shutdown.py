"""A stop is as short as the calls running at the signal: a review running
then still gets its reply, calls that arrive after it are refused, and an idle client connection does not hold the stop for the
whole --shutdown_grace."""

import os
import shutil
import signal
import time
import unittest

import grpc

from agentd_fixture import AgentdProcess, agents_and_plugins_with, scratch_dir, wait_for, orchestrator_pb2 as pb

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"
# Long enough that a stop waiting out the grace cannot pass for a quick one.
GRACE_S = 120

SLOW = """---
name: slow-agent
description: A test agent that takes two seconds to answer.
plugin: test_agent
mode: sleep
sleep_ms: "2000"
start_marker: "{marker}"
sections: [slow_notes]
---
# Slow agent
"""


class ShutdownTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-shutdown-")
        self.marker = os.path.join(self.tmp, "started")
        agents, plugins = agents_and_plugins_with(self.tmp, {"slow-agent.md": SLOW.format(marker=self.marker)})
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins,
                                    extra_args=["--shutdown_grace=%ds" % GRACE_S]).start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stop_and_time(self):
        start = time.monotonic()
        self.server.proc.send_signal(signal.SIGTERM)
        code = self.server.proc.wait(timeout=GRACE_S + 30)
        return code, time.monotonic() - start

    def test_an_idle_connection_does_not_hold_the_stop(self):
        # A call, then the connection stays open and idle (grpcio does not
        # read it between calls).
        self.assertGreater(len(self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents), 0)
        code, took = self.stop_and_time()
        self.assertEqual(code, 0, self.server.log())
        self.assertIn("agentd stopped", self.server.log())
        # Not the grace: nothing was running.
        self.assertLess(took, GRACE_S / 4, self.server.log())

    def test_a_review_running_at_the_signal_gets_its_reply_and_later_calls_are_refused(self):
        running = self.stub.Review.future(pb.ReviewRequest(text=QUESTION, agents=["slow-agent"]), timeout=60)
        self.assertTrue(wait_for(lambda: os.path.exists(self.marker), timeout=30), self.server.log())
        start = time.monotonic()
        self.server.proc.send_signal(signal.SIGTERM)
        self.assertTrue(wait_for(lambda: "new calls refused" in self.server.log(), timeout=30))
        with self.assertRaises(grpc.RpcError) as refused:
            self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10)
        # agentd's own refusal, or gRPC's when the call races its GOAWAY.
        self.assertIn(refused.exception.code(), (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED),
                      refused.exception.details())
        reply = running.result(timeout=60)
        self.assertEqual(reply.turn, 1)
        self.assertEqual(self.server.proc.wait(timeout=GRACE_S + 30), 0, self.server.log())
        self.assertLess(time.monotonic() - start, GRACE_S / 4, self.server.log())


if __name__ == "__main__":
    unittest.main()
