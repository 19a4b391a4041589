"""Durability across a crash: clients run reviews (new sessions and
follow-ups) against the real agentd and record every turn the server
acknowledged; agentd is killed with SIGKILL while reviews are in flight; after
a restart on the same database every acknowledged turn is there, whole, and
SQLite's integrity check passes. Two rounds, the second continuing the
sessions of the first."""

import os
import random
import shutil
import sqlite3
import threading
import unittest


import grpc

from agentd_fixture import AgentdProcess, scratch_dir, orchestrator_pb2 as pb, store_pb2, stored_message

CLIENTS = 6
KILL_AFTER = 40          # acknowledged turns per round before the SIGKILL
QUESTIONS = [
    "We need to handle {n},000 orders per minute during flash sales. Should we use microservices?",
    "We are {n} engineers in 3 teams. How should we cache product pages?",
    "Our payments need strong consistency on PostgreSQL; how do we scale reads for {n}k users?",
    "Which message broker fits {n},000 events per second with replay?",
]


class Ledger:
    """Acknowledged turns, shared by the client threads."""

    def __init__(self):
        self.cond = threading.Condition()
        self.turns = {}          # (session_id, seq) -> request text
        self.round_count = 0

    def record(self, session_id, seq, text):
        with self.cond:
            key = (session_id, seq)
            if key in self.turns:
                raise AssertionError("turn %s acknowledged twice" % (key,))
            self.turns[key] = text
            self.round_count += 1
            self.cond.notify_all()

    def fail(self, message, errors):
        with self.cond:
            errors.append(message)
            self.cond.notify_all()

    def sessions(self):
        with self.cond:
            return sorted({s for s, _ in self.turns})


def client(address, ledger, seed, known_sessions, killing, stop, errors):
    rng = random.Random(seed)
    channel = grpc.insecure_channel(address)
    stub = pb_stub(channel)
    mine = list(known_sessions)
    try:
        i = 0
        while not stop.is_set():
            i += 1
            session_id = rng.choice(mine) if mine and rng.random() < 0.6 else ""
            text = rng.choice(QUESTIONS).format(n=rng.randint(2, 90)) + " (client %d, request %d)" % (seed, i)
            try:
                r = stub.Review(pb.ReviewRequest(text=text, session_id=session_id), timeout=30)
            except grpc.RpcError as e:
                if killing.is_set():
                    return  # the server is being killed: this request was not acknowledged
                ledger.fail("%s: %s" % (e.code(), e.details()), errors)
                return
            if session_id and r.session_id != session_id:
                ledger.fail("follow-up answered in session %s, not %s" % (r.session_id, session_id), errors)
            ledger.record(r.session_id, r.turn, text)
            if r.session_id not in mine:
                mine.append(r.session_id)
    finally:
        channel.close()


def pb_stub(channel):
    from agentd_fixture import orchestrator_pb2_grpc
    return orchestrator_pb2_grpc.OrchestratorStub(channel)


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("agentd-crash-")
        self.db = os.path.join(self.tmp, "agentd.db")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self):
        server = AgentdProcess(db=self.db).start()
        self.servers.append(server)
        return server

    def run_round_and_kill(self, ledger, round_no):
        server = self.start()
        ledger.round_count = 0
        killing, stop, errors = threading.Event(), threading.Event(), []
        known = ledger.sessions()
        threads = [threading.Thread(target=client,
                                    args=(server.address, ledger, round_no * 100 + c, known, killing, stop,
                                          errors))
                   for c in range(CLIENTS)]
        for t in threads:
            t.start()
        with ledger.cond:
            reached = ledger.cond.wait_for(lambda: ledger.round_count >= KILL_AFTER or errors, timeout=120)
        killing.set()
        server.kill()          # SIGKILL, with the clients' next reviews in flight
        stop.set()
        for t in threads:
            t.join(timeout=60)
            self.assertFalse(t.is_alive())
        self.assertEqual(errors, [])
        self.assertTrue(reached, "only %d turns acknowledged before the bound" % ledger.round_count)
        self.assertLess(server.proc.returncode, 0)  # killed by a signal, not a clean exit

    def check_database(self):
        db = sqlite3.connect(self.db)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
            # Whatever was stored is whole: turns numbered 1..turn_count, each
            # with its body: the request and every agent's run and answer.
            for session_id, turn_count in db.execute("SELECT id, turn_count FROM sessions"):
                seqs = [s for (s,) in db.execute("SELECT seq FROM turns WHERE session_id = ? ORDER BY seq",
                                                 (session_id,))]
                self.assertEqual(seqs, list(range(1, turn_count + 1)), session_id)
            for session_id, seq, blob in db.execute("SELECT session_id, seq, body FROM turns"):
                body = store_pb2.StoredTurn.FromString(stored_message(blob))
                self.assertTrue(body.request.text and body.runs, (session_id, seq))
                self.assertEqual(len(body.outputs), len(body.runs), (session_id, seq))
                self.assertTrue(any(o.sections for o in body.outputs), (session_id, seq))
        finally:
            db.close()

    def check_acknowledged(self, server, ledger):
        stub = server.stub()
        for session_id in ledger.sessions():
            turns, token = [], ""
            while True:
                page = stub.GetSession(pb.GetSessionRequest(session_id=session_id, page_token=token), timeout=10)
                turns.extend(page.turns)
                token = page.next_page_token
                if not token:
                    break
            stored = {t.seq: t for t in turns}
            for (s, seq), text in ledger.turns.items():
                if s != session_id:
                    continue
                self.assertIn(seq, stored, "acknowledged turn %s/%d lost" % (session_id, seq))
                self.assertEqual(stored[seq].request.text, text)
                self.assertTrue(stored[seq].review.markdown.startswith("## "), (session_id, seq))
                self.assertTrue(stored[seq].route.selected)

    def test_every_acknowledged_turn_survives_sigkill(self):
        ledger = Ledger()
        for round_no in (1, 2):
            self.run_round_and_kill(ledger, round_no)
            # agentd itself recovers the WAL the killed process left behind.
            server = self.start()
            self.check_acknowledged(server, ledger)
            self.check_database()
            server.stop()
        self.assertGreaterEqual(len(ledger.turns), 2 * KILL_AFTER)
        # Follow-ups happened, so sessions with several turns were checked.
        self.assertTrue(any(seq > 1 for _, seq in ledger.turns))


if __name__ == "__main__":
    unittest.main()
