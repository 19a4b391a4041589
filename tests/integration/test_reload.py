"""Reloading the agents without a restart, against the real binary: `agentctl
agents reload` (an admin call) and SIGHUP re-read the agents folder and the
plugins and swap the set in. A new file is listed and answers; a broken file
leaves what it held served and is reported; a review already running when
the set changes finishes on the old one; a plugin process of an unchanged
definition goes on running and one of a removed definition stops."""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
import unittest

import grpc

from agentd_fixture import (AGENTCTL, AGENTD, TEST_PLUGINS, AgentdProcess, agents_and_plugins_with, alive, scratch_dir,
                            orchestrator_pb2 as pb, review_pb2, wait_for)
from test_agents import SECURITY_REVIEWER  # a test_agent definition with its own section

SERVE = os.path.join(os.path.dirname(AGENTD), "agentd-plugin-serve")
QUESTION = "What is the threat model of our checkout, and should it be a modular monolith?"

# A plugin process (`command:`): a call touches `start_marker` when it has
# begun, then waits while the file `hold` exists.
SLOW_PROCESS = """---
name: slow-process
description: A test agent in a plugin process that answers when the test lets it.
command: {serve} {plugins}/libtest_agent.so
key: "{key}"
start_marker: {marker}
wait_while: {hold}
sections: [slow_notes]
timeout_ms: 20000
---
# Slow process
"""

# No name: refused.
BROKEN = """---
description: Reviews threat models.
plugin: test_agent
---
"""


def token_line(principal, token, admin=False):
    return "%s %s%s\n" % (principal, hashlib.sha256(token.encode()).hexdigest(), " admin" if admin else "")


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-reload-")
        self.marker = os.path.join(self.tmp, "slow-started")
        self.hold = os.path.join(self.tmp, "hold-slow-calls")
        self.agents, plugins = agents_and_plugins_with(self.tmp, {"slow-process.md": self.slow("a")})
        tokens = os.path.join(self.tmp, "tokens")
        with open(tokens, "w") as f:
            f.write(token_line("ops", "ops-token", admin=True) + token_line("alice", "alice-token"))
        self.server = AgentdProcess(agents_dir=self.agents, plugins_dir=plugins,
                                    extra_args=["--auth_tokens_file=" + tokens]).start()
        self.stub = self.server.stub(token="ops-token")

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def slow(self, key):
        return SLOW_PROCESS.format(serve=SERVE, plugins=TEST_PLUGINS, key=key, marker=self.marker, hold=self.hold)

    def write(self, name, text):
        with open(os.path.join(self.agents, name), "w") as f:
            f.write(text)

    def agentctl(self, *args, token="ops-token"):
        return subprocess.run([AGENTCTL, "--server=" + self.server.address, "--token=" + token, *args],
                              capture_output=True, text=True, timeout=60)

    def reload(self):
        done = self.agentctl("agents", "reload")
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def cards(self):
        return {a.name: a for a in self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}

    def review(self, *agents):
        reply = self.stub.Review(pb.ReviewRequest(text=QUESTION, agents=list(agents)), timeout=60)
        return reply, {a.agent: a for a in reply.review.agents}

    def plugin_pids(self, agent):
        return [int(p) for p in re.findall(r"plugin process of agent %s started \(pid (\d+)\)" % agent,
                                           self.server.log())]

    def test_agentctl_reload_adds_a_new_definition_that_is_listed_and_answers(self):
        self.assertNotIn("security-reviewer", self.cards())
        self.write("security-reviewer.md", SECURITY_REVIEWER)
        out = self.reload()
        self.assertIn("added: security-reviewer", out)
        self.assertRegex(out, r"unchanged: .*slow-process")
        self.assertTrue(self.cards()["security-reviewer"].available)
        reply, runs = self.review("security-reviewer", "backend-architect")
        self.assertEqual(runs["security-reviewer"].status, review_pb2.AGENT_STATUS_OK, runs["security-reviewer"].error)
        self.assertEqual(reply.review.sections[0].id, "threat_model")  # its own section, where it orders it
        # The router knows it too: a dry run naming it selects it.
        decision = self.stub.Route(pb.RouteRequest(text=QUESTION, agents=["security-reviewer"]), timeout=10)
        self.assertIn("security-reviewer", [c.agent for c in decision.selected])

    def test_sighup_reloads_the_agents_folder(self):
        self.write("security-reviewer.md", SECURITY_REVIEWER)
        self.server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "security-reviewer" in self.cards(), timeout=30), self.server.log())
        os.remove(os.path.join(self.agents, "security-reviewer.md"))
        self.server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "security-reviewer" not in self.cards(), timeout=30), self.server.log())
        self.assertIn("agents reloaded", self.server.log())

    def test_a_broken_file_keeps_what_it_held_and_is_reported(self):
        self.write("security-reviewer.md", SECURITY_REVIEWER)
        self.reload()
        self.write("security-reviewer.md", BROKEN)
        out = self.reload()
        self.assertIn("kept as before (failed to load anew): security-reviewer", out)
        self.assertIn("failed to load:", out)
        self.assertIn("security-reviewer.md", out)
        self.assertTrue(self.cards()["security-reviewer"].available)
        _, runs = self.review("security-reviewer")
        self.assertEqual(runs["security-reviewer"].status, review_pb2.AGENT_STATUS_OK, runs["security-reviewer"].error)
        # The reply in JSON, for scripts.
        as_json = self.agentctl("--json", "agents", "reload")
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        self.assertIn('"kept": [\n  "security-reviewer"', as_json.stdout.replace("    ", "  "))

    def test_only_an_admin_may_reload(self):
        self.write("security-reviewer.md", SECURITY_REVIEWER)
        refused = self.agentctl("agents", "reload", token="alice-token")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("PERMISSION_DENIED", refused.stderr)
        self.assertNotIn(self.tmp, refused.stderr)
        self.assertNotIn("security-reviewer", self.cards())

    def test_an_unchanged_plugin_process_keeps_running_and_a_removed_one_stops(self):
        pids = self.plugin_pids("slow-process")
        self.assertEqual(len(pids), 1)
        self.write("security-reviewer.md", SECURITY_REVIEWER)
        self.reload()
        self.assertEqual(self.plugin_pids("slow-process"), pids)
        _, runs = self.review("slow-process")
        self.assertEqual(runs["slow-process"].status, review_pb2.AGENT_STATUS_OK, runs["slow-process"].error)

        self.write("slow-process.md", self.slow("b"))  # changed: a new process, the old one stops
        self.assertIn("changed: slow-process", self.reload())
        self.assertTrue(wait_for(lambda: not alive(pids[0]), timeout=10), "old plugin process still running")
        new_pids = self.plugin_pids("slow-process")
        self.assertEqual(len(new_pids), 2)
        self.assertTrue(alive(new_pids[1]))

        os.remove(os.path.join(self.agents, "slow-process.md"))
        self.assertIn("removed: slow-process", self.reload())
        self.assertTrue(wait_for(lambda: not alive(new_pids[1]), timeout=10), "removed plugin process still running")

    def test_a_review_in_flight_finishes_on_the_old_set(self):
        pid = self.plugin_pids("slow-process")[-1]
        with open(self.hold, "w"):
            pass
        result = {}

        def run():
            try:
                result["reply"] = self.review("slow-process", "backend-architect")
            except grpc.RpcError as e:  # reported by the assertions below
                result["error"] = e

        thread = threading.Thread(target=run)
        thread.start()
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(self.marker), timeout=30), self.server.log())
            os.remove(os.path.join(self.agents, "slow-process.md"))
            self.assertIn("removed: slow-process", self.reload())
            self.assertNotIn("slow-process", self.cards())
            self.assertTrue(alive(pid))  # its call is still running
            self.assertTrue(thread.is_alive())
        finally:
            os.remove(self.hold)
            thread.join(timeout=60)
        self.assertNotIn("error", result)
        reply, runs = result["reply"]
        self.assertEqual(runs["slow-process"].status, review_pb2.AGENT_STATUS_OK, runs["slow-process"].error)
        self.assertFalse(reply.review.partial)
        # Its last call over, the removed plugin's process stops.
        self.assertTrue(wait_for(lambda: not alive(pid), timeout=10), "removed plugin process still running")


if __name__ == "__main__":
    unittest.main()
