"""Plugins out of agentd's process (docs/plugins.md), against the real
binary: a `command:` plugin process that aborts in the middle of a request
fails only its own run (the review is partial, the other agent answers,
agentd stays up) and is restarted and answers the next request; it stops
with agentd. An `endpoint:` nobody serves is listed as unavailable and the
server starts anyway."""

import os
import re
import shutil
import socket
import time
import unittest

from agentd_fixture import (AGENTD, TEST_PLUGINS, AgentdProcess, agents_and_plugins_with, alive, health_serving,
                            scratch_dir, orchestrator_pb2 as pb, review_pb2, wait_for)

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"
SERVE = os.path.join(os.path.dirname(AGENTD), "agentd-plugin-serve")

CRASHY = """---
name: crashy-agent
description: A test agent in a plugin process that aborts on request.
command: {serve} {plugins}/libtest_agent.so
abort_on: CRASH-NOW
sections: [crashy_notes]
timeout_ms: 5000
---
# Crashy agent
"""

GONE = """---
name: gone-agent
description: A remote test agent that nobody serves.
endpoint: 127.0.0.1:{port}
sections: [gone_notes]
timeout_ms: 2000
---
# Gone agent
"""


def unused_port():
    """A port nothing listens on (bound then released; nothing here listens again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PluginProcessTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-process-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)  # runs even when setUp fails
        self.agents, self.plugins = agents_and_plugins_with(self.tmp, {
            "crashy-agent.md": CRASHY.format(serve=SERVE, plugins=TEST_PLUGINS),
            "gone-agent.md": GONE.format(port=unused_port()),
        })
        # agentd's own TMPDIR, where its plugin processes' folders go.
        self.plugin_tmp = os.path.join(self.tmp, "tmpdir")
        os.mkdir(self.plugin_tmp)
        self.server = self.agentd()
        self.stub = self.server.stub()

    def agentd(self):
        server = AgentdProcess(agents_dir=self.agents, plugins_dir=self.plugins, env={"TMPDIR": self.plugin_tmp})
        self.addCleanup(server.cleanup)
        return server.start()

    def cards(self):
        return {a.name: a for a in self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}

    def review(self, text):
        reply = self.stub.Review(pb.ReviewRequest(text=text, agents=["crashy-agent", "backend-architect"]),
                                 timeout=30)
        return reply, {a.agent: a for a in reply.review.agents}

    def plugin_pids(self):
        return [int(p) for p in re.findall(r"plugin process of agent crashy-agent started \(pid (\d+)\)",
                                           self.server.log())]

    def test_a_crash_mid_request_fails_only_that_run_and_the_plugin_comes_back(self):
        reply, runs = self.review(QUESTION)
        self.assertEqual(runs["crashy-agent"].status, review_pb2.AGENT_STATUS_OK, runs["crashy-agent"].error)
        self.assertEqual(len(self.plugin_pids()), 1)

        reply, runs = self.review(QUESTION + " CRASH-NOW")
        crashed = runs["crashy-agent"]
        self.assertEqual(crashed.status, review_pb2.AGENT_STATUS_FAILED)
        self.assertIn("plugin process died during the call", crashed.error)
        self.assertIn("SIGABRT", crashed.error)
        self.assertEqual(runs["backend-architect"].status, review_pb2.AGENT_STATUS_OK)
        self.assertTrue(reply.review.partial)
        self.assertTrue(health_serving(self.server.address))

        # Restarted (with back-off), healthy again, and answering.
        self.assertTrue(wait_for(lambda: self.cards()["crashy-agent"].available, timeout=30),
                        self.cards()["crashy-agent"].unavailable_reason)
        reply, runs = self.review(QUESTION)
        self.assertEqual(runs["crashy-agent"].status, review_pb2.AGENT_STATUS_OK, runs["crashy-agent"].error)
        self.assertIn("test_agent answered", str(reply.review))
        pids = self.plugin_pids()
        self.assertEqual(len(pids), 2)
        self.assertNotEqual(pids[0], pids[1])

    def test_the_plugin_process_stops_with_agentd(self):
        pids = self.plugin_pids()
        self.assertEqual(len(pids), 1)
        self.assertTrue(alive(pids[0]))
        self.assertEqual(len(os.listdir(self.plugin_tmp)), 1, "one folder for this agentd's plugin processes")
        self.server.stop()
        self.assertEqual(self.server.proc.returncode, 0)
        self.assertTrue(wait_for(lambda: not alive(pids[0]), timeout=10), "plugin process outlived agentd")
        self.assertEqual(os.listdir(self.plugin_tmp), [], "agentd left its plugin folder behind")
        self.assertNotIn("ignored SIGTERM", self.server.log())

    def test_the_plugin_process_dies_with_a_killed_agentd(self):
        pids = self.plugin_pids()
        self.assertEqual(len(pids), 1)
        self.server.kill()  # SIGKILL: no destructor, no shutdown code runs
        self.assertTrue(wait_for(lambda: not alive(pids[0]), timeout=10), "plugin process outlived a killed agentd")

    def test_the_next_agentd_removes_the_folder_a_killed_one_left(self):
        left = os.listdir(self.plugin_tmp)
        self.assertEqual(len(left), 1)
        self.server.kill()  # nothing of agentd runs: its folder stays
        self.assertEqual(os.listdir(self.plugin_tmp), left)
        # Killed again and again, as a crash-looping service: one folder at most is left.
        for _ in range(2):
            server = self.agentd()
            self.assertNotIn(left[0], os.listdir(self.plugin_tmp))
            self.assertIn("removed 1 plugin folder(s) left in", server.log())
            left = os.listdir(self.plugin_tmp)
            self.assertEqual(len(left), 1)
            server.kill()
        server = self.agentd()
        server.stop()
        self.assertEqual(server.proc.returncode, 0)
        self.assertEqual(os.listdir(self.plugin_tmp), [])

    def test_an_unreachable_endpoint_is_unavailable_and_the_server_serves(self):
        cards = self.cards()
        self.assertFalse(cards["gone-agent"].available)
        self.assertIn("127.0.0.1", cards["gone-agent"].unavailable_reason)
        self.assertTrue(cards["crashy-agent"].available, cards["crashy-agent"].unavailable_reason)
        reply = self.stub.Review(pb.ReviewRequest(text=QUESTION, agents=["gone-agent", "backend-architect"]),
                                 timeout=30)
        runs = {a.agent: a for a in reply.review.agents}
        self.assertEqual(runs["gone-agent"].status, review_pb2.AGENT_STATUS_FAILED)
        self.assertIn("gone-agent", runs["gone-agent"].error)
        self.assertEqual(runs["backend-architect"].status, review_pb2.AGENT_STATUS_OK)
        self.assertTrue(reply.review.partial)


SLEEPY = """---
name: sleepy-agent
description: A plugin process that never serves.
command: /bin/sleep 60
sections: [sleepy_notes]
---
# Sleepy agent
"""


class PluginStartTimeoutTest(unittest.TestCase):
    def test_a_plugin_process_not_healthy_in_time_says_which_setting_to_raise(self):
        tmp = scratch_dir("agentd-process-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        agents, plugins = agents_and_plugins_with(tmp, {"sleepy-agent.md": SLEEPY})
        server = AgentdProcess(agents_dir=agents, plugins_dir=plugins, extra_args=["--plugin_start_timeout_ms=300"])
        self.addCleanup(server.cleanup)
        server.start()
        cards = {a.name: a for a in server.stub().ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
        self.assertFalse(cards["sleepy-agent"].available)
        self.assertIn("did not become healthy within 300ms (start_timeout_ms: in its definition, or "
                      "--plugin_start_timeout_ms)", cards["sleepy-agent"].unavailable_reason)
        self.assertIn("waiting up to 300ms for it to be healthy", server.log())


if __name__ == "__main__":
    unittest.main()
