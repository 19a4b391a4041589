"""A remote plugin (`endpoint:`) that misbehaves, against the real binary:
garbage bytes, an oversized answer, sections it did not declare, another
agent's name, no answer at all, and an error with a long message each
become a failed run with a short reason, while the other agent answers and
agentd keeps serving. The agent's deadline reaches the plugin as a gRPC
deadline, and progress events reach StreamReview. The fake plugin is
written here with grpcio alone, as a plugin author in Python would."""

import shutil
import threading
import time
import unittest
from concurrent import futures

import grpc

from agentd_fixture import (AgentdProcess, agents_and_plugins_with, health_serving, scratch_dir, orchestrator_pb2 as pb,
                            review_pb2)
from agentd.v1 import plugin_pb2

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"

REMOTE = """---
name: remote-agent
description: A remote test agent that misbehaves on request.
endpoint: 127.0.0.1:{port}
sections: [remote_notes]
timeout_ms: 1500
---
# Remote agent
"""


class FakePlugin:
    """An AgentPlugin whose behaviour the request text picks."""

    def __init__(self):
        self.cancelled = threading.Event()
        handlers = {
            "Describe": grpc.unary_unary_rpc_method_handler(
                self.describe, request_deserializer=plugin_pb2.DescribeRequest.FromString,
                response_serializer=plugin_pb2.DescribeResponse.SerializeToString),
            "Handle": grpc.unary_stream_rpc_method_handler(
                self.handle, request_deserializer=plugin_pb2.AgentRequest.FromString,
                response_serializer=lambda b: b),  # raw bytes: it may send garbage
        }
        health = {"Check": grpc.unary_unary_rpc_method_handler(
            lambda request, context: b"\x08\x01",  # HealthCheckResponse{status: SERVING}
            request_deserializer=lambda b: b, response_serializer=lambda b: b)}
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers([
            grpc.method_handlers_generic_handler("agentd.v1.AgentPlugin", handlers),
            grpc.method_handlers_generic_handler("grpc.health.v1.Health", health)])
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def describe(self, request, context):
        return plugin_pb2.DescribeResponse(name="fake", version="1", sections=["remote_notes"])

    @staticmethod
    def answer(agent="remote-agent", section="remote_notes", text="remote answered"):
        response = plugin_pb2.AgentResponse(agent=agent)
        section = response.sections.add(id=section)
        section.items.add(text=text)
        return plugin_pb2.HandleEvent(response=response).SerializeToString()

    def handle(self, request, context):
        text = request.text
        if "GARBAGE" in text:
            yield b"\xff\xff\xff\xff\x0f not a HandleEvent"
        elif "HUGE" in text:
            yield self.answer(text="x" * (5 << 20))
        elif "WRONG-SECTION" in text:
            yield self.answer(section="someone_elses_notes")
        elif "NAMELESS" in text:
            yield self.answer(agent="")  # agentd names it
        elif "AS-OTHER" in text:
            yield self.answer(agent="backend-architect")
        elif "NO-ANSWER" in text:
            return
        elif "LONG-ERROR" in text:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "bad " * 500)  # cut to 200 bytes
        elif "SLOW" in text:
            while context.is_active():
                time.sleep(0.01)
            self.cancelled.set()
        else:
            yield plugin_pb2.HandleEvent(progress="thinking ").SerializeToString()
            yield self.answer()


class RemotePluginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = scratch_dir("agentd-remote-")
        cls.fake = FakePlugin()
        agents, plugins = agents_and_plugins_with(cls.tmp, {"remote-agent.md": REMOTE.format(port=cls.fake.port)})
        cls.server = AgentdProcess(agents_dir=agents, plugins_dir=plugins,
                                   extra_args=["--breaker_failures=1000"]).start()
        cls.stub = cls.server.stub()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.fake.server.stop(0)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def runs(self, marker):
        reply = self.stub.Review(pb.ReviewRequest(text="%s %s" % (QUESTION, marker),
                                                  agents=["remote-agent", "backend-architect"]), timeout=30)
        runs = {a.agent: a for a in reply.review.agents}
        self.assertEqual(runs["backend-architect"].status, review_pb2.AGENT_STATUS_OK)
        return reply, runs["remote-agent"]

    def test_a_good_answer_is_merged_and_its_progress_streamed(self):
        reply, run = self.runs("")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_OK, run.error)
        self.assertIn("remote answered", str(reply.review))
        cards = {a.name: a for a in self.stub.ListAgents(pb.ListAgentsRequest(), timeout=10).agents}
        self.assertTrue(cards["remote-agent"].available, cards["remote-agent"].unavailable_reason)
        events = list(self.stub.StreamReview(pb.ReviewRequest(text=QUESTION, agents=["remote-agent"]), timeout=30))
        progress = [e.agent_progress.text for e in events if e.WhichOneof("event") == "agent_progress"]
        self.assertIn("thinking ", "".join(progress))

    def test_a_turn_with_a_remote_answer_reads_back_as_it_was_sent(self):
        # The in-process agent's answer is stored as its plugin's bytes, the
        # remote one's serialized by agentd (also when agentd named it).
        for marker in ("", "NAMELESS"):
            reply, run = self.runs(marker)
            self.assertEqual(run.status, review_pb2.AGENT_STATUS_OK, run.error)
            self.assertIn("remote answered", str(reply.review))
            stored = self.stub.GetSession(pb.GetSessionRequest(session_id=reply.session_id), timeout=10)
            self.assertEqual(stored.turns[0].review.SerializeToString(deterministic=True),
                             reply.review.SerializeToString(deterministic=True), marker)

    def test_bad_answers_fail_their_run_with_a_reason(self):
        expected = {
            "GARBAGE": "",  # gRPC's own parse error; the reason is checked below for length only
            "HUGE": "",
            "WRONG-SECTION": "someone_elses_notes",
            "AS-OTHER": "backend-architect",
            "NO-ANSWER": "without an answer",
            "LONG-ERROR": "bad bad",
        }
        for marker, reason in expected.items():
            with self.subTest(marker=marker):
                reply, run = self.runs(marker)
                self.assertEqual(run.status, review_pb2.AGENT_STATUS_FAILED)
                self.assertTrue(run.error.startswith("remote-agent"), run.error)
                self.assertIn(reason, run.error)
                self.assertLess(len(run.error), 600)
                self.assertTrue(reply.review.partial)
        self.assertTrue(health_serving(self.server.address))

    def test_the_deadline_reaches_the_plugin(self):
        reply, run = self.runs("SLOW")
        self.assertEqual(run.status, review_pb2.AGENT_STATUS_TIMED_OUT)
        self.assertTrue(self.fake.cancelled.wait(10), "the plugin never saw its call end")


if __name__ == "__main__":
    unittest.main()
