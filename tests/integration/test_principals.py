"""Principals against the real agentd: a tokens file with two callers and an
admin, sessions scoped to their principal, admin-only calls, SIGHUP reload,
AGENTD_TOKEN, and the refusal to serve beyond loopback without authentication."""

import hashlib
import os
import signal
import subprocess
import shutil
import unittest

import grpc

from agentd_fixture import (AGENTCTL, AGENTD, AGENTS, PLUGINS, AgentdProcess, agents_and_plugins_with, health_serving,
                            scratch_dir, orchestrator_pb2 as pb, wait_for)

FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")


def token_line(principal, token, admin=False):
    return "%s %s%s\n" % (principal, hashlib.sha256(token.encode()).hexdigest(), " admin" if admin else "")


class PrincipalsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = scratch_dir("agentd-tokens-")
        cls.tokens = os.path.join(cls.tmp, "tokens")
        cls.write_tokens("# agentd test principals\n" + token_line("alice", "alice-token") +
                         token_line("bob", "bob-token") + token_line("ops", "ops-token", admin=True))
        cls.server = AgentdProcess(extra_args=["--auth_tokens_file=" + cls.tokens]).start()
        cls.alice = cls.server.stub(token="alice-token")
        cls.bob = cls.server.stub(token="bob-token")
        cls.ops = cls.server.stub(token="ops-token")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def write_tokens(cls, text):
        # Written whole and renamed, as an operator's tooling would.
        with open(cls.tokens + ".new", "w") as f:
            f.write(text)
        os.replace(cls.tokens + ".new", cls.tokens)

    def assertCode(self, code, fn, request):
        with self.assertRaises(grpc.RpcError) as ctx:
            fn(request, timeout=10)
        self.assertEqual(ctx.exception.code(), code, ctx.exception.details())
        return ctx.exception.details()

    def test_a_session_belongs_to_its_principal(self):
        mine = self.alice.Review(pb.ReviewRequest(text=FLASH_SALE, title="alice's"), timeout=10)
        sid = mine.session_id
        # For bob, alice's session does not exist, whichever call he makes.
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.bob.GetSession, pb.GetSessionRequest(session_id=sid))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.bob.ExportSession, pb.ExportSessionRequest(session_id=sid))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.bob.DeleteSession, pb.DeleteSessionRequest(session_id=sid))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.bob.Review,
                        pb.ReviewRequest(text=FLASH_SALE, session_id=sid))
        stream = self.bob.StreamReview(pb.ReviewRequest(text=FLASH_SALE, session_id=sid), timeout=10)
        with self.assertRaises(grpc.RpcError) as ctx:
            list(stream)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.NOT_FOUND)
        listed_by_bob = {s.id for s in self.bob.ListSessions(pb.ListSessionsRequest(page_size=1000), timeout=10).sessions}
        self.assertNotIn(sid, listed_by_bob)
        # Not even the admin sees it: admin allows admin calls, not other principals' data.
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.ops.GetSession, pb.GetSessionRequest(session_id=sid))
        # alice still has it, untouched, and continues it.
        got = self.alice.GetSession(pb.GetSessionRequest(session_id=sid), timeout=10)
        self.assertEqual([t.seq for t in got.turns], [1])
        self.assertIn(sid, {s.id for s in self.alice.ListSessions(pb.ListSessionsRequest(), timeout=10).sessions})
        self.assertEqual(self.alice.Review(pb.ReviewRequest(text=FLASH_SALE, session_id=sid), timeout=10).turn, 2)

    def test_prune_needs_admin(self):
        for stub in (self.alice, self.bob):
            details = self.assertCode(grpc.StatusCode.PERMISSION_DENIED, stub.PruneSessions,
                                      pb.PruneSessionsRequest(older_than_days=30))
            self.assertIn("admin", details)
        self.ops.PruneSessions(pb.PruneSessionsRequest(older_than_days=30), timeout=10)

    def test_missing_or_wrong_token_is_unauthenticated(self):
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.server.stub().ListSessions, pb.ListSessionsRequest())
        wrong = self.server.stub(token="alice-token-guess")
        details = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, wrong.ListAgents, pb.ListAgentsRequest())
        self.assertNotIn("alice-token", details)

    def test_health_answers_without_a_token(self):
        # Load balancers and orchestrators probe health without credentials.
        self.assertTrue(health_serving(self.server.address))
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.server.stub().ListAgents, pb.ListAgentsRequest())

    def test_agentctl_sends_the_principals_token(self):
        base = [AGENTCTL, "--server=" + self.server.address]
        out = subprocess.run(base + ["sessions", "prune", "--older_than_days=30"], capture_output=True, text=True,
                             timeout=60, env=dict(os.environ, AGENTD_TOKEN="bob-token"))
        self.assertEqual(out.returncode, 1)
        self.assertIn("PERMISSION_DENIED", out.stderr)
        out = subprocess.run(base + ["sessions", "prune", "--older_than_days=30"], capture_output=True, text=True,
                             timeout=60, env=dict(os.environ, AGENTD_TOKEN="ops-token"))
        self.assertEqual(out.returncode, 0, out.stderr)


# An agent whose plugin is not installed: its card's reason names the plugin file agentd looked for.
NO_PLUGIN = """---
name: knitting-agent
description: Answers questions about knitting patterns for woollen jumpers.
plugin: no_such_plugin
sections: [knitting_notes]
---
# Knitting agent
"""


class AgentCardsTest(unittest.TestCase):
    """ListAgents tells callers what an agent is, not where the server keeps its files."""

    def setUp(self):
        self.tmp = scratch_dir("agentd-cards-")
        self.tokens = os.path.join(self.tmp, "tokens")
        with open(self.tokens, "w") as f:
            f.write(token_line("alice", "alice-token") + token_line("ops", "ops-token", admin=True))
        agents, plugins = agents_and_plugins_with(self.tmp, {"knitting-agent.md": NO_PLUGIN}, test_plugins=False)
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins,
                                    extra_args=["--auth_tokens_file=" + self.tokens]).start()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cards(self, token):
        reply = self.server.stub(token=token).ListAgents(pb.ListAgentsRequest(view=pb.AGENT_VIEW_FULL), timeout=10)
        return {c.name: c for c in reply.agents}

    def test_cards_name_no_server_paths_except_to_an_admin(self):
        cards = self.cards("alice-token")
        self.assertIn("backend-architect", cards)
        self.assertNotIn(self.tmp, str(cards))
        self.assertTrue(all(c.source_path == "" for c in cards.values()))
        knitting = cards["knitting-agent"]
        self.assertFalse(knitting.available)
        self.assertIn("<path>", knitting.unavailable_reason)
        # The operator still finds the files: in the log, and in an admin's cards.
        self.assertIn(self.tmp, self.server.log())
        admin_cards = self.cards("ops-token")
        self.assertEqual(admin_cards["knitting-agent"].source_path,
                         os.path.join(self.tmp, "agents", "knitting-agent.md"))
        self.assertIn(self.tmp, admin_cards["knitting-agent"].unavailable_reason)


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-reload-")
        self.tokens = os.path.join(self.tmp, "tokens")
        self.write(token_line("alice", "alice-token") + token_line("bob", "bob-token"))
        self.server = AgentdProcess(extra_args=["--auth_tokens_file=" + self.tokens]).start()

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, text):
        with open(self.tokens + ".new", "w") as f:
            f.write(text)
        os.replace(self.tokens + ".new", self.tokens)

    def accepted(self, token):
        try:
            self.server.stub(token=token).ListSessions(pb.ListSessionsRequest(), timeout=5)
            return True
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNAUTHENTICATED:
                raise
            return False

    def test_sighup_rereads_the_file_and_a_bad_file_keeps_the_old_table(self):
        self.assertTrue(self.accepted("bob-token"))
        self.assertFalse(self.accepted("carol-token"))
        # bob's token is revoked, carol's added.
        self.write(token_line("alice", "alice-token") + token_line("carol", "carol-token"))
        self.server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: self.accepted("carol-token")), self.server.log())
        self.assertFalse(self.accepted("bob-token"))
        # A broken file: the table in use stays, and the log says why.
        self.write(token_line("alice", "alice-token") + "dave not-a-digest\n")
        self.server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "tokens not reloaded" in self.server.log()), self.server.log())
        self.assertIn("line 2", self.server.log())
        self.assertTrue(self.accepted("carol-token"))
        self.assertTrue(self.accepted("alice-token"))
        self.assertIsNone(self.server.proc.poll())  # still serving


class StartupRulesTest(unittest.TestCase):
    def run_agentd(self, *args, env=None):
        """Runs agentd until it prints its listening line or exits; returns (listening line, process)."""
        tmp = scratch_dir("agentd-start-")
        self.addCleanup(shutil.rmtree, tmp, True)
        proc = subprocess.Popen([AGENTD, "--db=" + os.path.join(tmp, "agentd.db"), "--agents_dir=" + AGENTS,
                                 "--plugins_dir=" + PLUGINS, "--log_format=json", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, **(env or {})))
        self.addCleanup(self.stop, proc)
        return proc.stdout.readline(), proc

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()

    def test_beyond_loopback_without_authentication_is_refused(self):
        line, proc = self.run_agentd("--listen=0.0.0.0:0", env={"AGENTD_TOKEN": ""})
        self.assertEqual(line, "")
        self.assertNotEqual(proc.wait(timeout=30), 0)
        self.assertIn("--allow_insecure_remote", proc.stderr.read())

    def test_allow_insecure_remote_serves_with_a_warning(self):
        line, proc = self.run_agentd("--listen=0.0.0.0:0", "--allow_insecure_remote", env={"AGENTD_TOKEN": ""})
        self.assertTrue(line.startswith("agentd listening on "), line)
        proc.terminate()
        proc.wait(timeout=30)
        self.assertIn("no authentication", proc.stderr.read())

    def test_agentd_token_from_the_environment_authenticates(self):
        line, proc = self.run_agentd("--listen=0.0.0.0:0", env={"AGENTD_TOKEN": "env-s3cret"})
        self.assertTrue(line.startswith("agentd listening on "), line)
        address = "127.0.0.1:" + line.split()[-1].rsplit(":", 1)[1]
        server = AgentdProcess()
        server.address = address
        try:
            # principal "default", admin
            server.stub(token="env-s3cret").PruneSessions(pb.PruneSessionsRequest(older_than_days=1), timeout=10)
            with self.assertRaises(grpc.RpcError) as ctx:
                server.stub().ListSessions(pb.ListSessionsRequest(), timeout=10)
            self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        finally:
            server.cleanup()

    def test_a_bad_tokens_file_at_start_is_refused(self):
        tmp = scratch_dir("agentd-badtokens-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "tokens")
        with open(path, "w") as f:
            f.write("alice 1234\n")
        line, proc = self.run_agentd("--listen=127.0.0.1:0", "--auth_tokens_file=" + path)
        self.assertEqual(line, "")
        self.assertNotEqual(proc.wait(timeout=30), 0)
        self.assertIn("line 1", proc.stderr.read())


if __name__ == "__main__":
    unittest.main()
