"""The Node.js example plugin (plugins/examples/node/) as agentd runs it: its
definition file unchanged beside its program, started by `command:` with
node, healthy before the server serves, answering from the caller's figures,
its stderr in agentd's log under the agent's name. Skipped, saying why, when
node or the folder's npm packages (`npm ci` there) are not installed."""

import os
import shutil
import unittest

from agentd_fixture import SOURCE_DIR, review_pb2
from example_plugin import ExamplePluginCase


def missing():
    """Why the example cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.isdir(os.path.join(SOURCE_DIR, "plugins", "examples", "node", "node_modules", "@grpc", "grpc-js")):
        return "its npm packages are not installed (npm ci in plugins/examples/node)"
    return None


@unittest.skipIf(missing(), "Node.js plugin example skipped: %s" % missing())
class NodePluginTest(ExamplePluginCase):
    EXAMPLE = "node"
    FILES = ("latency-budget.md", "latency_plugin.js")
    AGENT = "latency-budget"

    def test_it_answers_from_the_callers_figures(self):
        items = self.review_items("How should we split our latency target across the checkout path?",
                                  review_pb2.Requirements(latency_p99_ms=250, planned_services=4), "latency_budget")
        self.assertIn("Give each of the 4 services at most 50 ms at p99", items)
        self.assertIn("plugin latency-budget: latency-budget serving for agent latency-budget", self.server.log())


if __name__ == "__main__":
    unittest.main()
