"""Model-backed agents and model-assisted routing against a scripted fake
OpenAI-compatible endpoint (fake_openai.py): the request agentd sends, how
answers are read (JSON and Markdown), streaming, retries, deadlines, the
breaker, fallback to lexical routing, and the API key kept out of logs,
errors and the database."""

import json
import os
import shutil
import socket
import sqlite3
import unittest

from google.protobuf import json_format

from agentd_fixture import AgentdProcess, agents_and_plugins_with, scratch_dir, orchestrator_pb2 as pb, review_pb2
from fake_openai import FakeOpenAI

KEY = "sk-test-SECRET-0123456789abcdef"

PLANNER_BODY = """# Capacity Planner

You are a capacity planner. Size services from their load figures, state
every assumption, and name the risks.

## Use this agent when
- sizing instances for a load target
"""

PLANNER = """---
name: capacity-planner
description: Plans capacity for services under load.
plugin: llm
sections: [capacity_plan, capacity_risks]
timeout_ms: 4000
---
""" + PLANNER_BODY

# Another instance of the same prompt, for the test that changes what the
# instance sends (an endpoint without response_format).
PLAIN = PLANNER.replace("name: capacity-planner", "name: plain-planner")

SLOW = """---
name: slow-planner
description: A planner whose endpoint is slow.
plugin: llm
model: special-model
sections: [slow_notes]
timeout_ms: 400
---
# Slow planner

You answer slowly.
"""

ANSWER = {
    "summary": "Three instances cover the peak.",
    "sections": [
        {"id": "capacity_plan", "items": [{"text": "Run 3 instances behind the load balancer",
                                           "rationale": "167/s at 60/s each"}]},
        {"id": "capacity_risks", "items": [{"text": "Flash sales may triple the load"}]},
    ],
    "decisions": [{"key": "capacity.instances", "value": "3", "rationale": "peak 167/s", "confidence": 0.8}],
    "assumptions": ["Each instance serves 60 requests per second"],
    "questions": ["What is the p99 latency target?"],
}

MARKDOWN = """Four instances with autoscaling.

## Capacity Plan
- Run 4 instances
- Autoscale on CPU at 60%

## Risks
1. Cold starts during the sale

## Decisions
- capacity.instances: 4

## Assumptions
- 50 requests per second per instance

## Questions
- What is the budget?
"""

QUESTION = "We need to handle 10,000 orders per minute during flash sales. How many instances?"


def review(stub, text=QUESTION, agents=("capacity-planner", "backend-architect"), session_id=""):
    """backend-architect answers beside the model: a review where no agent answered is UNAVAILABLE."""
    return stub.Review(pb.ReviewRequest(text=text, agents=list(agents), session_id=session_id), timeout=30)


def run_of(response, agent):
    return next(a for a in response.review.agents if a.agent == agent)


class LlmAgentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeOpenAI().start()
        cls.tmp = scratch_dir("agentd-llm-")
        agents, plugins = agents_and_plugins_with(cls.tmp, {"capacity-planner.md": PLANNER, "slow-planner.md": SLOW,
                                                             "plain-planner.md": PLAIN},
                                                  test_plugins=False)
        cls.server = AgentdProcess(
            extra_args=["--llm_base_url=" + cls.fake.base_url, "--llm_model=fake-model", "--compress_turns=false",
                        "--llm_max_retries=2"],
            agents_dir=agents, plugins_dir=plugins, env={"AGENTD_LLM_API_KEY": KEY}).start()
        cls.stub = cls.server.stub()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.fake.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        with self.fake.lock:
            self.fake.requests.clear()
        while not self.fake.cues.empty():
            self.fake.cues.get_nowait()

    def test_request_carries_definition_model_schema_and_facts(self):
        self.fake.push({"content": json.dumps(ANSWER)})
        response = review(self.stub)
        body = self.fake.bodies()[0]
        self.assertEqual(body["model"], "fake-model")
        self.assertEqual(body["messages"][0], {"role": "system", "content": PLANNER_BODY})
        user = body["messages"][-1]["content"]
        self.assertIn(QUESTION, user)
        self.assertIn("peak_rps", user)              # a fact read from the text ...
        self.assertIn("10,000 orders per minute", user)  # ... with its source
        self.assertTrue(body["stream"])
        schema = body["response_format"]["json_schema"]["schema"]
        self.assertEqual(body["response_format"]["type"], "json_schema")
        self.assertEqual(schema["properties"]["sections"]["items"]["properties"]["id"]["enum"],
                         ["capacity_plan", "capacity_risks"])
        self.assertEqual(self.fake.requests[0]["headers"]["Authorization"], "Bearer " + KEY)
        self.assertEqual(self.fake.requests[0]["path"], "/v1/chat/completions")
        # The answer, merged under the definition's own sections.
        sections = {s.id: [i.text for i in s.items] for s in response.review.sections}
        self.assertEqual(sections["capacity_plan"], ["Run 3 instances behind the load balancer"])
        self.assertEqual(sections["capacity_risks"], ["Flash sales may triple the load"])
        decision = next(d for d in response.review.decisions if d.key == "capacity.instances")
        self.assertEqual((decision.value, decision.agent), ("3", "capacity-planner"))
        self.assertIn("What is the p99 latency target?", [q.text for q in response.review.questions])
        run = run_of(response, "capacity-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_OK)
        self.assertFalse(run.stub)
        self.assertEqual(run.usage.model, "fake-model")
        self.assertGreater(run.usage.prompt_tokens, 0)
        self.assertGreater(run.usage.completion_tokens, 0)
        self.assertEqual(run.usage.attempts, 1)
        # Token usage is recorded with the turn.
        stored = self.stub.GetSession(pb.GetSessionRequest(session_id=response.session_id), timeout=10)
        self.assertEqual(stored.turns[0].review.agents[0].usage, run.usage)

    def test_callers_trace_reaches_the_endpoint_as_traceparent(self):
        trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
        self.fake.push({"content": json.dumps(ANSWER)}, {"content": json.dumps(ANSWER)})
        _, call = self.stub.Review.with_call(
            pb.ReviewRequest(text=QUESTION, agents=["capacity-planner", "backend-architect"]), timeout=30,
            metadata=[("traceparent", "00-%s-%s-01" % (trace_id, parent_id))])
        self.assertEqual(dict(call.initial_metadata())["trace-id"], trace_id)
        version, sent_trace, span_id, flags = self.fake.requests[0]["headers"]["traceparent"].split("-")
        # The caller's trace, under agentd's own span (a child of the caller's), sampled as the caller said.
        self.assertEqual((version, sent_trace, flags), ("00", trace_id, "01"))
        self.assertRegex(span_id, "^[0-9a-f]{16}$")
        self.assertNotEqual(span_id, parent_id)
        # Without a caller's trace, the endpoint gets the trace agentd started and returned.
        _, call = self.stub.Review.with_call(
            pb.ReviewRequest(text=QUESTION, agents=["capacity-planner", "backend-architect"]), timeout=30)
        started = dict(call.initial_metadata())["trace-id"]
        self.assertRegex(started, "^[0-9a-f]{32}$")
        self.assertEqual(self.fake.requests[1]["headers"]["traceparent"].split("-")[1], started)

    def test_definition_model_overrides_and_earlier_turns_are_the_conversation(self):
        self.fake.push({"content": json.dumps(ANSWER)}, {"content": json.dumps(ANSWER)})
        first = review(self.stub, agents=("capacity-planner",))
        review(self.stub, text="And with twice the load?", agents=("capacity-planner",), session_id=first.session_id)
        messages = self.fake.bodies()[1]["messages"]
        self.assertEqual([m["role"] for m in messages], ["system", "user", "assistant", "user"])
        self.assertEqual(messages[1]["content"], QUESTION)
        self.assertIn("Run 3 instances", messages[2]["content"])
        self.assertIn("And with twice the load?", messages[3]["content"])

    def test_markdown_answer_read_leniently(self):
        self.fake.push({"content": MARKDOWN, "stream": False})
        response = review(self.stub)
        sections = {s.id: [i.text for i in s.items] for s in response.review.sections}
        self.assertEqual(sections["capacity_plan"], ["Run 4 instances", "Autoscale on CPU at 60%"])
        self.assertEqual(sections["capacity_risks"], ["Cold starts during the sale"])
        self.assertIn(("capacity.instances", "4"), [(d.key, d.value) for d in response.review.decisions])
        self.assertIn("50 requests per second per instance", [a.text for a in response.review.assumptions])
        self.assertIn("What is the budget?", [q.text for q in response.review.questions])

    def test_tokens_stream_as_progress_events(self):
        content = json.dumps(ANSWER)
        self.fake.push({"content": content})
        events = list(self.stub.StreamReview(pb.ReviewRequest(text=QUESTION, agents=["capacity-planner"]), timeout=30))
        kinds = [e.WhichOneof("event") for e in events]
        progress = [e.agent_progress for e in events if e.WhichOneof("event") == "agent_progress"]
        self.assertTrue(progress)
        self.assertEqual("".join(p.text for p in progress), content)
        self.assertTrue(all(p.agent == "capacity-planner" for p in progress))
        self.assertLess(kinds.index("agent_started"), kinds.index("agent_progress"))
        self.assertLess(len(kinds) - 1 - kinds[::-1].index("agent_progress"), kinds.index("agent_finished"))
        self.assertEqual(kinds[-1], "review")

    def test_retries_429_and_5xx_then_answers(self):
        self.fake.push({"status": 429, "body": "slow down", "retry_after": 0}, {"status": 500, "body": "oops"},
                       {"content": json.dumps(ANSWER)})
        response = review(self.stub)
        run = run_of(response, "capacity-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_OK)
        self.assertEqual(run.usage.attempts, 3)
        self.assertEqual(len(self.fake.requests), 3)

    def test_endpoint_without_response_format_is_asked_again_without_it(self):
        self.fake.push({"status": 400, "body": "response_format is not supported"}, {"content": MARKDOWN},
                       {"content": MARKDOWN})
        review(self.stub, agents=("plain-planner",))
        review(self.stub, agents=("plain-planner",))
        bodies = self.fake.bodies()
        self.assertEqual(len(bodies), 3)
        self.assertIn("response_format", bodies[0])
        self.assertNotIn("response_format", bodies[1])
        self.assertNotIn("response_format", bodies[2])  # remembered

    def test_slow_endpoint_meets_the_deadline(self):
        self.fake.push({"delay": 20, "content": "late"})
        response = review(self.stub, agents=("slow-planner", "backend-architect"))
        run = run_of(response, "slow-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_TIMED_OUT)
        self.assertTrue(response.review.partial)
        self.assertEqual(self.fake.bodies()[0]["model"], "special-model")

    def test_malformed_json_fails_the_agent_not_the_server(self):
        self.fake.push({"malformed": True})
        run = run_of(review(self.stub), "capacity-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_FAILED)
        self.assertIn("malformed JSON", run.error)
        self.assertEqual(len(self.fake.requests), 1)  # not retried

    def test_stream_cut_after_tokens_fails_without_retry(self):
        self.fake.push({"cut_after": 3, "content": json.dumps(ANSWER)})
        run = run_of(review(self.stub), "capacity-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_FAILED)
        self.assertIn("ended before the answer was complete", run.error)
        self.assertEqual(len(self.fake.requests), 1)

    def test_stream_cut_before_any_token_is_retried(self):
        self.fake.push({"cut_after": 0, "content": json.dumps(ANSWER)}, {"content": json.dumps(ANSWER)})
        run = run_of(review(self.stub), "capacity-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_OK)
        self.assertEqual(len(self.fake.requests), 2)

    def test_key_is_never_logged_stored_or_echoed(self):
        self.fake.push({"status": 401, "body": "Incorrect API key provided: " + KEY})
        response = review(self.stub)
        run = run_of(response, "capacity-planner")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_FAILED)
        self.assertIn("401", run.error)
        self.assertIn("[redacted]", run.error)
        self.assertNotIn(KEY, run.error)
        self.assertNotIn(KEY, response.review.markdown)
        self.assertNotIn(KEY, str(self.stub.ListAgents(pb.ListAgentsRequest(view=pb.AGENT_VIEW_FULL), timeout=10)))
        self.assertNotIn(KEY, self.server.log())
        with open(self.server.db, "rb") as f:
            self.assertNotIn(KEY.encode(), f.read())
        for suffix in ("-wal",):
            if os.path.exists(self.server.db + suffix):
                with open(self.server.db + suffix, "rb") as f:
                    self.assertNotIn(KEY.encode(), f.read())


class LlmBreakerTest(unittest.TestCase):
    def test_breaker_opens_after_failures_and_skips_the_endpoint(self):
        fake = FakeOpenAI().start()
        fake.default = {"status": 500, "body": "down"}
        tmp = scratch_dir("agentd-llm-")
        try:
            agents, plugins = agents_and_plugins_with(tmp, {"capacity-planner.md": PLANNER}, test_plugins=False)
            with AgentdProcess(extra_args=["--llm_base_url=" + fake.base_url, "--llm_model=m", "--llm_max_retries=0",
                                           "--breaker_failures=2", "--breaker_cool_down_ms=600000"],
                               agents_dir=agents, plugins_dir=plugins) as server:
                stub = server.stub()
                for _ in range(2):
                    self.assertEqual(run_of(review(stub), "capacity-planner").status, review_pb2.AGENT_STATUS_FAILED)
                run = run_of(review(stub), "capacity-planner")
                self.assertEqual(run.status, review_pb2.AGENT_STATUS_SKIPPED)
                self.assertEqual(run.circuit_state, "open")
                self.assertEqual(len(fake.requests), 2)
        finally:
            fake.stop()
            shutil.rmtree(tmp, ignore_errors=True)


def comparable(response):
    """A review response without what differs between any two runs."""
    response.session_id = ""
    for run in response.review.agents:
        run.latency_ms = 0
    response.review.markdown = ""
    return response.SerializeToString(deterministic=True)


class NoEndpointTest(unittest.TestCase):
    """With no endpoint configured, the model flags change nothing."""

    def test_outputs_byte_for_byte_unchanged(self):
        texts = [QUESTION, "How should we version our REST API and paginate results?",
                 "Set up a canary release pipeline on Kubernetes", "What should our on-call runbooks contain?",
                 "Make the login page prettier"]
        outputs = []
        for args in ([], ["--llm_default", "--route_assist=llm", "--llm_model=m", "--route_assist_threshold=1.1"]):
            with AgentdProcess(extra_args=args) as server:
                stub = server.stub()
                routes = [stub.Route(pb.RouteRequest(text=t), timeout=10).SerializeToString(deterministic=True)
                          for t in texts]
                routed = [t for t in texts if stub.Route(pb.RouteRequest(text=t), timeout=10).selected]
                self.assertGreaterEqual(len(routed), 3)
                reviews = [comparable(stub.Review(pb.ReviewRequest(text=t), timeout=30)) for t in routed]
                agents = stub.ListAgents(pb.ListAgentsRequest(view=pb.AGENT_VIEW_FULL), timeout=10)
                outputs.append((routes, reviews, agents.SerializeToString(deterministic=True)))
        self.assertEqual(outputs[0], outputs[1])


class LlmDefaultTest(unittest.TestCase):
    def test_stub_peers_answered_by_the_model_backend_architect_stays(self):
        fake = FakeOpenAI().start()
        fake.default = {"content": "API plan.\n\n## API Design\n- Version in the URL path\n"}
        try:
            with AgentdProcess(extra_args=["--llm_base_url=" + fake.base_url, "--llm_model=m", "--llm_default"]) as s:
                stub = s.stub()
                cards = {c.name: c for c in stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
                self.assertEqual(cards["api-architect"].plugin, "llm")
                self.assertFalse(cards["api-architect"].stub)
                self.assertEqual(cards["backend-architect"].plugin, "backend_architect")
                response = stub.Review(pb.ReviewRequest(text="How should we version our REST API?",
                                                        agents=["api-architect", "backend-architect"]), timeout=30)
                api = run_of(response, "api-architect")
                self.assertEqual((api.status, api.plugin, api.stub), (review_pb2.AGENT_STATUS_OK, "llm", False))
                self.assertEqual(run_of(response, "backend-architect").plugin, "backend_architect")
                items = [i.text for sec in response.review.sections if sec.id == "api_design" for i in sec.items]
                self.assertIn("Version in the URL path", items)
                self.assertEqual(len(fake.requests), 1)  # backend-architect did not call the model
        finally:
            fake.stop()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RouteAssistTest(unittest.TestCase):
    UNSURE = "Our checkout got slow last week; what should we do?"

    def test_model_decides_when_unsure_with_lexical_evidence_beside_it(self):
        fake = FakeOpenAI().start()
        fake.default = {"content": json.dumps({"agents": ["sre-specialist"], "reason": "an incident follow-up"}),
                        "stream": False}
        try:
            with AgentdProcess(extra_args=["--llm_base_url=" + fake.base_url, "--llm_model=router-model",
                                           "--route_assist=llm", "--route_assist_threshold=1.01"]) as server:
                stub = server.stub()
                decision = stub.Route(pb.RouteRequest(text=self.UNSURE), timeout=20)
                self.assertTrue(decision.assist.decided)
                self.assertEqual([c.agent for c in decision.selected], ["sre-specialist"])
                self.assertEqual(decision.selected[0].reasons[0].kind, "model")
                self.assertIn(self.UNSURE, decision.assist.question)
                self.assertEqual(decision.assist.model, "router-model")
                self.assertIn("sre-specialist", decision.assist.answer)
                self.assertLess(decision.assist.lexical_confidence, 1.01)
                self.assertIn("model chose sre-specialist", decision.summary)
                body = fake.bodies()[0]
                self.assertIn("sre-specialist", body["messages"][0]["content"])  # the agents' scopes
                self.assertIn("on-call", body["messages"][0]["content"])
                # A review follows the model's choice, and says so in its route.
                response = stub.Review(pb.ReviewRequest(text=self.UNSURE), timeout=30)
                self.assertEqual([a.agent for a in response.review.agents], ["sre-specialist"])
                self.assertTrue(response.route.assist.decided)
                # Named agents are never second-guessed.
                named = stub.Route(pb.RouteRequest(text=self.UNSURE, agents=["api-architect"]), timeout=20)
                self.assertFalse(named.HasField("assist"))
        finally:
            fake.stop()

    def test_sure_decisions_are_not_sent(self):
        fake = FakeOpenAI().start()
        try:
            with AgentdProcess(extra_args=["--llm_base_url=" + fake.base_url, "--llm_model=m", "--route_assist=llm",
                                           "--route_assist_threshold=0"]) as server:
                decision = server.stub().Route(pb.RouteRequest(text=QUESTION), timeout=20)
                self.assertFalse(decision.HasField("assist"))
                self.assertEqual(fake.requests, [])
        finally:
            fake.stop()

    def test_unreachable_model_leaves_the_lexical_decision(self):
        url = "http://127.0.0.1:%d/v1" % closed_port()
        with AgentdProcess() as plain:
            lexical = plain.stub().Route(pb.RouteRequest(text=self.UNSURE), timeout=20)
        with AgentdProcess(extra_args=["--llm_base_url=" + url, "--llm_model=m", "--route_assist=llm",
                                       "--route_assist_threshold=1.01"]) as server:
            decision = server.stub().Route(pb.RouteRequest(text=self.UNSURE), timeout=20)
        self.assertFalse(decision.assist.decided)
        self.assertIn("lexical decision stands", decision.assist.note)
        self.assertIn("model unreachable", decision.summary)
        self.assertEqual(list(decision.selected), list(lexical.selected))
        self.assertEqual(list(decision.assist.lexical), list(lexical.selected))


if __name__ == "__main__":
    unittest.main()
