"""agentctl against the real agentd: the CLI contract of DESIGN.md §11."""

import json
import os
import sqlite3
import subprocess
import unittest

from agentd_fixture import AGENTCTL, AgentdProcess, store_pb2, stored_message

FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")


class AgentctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AgentdProcess().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def ctl(self, *args, env=None):
        return subprocess.run([AGENTCTL, "--server=" + self.server.address, *args],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, **(env or {})))

    def test_agents_lists_the_five(self):
        out = self.ctl("agents")
        self.assertEqual(out.returncode, 0, out.stderr)
        for name in ["backend-architect", "api-architect", "database-architect",
                     "devops-specialist", "sre-specialist"]:
            self.assertIn(name, out.stdout)

    def test_review_prints_the_review_and_stores_the_turn(self):
        out = self.ctl("review", FLASH_SALE)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.startswith("## Backend Architecture Review"), out.stdout[:200])
        self.assertIn("### Architecture Pattern", out.stdout)
        db = sqlite3.connect(self.server.db)
        try:
            bodies = [store_pb2.StoredTurn.FromString(stored_message(r[0]))
                      for r in db.execute("SELECT body FROM turns")]
        finally:
            db.close()
        self.assertIn(FLASH_SALE, [b.request.text for b in bodies])

    def test_review_json_is_the_proto3_json_mapping(self):
        out = self.ctl("--json", "review", FLASH_SALE)
        self.assertEqual(out.returncode, 0, out.stderr)
        response = json.loads(out.stdout)
        self.assertIn("sessionId", response)
        self.assertTrue(response["review"]["markdown"].startswith("## Backend Architecture Review"))
        keys = {d["key"]: d["value"] for d in response["review"]["decisions"]}
        self.assertIn("architecture.pattern", keys)

    def test_requirements_flag_overrides_the_text(self):
        out = self.ctl("--json", "review", "--requirements",
                       '{"teamSize":40,"teamCount":6,"domainClarity":"DOMAIN_CLARITY_CLEAR",'
                       '"opsMaturity":"OPS_MATURITY_HIGH","independentReleases":true}',
                       "We are a team of five. Monolith or microservices?")
        self.assertEqual(out.returncode, 0, out.stderr)
        review = json.loads(out.stdout)["review"]
        self.assertEqual(review["requirements"]["teamSize"], 40)
        facts = {f["field"]: f for f in review["facts"]}
        self.assertEqual(facts["team_size"]["source"], "SOURCE_FIELD")

    def test_stream_json_prints_one_event_a_line_in_order(self):
        out = self.ctl("--json", "review", "--stream", FLASH_SALE)
        self.assertEqual(out.returncode, 0, out.stderr)
        events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        self.assertIn("routed", events[0])
        self.assertIn("review", events[-1])
        self.assertTrue(any("agentStarted" in e for e in events))
        self.assertTrue(any("agentFinished" in e for e in events))

    def test_route_explains(self):
        out = self.ctl("route", "Set up GitHub Actions to build, test and push Docker images.")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("devops-specialist", out.stdout)

    def test_sessions_list_and_show(self):
        review = json.loads(self.ctl("--json", "review", FLASH_SALE).stdout)
        listed = self.ctl("sessions", "list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(review["sessionId"], listed.stdout)
        shown = self.ctl("sessions", "show", review["sessionId"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("Backend Architecture Review", shown.stdout)

    def test_exit_codes(self):
        usage = self.ctl("review")  # no TEXT
        self.assertEqual(usage.returncode, 2)
        self.assertTrue(usage.stderr)
        usage = self.ctl("frobnicate")
        self.assertEqual(usage.returncode, 2)
        bad_json = self.ctl("review", "--requirements", "{not json", FLASH_SALE)
        self.assertEqual(bad_json.returncode, 2)
        failed = self.ctl("review", "--agent", "nobody", FLASH_SALE)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("INVALID_ARGUMENT", failed.stderr)
        missing = self.ctl("sessions", "show", "no-such-session")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("NOT_FOUND", missing.stderr)
        down = subprocess.run([AGENTCTL, "--server=127.0.0.1:1", "--timeout=2s", "agents"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(down.returncode, 1)
        self.assertIn("UNAVAILABLE", down.stderr)

    def test_server_env_default(self):
        out = subprocess.run([AGENTCTL, "agents"], capture_output=True, text=True, timeout=30,
                             env=dict(os.environ, AGENTD_ADDR=self.server.address))
        self.assertEqual(out.returncode, 0, out.stderr)


class TokenTest(unittest.TestCase):
    def test_token_is_required_when_configured(self):
        with AgentdProcess(extra_args=["--token=s3cret"]) as server:
            base = [AGENTCTL, "--server=" + server.address]
            denied = subprocess.run(base + ["agents"], capture_output=True, text=True, timeout=30)
            self.assertEqual(denied.returncode, 1)
            self.assertIn("UNAUTHENTICATED", denied.stderr)
            allowed = subprocess.run(base + ["--token=s3cret", "agents"], capture_output=True, text=True,
                                     timeout=30)
            self.assertEqual(allowed.returncode, 0, allowed.stderr)


if __name__ == "__main__":
    unittest.main()
