"""What the tests of the example plugins in other languages
(plugins/examples/*/) share: agentd started with an example's definition
and program linked side by side into its agents folder, as in the source
tree, and one review asked of that agent alone."""

import os
import shutil
import unittest

from agentd_fixture import (SOURCE_DIR, AgentdProcess, agents_and_plugins_with, scratch_dir, orchestrator_pb2 as pb,
                            review_pb2)


START_TIMEOUT_MS = 120_000  # within ctest's 300 s for the whole test


class ExamplePluginCase(unittest.TestCase):
    EXAMPLE = ""   # the folder under plugins/examples/
    FILES = ()     # the definition and its program
    AGENT = ""     # the agent the definition names

    def setUp(self):
        self.tmp = scratch_dir("agentd-%s-plugin-" % self.EXAMPLE)
        agents, plugins = agents_and_plugins_with(self.tmp, {}, test_plugins=False)
        for name in self.FILES:
            os.symlink(os.path.join(SOURCE_DIR, "plugins", "examples", self.EXAMPLE, name), os.path.join(agents, name))
        env = {"AGENTD_PROTO_DIR": os.path.join(SOURCE_DIR, "proto")}
        # An interpreter loading its packages on a loaded machine can take longer
        # than the default 10 s to serve. agentd waits (bounded) for the verdict,
        # healthy or failed, before it serves, so the test needs no timing of its own.
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins, env=env,
                                    extra_args=["--plugin_start_timeout_ms=%d" % START_TIMEOUT_MS]).start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def review_items(self, text, requirements, section):
        """Asks the example's agent alone; checks it is listed as a process plugin and its run is OK.
        Returns the item texts of `section`, joined with spaces."""
        cards = {a.name: a for a in self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
        self.assertTrue(cards[self.AGENT].available, cards[self.AGENT].unavailable_reason)
        self.assertIn("waiting up to 2m for it to be healthy", self.server.log())
        self.assertEqual(cards[self.AGENT].plugin, "process")
        reply = self.stub.Review(pb.ReviewRequest(text=text, requirements=requirements, agents=[self.AGENT]),
                                 timeout=30)
        runs = {a.agent: a for a in reply.review.agents}
        self.assertEqual(runs[self.AGENT].status, review_pb2.AGENT_STATUS_OK, runs[self.AGENT].error)
        return " ".join(i.text for s in reply.review.sections if s.id == section for i in s.items)
