"""What agentd shows: a JSON access-log line per RPC, W3C trace context
honoured and returned, and Prometheus text at /metrics that a real parser
(prometheus_client) and `promtool check metrics` accept."""

import json
import os
import shutil
import subprocess
import time
import unittest
import urllib.request

import grpc

from agentd_fixture import AgentdProcess, agents_and_plugins_with, scratch_dir, orchestrator_pb2 as pb

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # tools/install-deps.sh installs python3-prometheus-client
    text_string_to_metric_families = None

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = "00-%s-00f067aa0ba902b7-01" % TRACE_ID

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = scratch_dir("agentd-observe-")
        agents, plugins = agents_and_plugins_with(cls.tmp, {})
        cls.access_log = os.path.join(cls.tmp, "access.log")
        cls.metrics_address = "127.0.0.1:%d" % free_port()
        cls.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins, extra_args=[
            "--access_log=" + cls.access_log, "--metrics_listen=" + cls.metrics_address]).start()
        cls.stub = cls.server.stub()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def access_lines(self, want, deadline_s=30, until=lambda lines: True):
        """The access log's lines once at least `want` are there and `until(lines)` holds
        (it is written asynchronously)."""
        deadline = time.monotonic() + deadline_s
        while True:
            with open(self.access_log) as f:
                lines = [json.loads(line) for line in f if line.strip()]
            if (len(lines) >= want and until(lines)) or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)

    def metrics_page(self):
        with urllib.request.urlopen("http://%s/metrics" % self.metrics_address, timeout=10) as r:
            self.assertIn("text/plain", r.headers["Content-Type"])
            return r.read().decode()

    def test_trace_context_is_honoured_and_returned(self):
        response, call = self.stub.Review.with_call(
            pb.ReviewRequest(text=QUESTION, agents=["backend-architect"]), timeout=30,
            metadata=[("traceparent", TRACEPARENT)])
        self.assertEqual(dict(call.initial_metadata())["trace-id"], TRACE_ID)
        # No traceparent: a new trace, still returned.
        _, call = self.stub.Route.with_call(pb.RouteRequest(text=QUESTION), timeout=10)
        new_id = dict(call.initial_metadata())["trace-id"]
        self.assertRegex(new_id, r"^[0-9a-f]{32}$")
        self.assertNotEqual(new_id, TRACE_ID)
        lines = self.access_lines(2, until=lambda lines: any(l["trace_id"] == new_id for l in lines))
        review = [l for l in lines if l["trace_id"] == TRACE_ID]
        self.assertEqual(len(review), 1, lines)
        line = review[0]
        self.assertEqual(line["method"], "Review")
        self.assertEqual(line["principal"], "default")
        self.assertEqual(line["session"], response.session_id)
        self.assertEqual(line["turn"], 1)
        self.assertEqual(line["agents"], [{"agent": "backend-architect", "status": "ok"}])
        self.assertEqual(line["code"], "OK")
        self.assertGreater(line["duration_ms"], 0)
        self.assertRegex(line["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

    def test_every_rpc_gets_one_access_line_errors_included(self):
        before = len(self.access_lines(0, deadline_s=0))
        self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10)
        with self.assertRaises(grpc.RpcError):
            self.stub.GetSession(pb.GetSessionRequest(session_id="no-such-session"), timeout=10)
        lines = self.access_lines(before + 2, until=lambda lines: lines[-1]["method"] == "GetSession")[before:]
        self.assertEqual([l["method"] for l in lines][-2:], ["ListAgents", "GetSession"])
        self.assertEqual(lines[-1]["code"], "NOT_FOUND")

    def test_metrics_page_parses_and_counts(self):
        self.stub.Review(pb.ReviewRequest(text=QUESTION, agents=["backend-architect"]), timeout=30)
        self.stub.Route(pb.RouteRequest(text=QUESTION), timeout=10)
        page = self.metrics_page()
        if text_string_to_metric_families is None:
            self.skipTest("python3-prometheus-client is not installed (tools/install-deps.sh)")
        families = {f.name: f for f in text_string_to_metric_families(page)}
        for name in ["agentd_rpc_requests", "agentd_rpc_duration_seconds", "agentd_agent_calls",
                     "agentd_agent_call_duration_seconds", "agentd_calls_in_flight", "agentd_calls_queued",
                     "agentd_calls_shed", "agentd_breaker_state", "agentd_store_commit_duration_seconds",
                     "agentd_store_commit_group_size", "agentd_turns_stored"]:
            self.assertIn(name, families)
        samples = lambda name: [s for f in families.values() for s in f.samples if s.name == name]
        ok_reviews = [s for s in samples("agentd_rpc_requests_total")
                      if s.labels == {"method": "Review", "code": "OK"}]
        self.assertGreaterEqual(ok_reviews[0].value, 1)
        ba = [s for s in samples("agentd_agent_calls_total")
              if s.labels == {"agent": "backend-architect", "outcome": "ok"}]
        self.assertGreaterEqual(ba[0].value, 1)
        self.assertGreaterEqual(samples("agentd_turns_stored_total")[0].value, 1)
        self.assertGreaterEqual(samples("agentd_store_commit_group_size_count")[0].value, 1)
        closed = [s for s in samples("agentd_breaker_state")
                  if s.labels == {"agent": "backend-architect", "state": "closed"}]
        self.assertEqual(closed[0].value, 1)

    def test_promtool_accepts_the_page(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool is not installed (Debian's prometheus package; tools/install-deps.sh)")
        page = self.metrics_page()
        check = subprocess.run([promtool, "check", "metrics"], input=page, capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)


if __name__ == "__main__":
    unittest.main()
