"""Sessions through the real agentd: follow-ups that build on earlier turns,
paging, export, delete, prune and retention, and storage failures (quota
reached, database locked) that fail the write with a clear status while
reads keep working."""

import json
import os
import shutil
import sqlite3
import time
import unittest
import uuid

import grpc

from agentd_fixture import AgentdProcess, health_serving, scratch_dir, orchestrator_pb2 as pb, review_pb2

SIX = "We are six engineers with unclear boundaries"
MICROSERVICES = "Should we use microservices?"
FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")
DAY_MS = 24 * 3600 * 1000


def decisions(review):
    return {d.key: d.value for d in review.decisions}


def facts_of(review):
    return {f.field: f for f in review.facts}


def all_sessions(stub, title_filter="", page_size=0):
    """Every page of ListSessions, as a list of pages."""
    pages, token = [], ""
    while True:
        page = stub.ListSessions(pb.ListSessionsRequest(page_size=page_size, page_token=token,
                                                        title_filter=title_filter), timeout=10)
        pages.append(list(page.sessions))
        token = page.next_page_token
        if not token:
            return pages


def all_turns(stub, session_id, page_size=0):
    pages, token = [], ""
    while True:
        page = stub.GetSession(pb.GetSessionRequest(session_id=session_id, page_size=page_size,
                                                    page_token=token), timeout=10)
        pages.append(list(page.turns))
        token = page.next_page_token
        if not token:
            return pages


def sql(db_path, query, args=()):
    db = sqlite3.connect(db_path, timeout=10)
    try:
        rows = db.execute(query, args).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


class RpcAssertions:
    def assertCode(self, code, fn, *args, **kwargs):
        with self.assertRaises(grpc.RpcError) as ctx:
            fn(*args, timeout=kwargs.pop("timeout", 10), **kwargs)
        self.assertEqual(ctx.exception.code(), code, ctx.exception.details())
        return ctx.exception.details()


class SessionsTest(unittest.TestCase, RpcAssertions):
    @classmethod
    def setUpClass(cls):
        cls.server = AgentdProcess().start()
        cls.stub = cls.server.stub()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def review(self, text, session_id="", **kwargs):
        return self.stub.Review(pb.ReviewRequest(text=text, session_id=session_id, **kwargs), timeout=10)

    def test_follow_up_is_answered_for_the_team_of_the_earlier_turn(self):
        first = self.review(SIX)
        self.assertEqual(first.review.requirements.team_size, 6)
        second = self.review(MICROSERVICES, first.session_id)
        self.assertEqual(second.session_id, first.session_id)
        self.assertEqual(second.turn, 2)
        self.assertEqual(second.review.requirements.team_size, 6)
        team = facts_of(second.review)["team_size"]
        self.assertEqual(team.source, review_pb2.Fact.SOURCE_SESSION)
        self.assertEqual(team.turn, 1)
        self.assertNotEqual(decisions(second.review)["architecture.pattern"], "microservices")
        # The review says, in words, which facts came from an earlier turn.
        self.assertIn("earlier turn 1", second.review.markdown)

    def test_turn_read_back_is_the_reply_that_was_sent_byte_for_byte(self):
        # The store keeps each agent's answer once and merges the review
        # again on read (by the merger version recorded with the turn), its
        # Markdown rendered then: what comes back must be what was sent.
        five = ["backend-architect", "api-architect", "database-architect", "devops-specialist",
                "sre-specialist"]
        first = self.review(FLASH_SALE, agents=five)
        second = self.review("We are 40 engineers now. " + MICROSERVICES, first.session_id)
        turns = [t for page in all_turns(self.stub, first.session_id) for t in page]
        self.assertEqual([t.seq for t in turns], [1, 2])
        for sent, stored in zip([first, second], turns):
            self.assertTrue(sent.review.markdown)
            self.assertEqual(stored.review.SerializeToString(deterministic=True),
                             sent.review.SerializeToString(deterministic=True))
            self.assertEqual(stored.route.SerializeToString(deterministic=True),
                             sent.route.SerializeToString(deterministic=True))
        (version, body, review) = sql(self.server.db, "SELECT merger_version, body IS NOT NULL, review IS NULL "
                                      "FROM turns WHERE session_id = ? AND seq = 1", (first.session_id,))[0]
        self.assertEqual((version, body, review), (2, 1, 1))  # merger version 2: the turn records its layout

    def test_turn_of_the_previous_format_reads_back_as_it_was_sent(self):
        # Before turn bodies (schema 2), the review was stored whole, without
        # its Markdown, and each answer in agent_outputs: such a turn still
        # reads back as the reply that was sent.
        sent = self.review(FLASH_SALE)
        stored_review = review_pb2.Review()
        stored_review.CopyFrom(sent.review)
        stored_review.ClearField("markdown")
        sql(self.server.db, "UPDATE turns SET body = NULL, merger_version = 0, request = ?, route = ?, review = ? "
            "WHERE session_id = ? AND seq = 1",
            (pb.ReviewRequest(text=FLASH_SALE).SerializeToString(), sent.route.SerializeToString(),
             stored_review.SerializeToString(), sent.session_id))
        ((turn,),) = all_turns(self.stub, sent.session_id)
        self.assertEqual(turn.request.text, FLASH_SALE)
        self.assertEqual(turn.review.SerializeToString(deterministic=True),
                         sent.review.SerializeToString(deterministic=True))

    def test_turn_body_names_the_dictionary_it_was_compressed_with(self):
        sent = self.review(FLASH_SALE)
        (body,) = sql(self.server.db, "SELECT body FROM turns WHERE session_id = ?", (sent.session_id,))[0]
        self.assertEqual(body[:2], b"\x00d")  # zstd with a dictionary
        frame = body[2:]
        self.assertEqual(frame[:4], b"\x28\xb5\x2f\xfd")  # zstd magic
        descriptor = frame[4]
        id_size = [0, 1, 2, 4][descriptor & 3]
        start = 5 + (0 if descriptor & 0x20 else 1)  # a window byte unless single-segment
        dict_id = int.from_bytes(frame[start:start + id_size], "little")
        shipped = sorted(os.listdir(os.path.join(os.environ["AGENTD_SOURCE_DIR"], "db", "dictionaries")))
        self.assertEqual(dict_id, int(shipped[-1][len("turns-"):-len(".zdict")]))

    def test_a_later_statement_overrides_an_earlier_one(self):
        first = self.review(SIX)
        second = self.review("Actually we are 40 engineers in 5 teams. " + MICROSERVICES, first.session_id)
        self.assertEqual(second.review.requirements.team_size, 40)
        self.assertEqual(second.review.requirements.team_count, 5)
        self.assertEqual(facts_of(second.review)["team_size"].source, review_pb2.Fact.SOURCE_TEXT)
        third = self.review("How should we cache product pages?", first.session_id)
        self.assertEqual(third.turn, 3)
        team = facts_of(third.review)["team_size"]
        self.assertEqual((third.review.requirements.team_size, team.source, team.turn),
                         (40, review_pb2.Fact.SOURCE_SESSION, 2))
        session = self.stub.GetSession(pb.GetSessionRequest(session_id=first.session_id), timeout=10).session
        self.assertEqual((session.turn_count, session.facts.team_size, session.facts.team_count), (3, 40, 5))

    def test_created_session_seeds_its_first_turn_with_the_initial_requirements(self):
        created = self.stub.CreateSession(pb.CreateSessionRequest(
            title="seeded " + uuid.uuid4().hex, requirements=review_pb2.Requirements(team_size=6)), timeout=10)
        self.assertEqual(created.turn_count, 0)
        self.assertEqual(created.facts.team_size, 6)
        # Stored with their provenance: the caller's structured fields.
        (blob,) = sql(self.server.db, "SELECT facts FROM sessions WHERE id = ?", (created.id,))[0]
        stored = review_pb2.Review.FromString(blob)
        self.assertEqual([(f.field, f.source) for f in stored.facts],
                         [("team_size", review_pb2.Fact.SOURCE_FIELD)])

        first = self.review(MICROSERVICES, created.id)
        self.assertEqual((first.session_id, first.turn), (created.id, 1))
        self.assertEqual(first.review.requirements.team_size, 6)
        self.assertEqual(facts_of(first.review)["team_size"].source, review_pb2.Fact.SOURCE_SESSION)
        self.assertNotEqual(decisions(first.review)["architecture.pattern"], "microservices")

    def test_get_session_pages_through_turns_in_order(self):
        first = self.review(FLASH_SALE)
        texts = [FLASH_SALE] + ["%s (follow-up %d)" % (FLASH_SALE, i) for i in range(2, 6)]
        for i, text in enumerate(texts[1:], start=2):
            self.assertEqual(self.review(text, first.session_id).turn, i)
        pages = all_turns(self.stub, first.session_id, page_size=2)
        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        turns = [t for p in pages for t in p]
        self.assertEqual([t.seq for t in turns], [1, 2, 3, 4, 5])
        self.assertEqual([t.request.text for t in turns], texts)
        for t in turns:
            self.assertTrue(t.review.markdown)
            self.assertEqual(t.route.selected[0].agent, "backend-architect")
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.GetSession,
                        pb.GetSessionRequest(session_id=first.session_id, page_token="not a token"))

    def test_list_sessions_pages_newest_first_and_filters_by_title(self):
        tag = uuid.uuid4().hex[:12]
        ids = []
        for i in range(5):
            ids.append(self.stub.CreateSession(pb.CreateSessionRequest(title="Paging %s #%d" % (tag, i)),
                                               timeout=10).id)
        other = self.stub.CreateSession(pb.CreateSessionRequest(title="unrelated"), timeout=10).id
        # A turn makes the first session the most recently updated.
        self.review(FLASH_SALE, ids[0])
        pages = all_sessions(self.stub, title_filter="PAGING " + tag.upper(), page_size=2)
        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        listed = [s for p in pages for s in p]
        self.assertEqual(sorted(s.id for s in listed), sorted(ids))
        self.assertNotIn(other, [s.id for s in listed])
        self.assertEqual(listed[0].id, ids[0])
        self.assertEqual(listed[0].turn_count, 1)
        updated = [s.updated_unix_ms for s in listed]
        self.assertEqual(updated, sorted(updated, reverse=True))
        # Unfiltered, everything is there once.
        everything = [s.id for p in all_sessions(self.stub, page_size=3) for s in p]
        self.assertEqual(len(everything), len(set(everything)))
        self.assertTrue(set(ids + [other]) <= set(everything))

    def test_delete_session_then_it_is_not_found(self):
        first = self.review(FLASH_SALE)
        self.stub.DeleteSession(pb.DeleteSessionRequest(session_id=first.session_id), timeout=10)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.GetSession,
                        pb.GetSessionRequest(session_id=first.session_id))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.Review,
                        pb.ReviewRequest(text=FLASH_SALE, session_id=first.session_id))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.DeleteSession,
                        pb.DeleteSessionRequest(session_id=first.session_id))
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.ExportSession,
                        pb.ExportSessionRequest(session_id=first.session_id))
        self.assertEqual(sql(self.server.db, "SELECT count(*) FROM turns WHERE session_id = ?",
                             (first.session_id,))[0][0], 0)

    def test_export_as_markdown_and_as_json(self):
        first = self.review(SIX, title="Export me")
        second = self.review(MICROSERVICES, first.session_id)
        md = self.stub.ExportSession(pb.ExportSessionRequest(session_id=first.session_id), timeout=10)
        self.assertEqual(md.content_type, "text/markdown")
        self.assertIn("Export me", md.content)
        self.assertLess(md.content.index("# Turn 1"), md.content.index(SIX))
        self.assertLess(md.content.index(SIX), md.content.index("# Turn 2"))
        self.assertLess(md.content.index("# Turn 2"), md.content.index(MICROSERVICES))
        self.assertIn(second.review.markdown.strip(), md.content)

        exported = self.stub.ExportSession(pb.ExportSessionRequest(session_id=first.session_id,
                                                                   format=pb.EXPORT_FORMAT_JSON), timeout=10)
        self.assertEqual(exported.content_type, "application/json")
        doc = json.loads(exported.content)
        self.assertEqual(doc["session"]["id"], first.session_id)
        self.assertEqual([t["request"]["text"] for t in doc["turns"]], [SIX, MICROSERVICES])
        self.assertEqual([t["seq"] for t in doc["turns"]], [1, 2])
        self.assertEqual(doc["turns"][1]["review"]["markdown"], second.review.markdown)

    def test_prune_removes_only_sessions_idle_past_the_cutoff(self):
        old = self.review(FLASH_SALE).session_id
        recent = self.review(FLASH_SALE).session_id
        now_ms = int(time.time() * 1000)
        sql(self.server.db, "UPDATE sessions SET updated_ms = ? WHERE id = ?", (now_ms - 3 * DAY_MS, old))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.PruneSessions,
                        pb.PruneSessionsRequest(older_than_days=0))
        pruned = self.stub.PruneSessions(pb.PruneSessionsRequest(older_than_days=2), timeout=30)
        self.assertGreaterEqual(pruned.deleted, 1)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.GetSession, pb.GetSessionRequest(session_id=old))
        self.assertEqual(len(all_turns(self.stub, recent)[0]), 1)


class RetentionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-retention-")
        self.db = os.path.join(self.tmp, "agentd.db")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_retention_days_prunes_old_sessions_at_start(self):
        with AgentdProcess(db=self.db) as server:
            stub = server.stub()
            old = stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10).session_id
            kept = stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10).session_id
        now_ms = int(time.time() * 1000)
        sql(self.db, "UPDATE sessions SET updated_ms = ? WHERE id = ?", (now_ms - 10 * DAY_MS, old))

        with AgentdProcess(db=self.db, extra_args=["--retention_days=7"]) as server:
            stub = server.stub()
            # Pruning runs beside serving: poll for its effect, with a bound.
            deadline = time.monotonic() + 30
            while True:
                ids = {s.id for p in all_sessions(stub) for s in p}
                if old not in ids or time.monotonic() > deadline:
                    break
            self.assertNotIn(old, ids)
            self.assertIn(kept, ids)
            self.assertEqual(len(all_turns(stub, kept)[0]), 1)

    def test_a_bad_retention_value_is_refused_at_start(self):
        server = AgentdProcess(db=self.db, extra_args=["--retention_days=soon"])
        try:
            with self.assertRaises(RuntimeError):
                server.start()
            self.assertEqual(server.proc.returncode, 2)
        finally:
            server.cleanup()


class StorageFailureTest(unittest.TestCase, RpcAssertions):
    """Writes that cannot be made fail the RPC with a clear status; the
    database stays consistent and reads keep being answered."""

    def setUp(self):
        self.tmp = scratch_dir("agentd-storage-")
        self.db = os.path.join(self.tmp, "agentd.db")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_acknowledged(self, stub, acknowledged):
        by_session = {}
        for session_id, seq, text in acknowledged:
            by_session.setdefault(session_id, {})[seq] = text
        for session_id, expected in by_session.items():
            turns = [t for p in all_turns(stub, session_id) for t in p]
            self.assertEqual({t.seq: t.request.text for t in turns}, expected)
            self.assertTrue(all(t.review.markdown for t in turns))

    def integrity(self):
        return sql(self.db, "PRAGMA integrity_check")[0][0], sql(self.db, "PRAGMA foreign_key_check")

    def test_quota_reached_fails_the_review_with_resource_exhausted_and_reads_go_on(self):
        with AgentdProcess(db=self.db, extra_args=["--db_max_bytes=%d" % (256 * 1024)]) as server:
            stub = server.stub()
            acknowledged, session_id, error = [], "", None
            for i in range(2000):
                text = "%s (question %d)" % (FLASH_SALE, i)
                try:
                    r = stub.Review(pb.ReviewRequest(text=text, session_id=session_id), timeout=30)
                except grpc.RpcError as e:
                    error = e
                    break
                acknowledged.append((r.session_id, r.turn, text))
                # Five turns per session, so both new sessions and follow-ups fill the file.
                session_id = r.session_id if r.turn < 5 else ""
            self.assertIsNotNone(error, "the quota was never reached")
            self.assertEqual(error.code(), grpc.StatusCode.RESOURCE_EXHAUSTED, error.details())
            self.assertIn("full", error.details())
            self.assertNotIn(self.tmp, error.details())  # no server paths reach a client
            self.assertNotIn(".db", error.details())
            self.assertGreater(len(acknowledged), 3)

            # Reads keep working, and everything acknowledged is there, whole.
            self.assertTrue(health_serving(server.address))
            self.check_acknowledged(stub, acknowledged)
            listed = {s.id for p in all_sessions(stub) for s in p}
            self.assertEqual(listed, {a[0] for a in acknowledged})
            self.assertEqual(self.integrity(), ("ok", []))
            # Still full for the next write, not broken.
            self.assertCode(grpc.StatusCode.RESOURCE_EXHAUSTED, stub.Review,
                            pb.ReviewRequest(text=FLASH_SALE), timeout=30)

            # Deleting sessions frees pages, and writes succeed again.
            for session_id in sorted({a[0] for a in acknowledged})[:3]:
                stub.DeleteSession(pb.DeleteSessionRequest(session_id=session_id), timeout=30)
            again = stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=30)
            self.assertEqual(again.turn, 1)
        self.assertEqual(self.integrity(), ("ok", []))

    def test_locked_database_fails_the_review_with_unavailable_and_reads_go_on(self):
        with AgentdProcess(db=self.db) as server:
            stub = server.stub()
            first = stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10)
            # Another process holds the write lock past agentd's busy_timeout.
            locker = sqlite3.connect(self.db, timeout=10, isolation_level=None)
            try:
                locker.execute("BEGIN IMMEDIATE")
                details = self.assertCode(grpc.StatusCode.UNAVAILABLE, stub.Review,
                                          pb.ReviewRequest(text=FLASH_SALE, session_id=first.session_id),
                                          timeout=60)
                self.assertIn("locked", details)
                self.assertNotIn(self.tmp, details)
                # Reads do not wait for the lock.
                got = stub.GetSession(pb.GetSessionRequest(session_id=first.session_id), timeout=10)
                self.assertEqual([t.seq for t in got.turns], [1])
                self.assertIn(first.session_id, {s.id for p in all_sessions(stub) for s in p})
            finally:
                locker.execute("ROLLBACK")
                locker.close()
            # Once the lock is gone the same follow-up is stored as turn 2.
            second = stub.Review(pb.ReviewRequest(text=FLASH_SALE, session_id=first.session_id), timeout=10)
            self.assertEqual(second.turn, 2)
        self.assertEqual(self.integrity(), ("ok", []))


if __name__ == "__main__":
    unittest.main()
