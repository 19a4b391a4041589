"""The Python example plugin (plugins/examples/python/) as agentd runs it:
its definition file unchanged beside its program, started by `command:`,
healthy before the server serves, answering from the caller's figures, its
stderr in agentd's log under the agent's name, stopped with agentd."""

import unittest

from agentd_fixture import review_pb2
from example_plugin import ExamplePluginCase


class PythonPluginTest(ExamplePluginCase):
    EXAMPLE = "python"
    FILES = ("capacity-sketch.md", "capacity_plugin.py")
    AGENT = "capacity-sketch"

    def test_it_answers_from_the_callers_figures(self):
        items = self.review_items("How many instances do we need for our checkout service?",
                                  review_pb2.Requirements(peak_rps=1200, availability_slo=99.9), "capacity_sketch")
        self.assertIn("Plan 4 instances for a peak of 1200 requests/s", items)
        self.assertIn("43.2 minutes of downtime a month", items)
        self.assertIn("plugin capacity-sketch: capacity-sketch serving for agent capacity-sketch", self.server.log())


if __name__ == "__main__":
    unittest.main()
