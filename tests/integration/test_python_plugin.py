"""The Python example plugin (plugins/examples/python/) as agentd runs it:
its definition file unchanged beside its program, started by `command:`,
healthy before the server serves, answering from the caller's figures, its
stderr in agentd's log under the agent's name, stopped with agentd."""

import os
import shutil
import tempfile
import unittest

from agentd_fixture import SOURCE_DIR, AgentdProcess, agents_and_plugins_with, orchestrator_pb2 as pb, review_pb2

EXAMPLE = os.path.join(SOURCE_DIR, "plugins", "examples", "python")


class PythonPluginTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="agentd-python-plugin-")
        agents, plugins = agents_and_plugins_with(self.tmp, {}, test_plugins=False)
        # The definition and its program side by side, as in the source tree.
        for name in ("capacity-sketch.md", "capacity_plugin.py"):
            os.symlink(os.path.join(EXAMPLE, name), os.path.join(agents, name))
        env = {"AGENTD_PROTO_DIR": os.path.join(SOURCE_DIR, "proto")}
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins, env=env).start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_it_answers_from_the_callers_figures(self):
        cards = {a.name: a for a in self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
        self.assertTrue(cards["capacity-sketch"].available, cards["capacity-sketch"].unavailable_reason)
        self.assertEqual(cards["capacity-sketch"].plugin, "process")
        reply = self.stub.Review(pb.ReviewRequest(
            text="How many instances do we need for our checkout service?",
            requirements=review_pb2.Requirements(peak_rps=1200, availability_slo=99.9),
            agents=["capacity-sketch"]), timeout=30)
        runs = {a.agent: a for a in reply.review.agents}
        self.assertEqual(runs["capacity-sketch"].status, review_pb2.AGENT_STATUS_OK, runs["capacity-sketch"].error)
        items = [i.text for s in reply.review.sections if s.id == "capacity_sketch" for i in s.items]
        self.assertIn("Plan 4 instances for a peak of 1200 requests/s", " ".join(items))
        self.assertIn("43.2 minutes of downtime a month", " ".join(items))
        self.assertIn("plugin capacity-sketch: capacity-sketch serving for agent capacity-sketch", self.server.log())


if __name__ == "__main__":
    unittest.main()
