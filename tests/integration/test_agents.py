"""The hosted agents come from the agents folder, not from the core: a new
definition brings its own review sections, headings and order."""

import shutil
import unittest

from agentd_fixture import AgentdProcess, agents_and_plugins_with, scratch_dir, orchestrator_pb2 as pb

SECURITY_REVIEWER = """---
name: security-reviewer
description: Reviews threat models, secrets handling and authentication of services.
plugin: test_agent
sections:
  - id: threat_model
    heading: Threat Model
    order: 5
---

# Security Reviewer

## Use this agent when
- threat modeling of a service
"""

# A public sub-agent file: no plugin of its own.
NOTES_KEEPER = """---
name: notes-keeper
description: Keeps meeting notes tidy.
---

# Notes Keeper
"""

QUESTION = "Should our checkout be a modular monolith or microservices, and what is its threat model?"


class NewAgentSectionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = scratch_dir("agentd-agents-")
        cls.agents_dir, cls.plugins_dir = agents_and_plugins_with(
            cls.tmp, {"security-reviewer.md": SECURITY_REVIEWER, "notes-keeper.md": NOTES_KEEPER})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def review(self, server):
        return server.stub().Review(
            pb.ReviewRequest(text=QUESTION, agents=["backend-architect", "security-reviewer"]), timeout=30)

    def test_its_section_comes_where_its_definition_orders_it(self):
        with AgentdProcess(agents_dir=self.agents_dir, plugins_dir=self.plugins_dir) as server:
            response = self.review(server)
            review = response.review
            ids = [s.id for s in review.sections]
            self.assertEqual(ids[0], "threat_model", ids)  # order 5: before the bundled 10, 20, ...
            self.assertEqual(review.sections[0].heading, "Threat Model")
            self.assertEqual(review.sections[0].owner, "security-reviewer")
            md = review.markdown
            self.assertTrue(md.startswith("## Backend Architecture Review\n"), md[:80])  # agents/agentd.yaml
            self.assertLess(md.index("### Threat Model"), md.index("### Architecture Pattern"))
            # Read back from the store, the turn is the review that was sent.
            stored = server.stub().GetSession(pb.GetSessionRequest(session_id=response.session_id), timeout=10)
            self.assertEqual(stored.turns[0].review.SerializeToString(), review.SerializeToString())

    def test_title_and_default_plugin_come_from_the_configuration(self):
        args = ["--review_title=Checkout Platform Review", "--default_plugin=test_agent"]
        with AgentdProcess(extra_args=args, agents_dir=self.agents_dir, plugins_dir=self.plugins_dir) as server:
            md = self.review(server).review.markdown
            self.assertTrue(md.startswith("## Checkout Platform Review\n"), md[:80])
            cards = {a.name: a for a in server.stub().ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
            # Only a definition that names no plugin takes the default.
            self.assertEqual(cards["notes-keeper"].plugin, "test_agent")
            self.assertTrue(cards["notes-keeper"].available, cards["notes-keeper"].unavailable_reason)
            self.assertEqual(cards["api-architect"].plugin, "stub_peer")
            self.assertTrue(cards["api-architect"].stub)  # its definition says maturity: stub

    def test_bundled_settings_host_a_file_with_no_plugin_on_the_default(self):
        with AgentdProcess(agents_dir=self.agents_dir, plugins_dir=self.plugins_dir) as server:
            cards = {a.name: a for a in server.stub().ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
            self.assertEqual(cards["notes-keeper"].plugin, "stub_peer")  # default_plugin in agents/agentd.yaml
            self.assertTrue(cards["notes-keeper"].stub)


if __name__ == "__main__":
    unittest.main()
