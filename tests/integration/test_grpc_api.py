"""The real agentd, driven by an independent client (Python grpcio)."""

import os
import sqlite3
import threading
import time
import unittest

import grpc

from agentd_fixture import (AgentdProcess, agents_and_plugins_with, health_serving, scratch_dir, orchestrator_pb2 as pb,
                            review_pb2)

FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")


def decisions(review):
    return {d.key: d.value for d in review.decisions}


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AgentdProcess().start()
        cls.stub = cls.server.stub()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def assertCode(self, code, fn, *args, **kwargs):
        with self.assertRaises(grpc.RpcError) as ctx:
            fn(*args, timeout=10, **kwargs)
        self.assertEqual(ctx.exception.code(), code, ctx.exception.details())
        return ctx.exception.details()

    def test_list_agents_names_the_five(self):
        agents = self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents
        self.assertEqual(sorted(a.name for a in agents),
                         ["api-architect", "backend-architect", "database-architect",
                          "devops-specialist", "sre-specialist"])
        for a in agents:
            self.assertTrue(a.available, a.unavailable_reason)
            self.assertEqual(a.circuit_state, "closed")
        real = [a for a in agents if not a.stub]
        self.assertEqual([a.name for a in real], ["backend-architect"])
        # The basic view leaves out the scope rules; the full view has them.
        self.assertTrue(all(not a.use_when and not a.competencies for a in agents))
        full = self.stub.ListAgents(pb.ListAgentsRequest(view=pb.AGENT_VIEW_FULL), timeout=10).agents
        by_name = {a.name: a for a in full}
        self.assertTrue(by_name["backend-architect"].use_when)
        self.assertTrue(by_name["backend-architect"].competencies)
        self.assertTrue(any("(use frontend-architect)" in r for r in by_name["backend-architect"].not_for))

    def test_review_answers_in_the_seed_format_and_stores_the_turn(self):
        response = self.stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10)
        self.assertTrue(response.session_id)
        self.assertEqual(response.turn, 1)
        md = response.review.markdown
        self.assertTrue(md.startswith("## Backend Architecture Review"), md[:200])
        for heading in ["### Architecture Pattern", "### Event-Driven Design", "### Caching Strategy",
                        "### Database Architecture", "### Resilience Patterns", "### Observability",
                        "### Scalability", "### Recommendations", "### Risks & Mitigation"]:
            self.assertIn(heading, md)
        self.assertEqual(response.route.selected[0].agent, "backend-architect")
        self.assertIn(decisions(response.review)["architecture.pattern"],
                      {"monolith", "modular_monolith", "microservices"})
        # Facts read from the text, with their quotes.
        facts = {f.field: f for f in response.review.facts}
        self.assertIn("peak_rps", facts)
        self.assertAlmostEqual(response.review.requirements.peak_rps, 166.67, places=1)
        # Every item carries the agent that said it.
        for section in response.review.sections:
            for item in section.items:
                self.assertTrue(item.agent, section.id)
        # The turn is durable in the database before the reply.
        db = sqlite3.connect(self.server.db)
        try:
            n = db.execute("SELECT COUNT(*) FROM turns WHERE session_id = ?", (response.session_id,)).fetchone()[0]
        finally:
            db.close()
        self.assertEqual(n, 1)

    def test_route_explains_its_choice(self):
        decision = self.stub.Route(pb.RouteRequest(text="How should we cache product pages?"), timeout=10)
        self.assertEqual(decision.selected[0].agent, "backend-architect")
        self.assertTrue(decision.selected[0].reasons)
        self.assertTrue(all(r.rule for r in decision.selected[0].reasons))

    def test_route_answers_carry_nothing_over_from_earlier_calls(self):
        # agentd rebuilds Route answers in reused messages: each answer must
        # be exactly the one a fresh call gives, whatever came before it.
        requests = [pb.RouteRequest(text="How should we cache product pages?"),
                    pb.RouteRequest(text="How should we cache product pages?", agents=["database-architect"]),
                    pb.RouteRequest(text="Plan the SLOs and burn-rate alerts for checkout. Which index for orders?"),
                    pb.RouteRequest(text="What should I cook tonight?")]
        expected = [self.stub.Route(r, timeout=10) for r in requests]
        self.assertEqual(len({e.SerializeToString() for e in expected}), len(requests))
        futures = [(i % len(requests), self.stub.Route.future(requests[i % len(requests)], timeout=30))
                   for i in range(400)]
        bad = self.stub.Route.future(pb.RouteRequest(text="@nobody-hosted cache it"), timeout=30)
        for i, future in futures:
            self.assertEqual(future.result(), expected[i])
        with self.assertRaises(grpc.RpcError) as raised:
            bad.result()
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(self.stub.Route(requests[0], timeout=10), expected[0])

    def test_inline_mention_and_explicit_agents_come_first(self):
        decision = self.stub.Route(pb.RouteRequest(text="@sre-specialist how should we cache product pages?"),
                                   timeout=10)
        self.assertEqual(decision.selected[0].agent, "sre-specialist")
        decision = self.stub.Route(pb.RouteRequest(text="How should we cache product pages?",
                                                   agents=["database-architect"]), timeout=10)
        self.assertEqual(decision.selected[0].agent, "database-architect")

    def test_bad_input_gets_a_clear_status_and_the_server_keeps_serving(self):
        self.assertIn("text", self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.Review,
                                              pb.ReviewRequest(text="   ")))
        self.assertIn("65536", self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.Review,
                                               pb.ReviewRequest(text="x" * 70000)))
        details = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.Review,
                                  pb.ReviewRequest(text=FLASH_SALE, agents=["nobody"]))
        self.assertIn("nobody", details)
        self.assertIn("backend-architect", details)  # names the hosted ones
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.Review,
                        pb.ReviewRequest(text=FLASH_SALE, session_id="no-such-session"))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.GetSession,
                        pb.GetSessionRequest(session_id="no-such-session"))
        self.assertCode(grpc.StatusCode.FAILED_PRECONDITION, self.stub.Review,
                        pb.ReviewRequest(text="Write me a haiku about autumn."))
        # Off the domain though it shares a word with it: no agent, and the
        # answer names the words read as outside the domain and the closest agents.
        details = self.assertCode(grpc.StatusCode.FAILED_PRECONDITION, self.stub.Review,
                                  pb.ReviewRequest(text="What's the best way to cache firewood so it stays dry "
                                                        "through winter?"))
        self.assertIn("something other than building or running software", details)
        self.assertIn("firewood", details)
        self.assertIn("closest agents: backend-architect", details)
        details = self.assertCode(grpc.StatusCode.FAILED_PRECONDITION, self.stub.Review,
                                  pb.ReviewRequest(text="How do we structure Vue components and Pinia stores "
                                                        "for a large dashboard?"))
        self.assertIn("frontend-architect", details)
        self.assertTrue(health_serving(self.server.address))
        self.stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10)

    def test_stream_events_arrive_in_order(self):
        events = list(self.stub.StreamReview(pb.ReviewRequest(
            text="Design a food-delivery backend: architecture, the API for the apps, and the database schema."),
            timeout=10))
        kinds = [e.WhichOneof("event") for e in events]
        self.assertEqual(kinds[0], "routed")
        self.assertEqual(kinds[-1], "review")
        selected = [c.agent for c in events[0].routed.selected]
        self.assertGreaterEqual(len(selected), 2)
        for agent in selected:
            started = [i for i, e in enumerate(events) if e.WhichOneof("event") == "agent_started"
                       and e.agent_started.agent == agent]
            finished = [i for i, e in enumerate(events) if e.WhichOneof("event") == "agent_finished"
                        and e.agent_finished.agent == agent]
            self.assertEqual(len(started), 1, agent)
            self.assertEqual(len(finished), 1, agent)
            self.assertLess(started[0], finished[0])
        finished_events = [e.agent_finished for e in events if e.WhichOneof("event") == "agent_finished"]
        self.assertTrue(all(f.output.agent == f.agent for f in finished_events))
        final = events[-1].review
        self.assertTrue(final.session_id)
        # The review was stored before it was sent.
        got = self.stub.GetSession(pb.GetSessionRequest(session_id=final.session_id), timeout=10)
        self.assertEqual(len(got.turns), 1)

    def test_follow_up_turn_uses_facts_of_earlier_turns(self):
        first = self.stub.Review(pb.ReviewRequest(
            text="We are six engineers with unclear domain boundaries, building an order system."), timeout=10)
        second = self.stub.Review(pb.ReviewRequest(session_id=first.session_id,
                                                   text="Should we use microservices?"), timeout=10)
        self.assertEqual(second.turn, 2)
        self.assertEqual(second.review.requirements.team_size, 6)
        facts = {f.field: f for f in second.review.facts}
        self.assertEqual(facts["team_size"].source, review_pb2.Fact.SOURCE_SESSION)
        self.assertEqual(facts["team_size"].turn, 1)
        self.assertNotEqual(decisions(second.review)["architecture.pattern"], "microservices")
        sessions = self.stub.ListSessions(pb.ListSessionsRequest(), timeout=10).sessions
        self.assertIn(first.session_id, [s.id for s in sessions])
        got = self.stub.GetSession(pb.GetSessionRequest(session_id=first.session_id), timeout=10)
        self.assertEqual([t.seq for t in got.turns], [1, 2])


SLOW_AGENT = """---
name: slow-agent
description: A test agent that takes its time.
plugin: test_agent
mode: sleep
sleep_ms: "60000"
timeout_ms: 300
cancel_marker: "{marker}"
sections: [slow_notes]
---
# Slow agent
"""

DISSENTER = """---
name: dissenter
description: A test agent that disagrees on purpose.
plugin: test_agent
mode: dissent
key: database.primary
value: cassandra
---
# Dissenter
"""


class FanOutTest(unittest.TestCase):
    """Deadlines, partial reviews, conflicts and cancellation with test plugins."""

    def setUp(self):
        self.tmp = scratch_dir("agentd-fanout-")
        self.marker = os.path.join(self.tmp, "cancelled")
        agents, plugins = agents_and_plugins_with(self.tmp, {
            "slow-agent.md": SLOW_AGENT.format(marker=self.marker),
            "dissenter.md": DISSENTER,
        })
        self.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins).start()
        self.stub = self.server.stub()

    def tearDown(self):
        self.server.cleanup()
        __import__("shutil").rmtree(self.tmp, ignore_errors=True)

    def test_slow_agent_makes_a_partial_review_by_its_deadline(self):
        start = time.monotonic()
        response = self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, agents=["slow-agent", "backend-architect"]),
                                    timeout=20)
        self.assertLess(time.monotonic() - start, 15)
        review = response.review
        self.assertTrue(review.partial)
        runs = {a.agent: a for a in review.agents}
        self.assertEqual(runs["slow-agent"].status, review_pb2.AGENT_STATUS_TIMED_OUT)
        self.assertEqual(runs["backend-architect"].status, review_pb2.AGENT_STATUS_OK)
        self.assertIn("Partial review", review.markdown)
        self.assertIn("slow-agent", review.markdown)
        self.assertIn("### Architecture Pattern", review.markdown)

    def test_caller_deadline_gives_deadline_or_partial_not_a_hang(self):
        start = time.monotonic()
        try:
            response = self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, agents=["slow-agent", "backend-architect"]),
                                        timeout=0.25)
            self.assertTrue(response.review.partial)
        except grpc.RpcError as e:
            self.assertEqual(e.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertLess(time.monotonic() - start, 5)
        self.assertTrue(health_serving(self.server.address))

    def test_conflicting_decision_is_recorded_and_the_owner_wins(self):
        response = self.stub.Review(pb.ReviewRequest(
            text="Pick a primary database for our order system; we need ACID transactions.",
            agents=["backend-architect", "dissenter"]), timeout=10)
        review = response.review
        self.assertEqual(decisions(review)["database.primary"], "postgresql")
        conflicts = [c for c in review.conflicts if c.key == "database.primary"]
        self.assertEqual(len(conflicts), 1)
        self.assertEqual(conflicts[0].other_agent, "dissenter")
        self.assertEqual(conflicts[0].other_value, "cassandra")
        self.assertIn("dissenter would choose **cassandra**", review.markdown)

    def test_cancelling_the_stream_cancels_the_agents(self):
        call = self.stub.StreamReview(pb.ReviewRequest(text=FLASH_SALE, agents=["slow-agent"]), timeout=30)
        seen = []
        for event in call:
            seen.append(event.WhichOneof("event"))
            if seen[-1] == "agent_started":
                call.cancel()
                break
        self.assertEqual(seen[0], "routed")
        deadline = time.monotonic() + 10
        while not os.path.exists(self.marker) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertTrue(os.path.exists(self.marker), "the plugin never saw the cancel token")
        self.assertTrue(health_serving(self.server.address))


class BadFilesTest(unittest.TestCase):
    def test_broken_definition_and_wrong_plugin_do_not_stop_the_server(self):
        tmp = scratch_dir("agentd-bad-")
        try:
            agents, plugins = agents_and_plugins_with(tmp, {
                "broken.md": "---\nname: [unterminated\n",
                "future.md": "---\nname: future-agent\ndescription: built for another ABI\nplugin: wrong_major\n---\n# F\n",
                "missing.md": "---\nname: ghost-agent\ndescription: its plugin is not installed\nplugin: not_installed\n---\n",
            })
            with AgentdProcess(agents_dir=agents, plugins_dir=plugins) as server:
                cards = {a.name: a for a in server.stub().ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
                self.assertIn("backend-architect", cards)
                self.assertTrue(cards["backend-architect"].available)
                self.assertFalse(cards["future-agent"].available)
                self.assertIn("libwrong_major.so", cards["future-agent"].unavailable_reason)
                self.assertIn("ABI major", cards["future-agent"].unavailable_reason)
                self.assertFalse(cards["ghost-agent"].available)
                self.assertIn("libnot_installed.so", cards["ghost-agent"].unavailable_reason)
                log = server.log()
                self.assertIn("broken.md", log)
                self.assertIn("libwrong_major.so", log)
                # An explicit call to an unavailable agent is a partial review, not a crash.
                response = server.stub().Review(pb.ReviewRequest(
                    text=FLASH_SALE, agents=["ghost-agent", "backend-architect"]), timeout=10)
                runs = {a.agent: a for a in response.review.agents}
                self.assertEqual(runs["ghost-agent"].status, review_pb2.AGENT_STATUS_SKIPPED)
                self.assertTrue(response.review.partial)
        finally:
            __import__("shutil").rmtree(tmp, ignore_errors=True)

    def test_routing_examples_load_and_a_broken_file_is_reported(self):
        tmp = scratch_dir("agentd-examples-")
        try:
            agents, plugins = agents_and_plugins_with(tmp, {})
            # The bundled labelled requests are loaded and say so in the log.
            with AgentdProcess(agents_dir=agents, plugins_dir=plugins) as server:
                self.assertRegex(server.log(), r"routing with [1-9][0-9]* labelled requests")
            broken = os.path.join(agents, "routing-examples", "zz-broken.jsonl")
            with open(broken, "w") as f:
                f.write('{"text": "fine"}\n{"required": ["backend-architect"]}\n')
            # Broken: the server starts and routes on the definitions alone,
            # naming the file and line; --strict refuses to start.
            with AgentdProcess(agents_dir=agents, plugins_dir=plugins) as server:
                self.assertIn("zz-broken.jsonl:2: missing", server.log())
                decision = server.stub().Route(pb.RouteRequest(text=FLASH_SALE), timeout=10)
                self.assertEqual(decision.selected[0].agent, "backend-architect")
            strict = AgentdProcess(extra_args=["--strict"], agents_dir=agents, plugins_dir=plugins)
            with self.assertRaisesRegex(RuntimeError, "zz-broken.jsonl:2"):
                strict.start()
            strict.cleanup()
        finally:
            __import__("shutil").rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
