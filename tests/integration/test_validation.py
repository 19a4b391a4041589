"""Bad input against the real agentd: out-of-range requirements, long titles
and ids, and what error messages may carry (bounded, no server paths)."""

import math
import sqlite3
import unittest

import grpc

from agentd_fixture import AgentdProcess, health_serving, orchestrator_pb2 as pb, review_pb2

FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")

# (field, value, what the error must name)
OUT_OF_RANGE = [
    ("peak_rps", math.nan, "requirements.peak_rps"),
    ("peak_rps", math.inf, "requirements.peak_rps"),
    ("peak_rps", -5.0, "requirements.peak_rps"),
    ("latency_p99_ms", -math.inf, "requirements.latency_p99_ms"),
    ("read_ratio", 7.0, "requirements.read_ratio"),
    ("read_ratio", -0.1, "requirements.read_ratio"),
    ("availability_slo", 101.0, "requirements.availability_slo"),
    ("team_size", -1, "requirements.team_size"),
    ("planned_services", -2, "requirements.planned_services"),
]


class ValidationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = AgentdProcess().start()
        cls.stub = cls.server.stub()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def assertInvalid(self, fn, request, field):
        with self.assertRaises(grpc.RpcError) as ctx:
            result = fn(request, timeout=10)
            if hasattr(result, "__iter__"):
                list(result)  # a stream fails on its first read
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, ctx.exception.details())
        self.assertIn(field, ctx.exception.details())
        self.assertLess(len(ctx.exception.details()), 600)
        return ctx.exception.details()

    def session_count(self):
        return len(self.stub.ListSessions(pb.ListSessionsRequest(page_size=1000), timeout=10).sessions)

    def test_out_of_range_requirements_are_refused_naming_the_field(self):
        before = self.session_count()
        for field, value, named in OUT_OF_RANGE:
            with self.subTest(field=field, value=value):
                requirements = review_pb2.Requirements(**{field: value})
                self.assertInvalid(self.stub.Review, pb.ReviewRequest(text=FLASH_SALE, requirements=requirements),
                                   named)
                self.assertInvalid(self.stub.StreamReview,
                                   pb.ReviewRequest(text=FLASH_SALE, requirements=requirements), named)
                self.assertInvalid(self.stub.CreateSession, pb.CreateSessionRequest(requirements=requirements),
                                   named)
        self.assertEqual(self.session_count(), before)  # nothing was stored
        self.assertTrue(health_serving(self.server.address))

    def test_bytes_that_are_not_a_review_request_are_refused(self):
        # Review and StreamReview parse their own requests (raw methods).
        channel = grpc.insecure_channel(self.server.address)
        garbage = b"\x0a\xff\xff\xff\xff\x0f"  # field 1, a length past the end
        unary = channel.unary_unary("/agentd.v1.Orchestrator/Review")
        stream = channel.unary_stream("/agentd.v1.Orchestrator/StreamReview")
        for fn in (unary, stream):
            self.assertInvalid(fn, garbage, "not an agentd.v1.ReviewRequest")
        channel.close()
        self.assertTrue(health_serving(self.server.address))

    def test_unknown_enum_values_are_refused(self):
        # proto3 enums are open: a client may send any number.
        requirements = review_pb2.Requirements()
        requirements.cloud = 42
        details = self.assertInvalid(self.stub.Review, pb.ReviewRequest(text=FLASH_SALE, requirements=requirements),
                                     "requirements.cloud")
        self.assertIn("CloudProvider", details)

    def test_in_range_edges_are_accepted(self):
        requirements = review_pb2.Requirements(read_ratio=1.0, availability_slo=100.0, peak_rps=0.0, team_size=0)
        response = self.stub.Review(pb.ReviewRequest(text=FLASH_SALE, requirements=requirements), timeout=10)
        self.assertEqual(response.turn, 1)

    def test_titles_are_at_most_200_characters(self):
        ok = self.stub.CreateSession(pb.CreateSessionRequest(title="é" * 200), timeout=10)
        self.assertEqual(ok.title, "é" * 200)
        details = self.assertInvalid(self.stub.CreateSession, pb.CreateSessionRequest(title="t" * 201), "title")
        self.assertNotIn("ttt", details)
        self.assertInvalid(self.stub.Review, pb.ReviewRequest(text=FLASH_SALE, title="x" * (3 << 20)), "title")
        self.assertInvalid(self.stub.ListSessions, pb.ListSessionsRequest(title_filter="f" * 201), "title_filter")

    def test_long_session_ids_are_refused_without_being_echoed(self):
        huge = "S" * 10240
        for fn, request in [(self.stub.GetSession, pb.GetSessionRequest(session_id=huge)),
                            (self.stub.DeleteSession, pb.DeleteSessionRequest(session_id=huge)),
                            (self.stub.ExportSession, pb.ExportSessionRequest(session_id=huge)),
                            (self.stub.Review, pb.ReviewRequest(text=FLASH_SALE, session_id=huge))]:
            details = self.assertInvalid(fn, request, "session_id")
            self.assertNotIn("SSSS", details)
        # 128 bytes is allowed (and simply not found).
        with self.assertRaises(grpc.RpcError) as ctx:
            self.stub.GetSession(pb.GetSessionRequest(session_id="s" * 128), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_long_agent_names_are_not_echoed(self):
        details = self.assertInvalid(self.stub.Review, pb.ReviewRequest(text=FLASH_SALE, agents=["a" * 5000]),
                                     "agents")
        self.assertNotIn("aaaa", details)
        self.assertInvalid(self.stub.Route, pb.RouteRequest(text=FLASH_SALE, agents=["a" * 5000]), "agents")


class OldTitlesTest(unittest.TestCase):
    """Titles stored before the limit (3 MB each) do not break listing."""

    def test_listing_cuts_old_long_titles(self):
        server = AgentdProcess()
        try:
            server.start()
            stub = server.stub()
            ids = [stub.CreateSession(pb.CreateSessionRequest(title="s%d" % i), timeout=10).id for i in range(5)]
            server.stop()
            with sqlite3.connect(server.db) as db:
                db.execute("UPDATE sessions SET title = ?", ("T" * (3 << 20),))
            server.start()
            stub = server.stub()
            # A page ends at 1 MiB of stored sessions, so 3 MB titles come one a page.
            listed, token = [], ""
            while True:
                page = stub.ListSessions(pb.ListSessionsRequest(page_token=token), timeout=10)
                listed.extend(page.sessions)
                token = page.next_page_token
                if not token:
                    break
            self.assertEqual(sorted(s.id for s in listed), sorted(ids))
            self.assertTrue(all(s.title == "T" * 200 for s in listed))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
