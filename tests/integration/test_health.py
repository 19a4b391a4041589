"""Health tells the truth: NOT_SERVING while the store cannot write (here a
file size limit, RLIMIT_FSIZE, standing in for a full disk), SERVING again
once it can; a database that is malformed at start is refused."""

import os
import resource
import sqlite3
import time
import unittest

import grpc

from agentd_fixture import AgentdProcess, health_serving, orchestrator_pb2 as pb

QUESTION = "We need to handle 10,000 orders per minute during flash sales. Should we use microservices?"


def wait_for(condition, what, deadline_s=30):
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


class HealthTest(unittest.TestCase):
    def test_a_database_malformed_at_start_is_refused_with_a_clear_error(self):
        server = AgentdProcess()
        with open(server.db, "wb") as f:
            f.write(b"this is not a database, " * 1000)
        try:
            with self.assertRaises(RuntimeError) as ctx:
                server.start()
            self.assertIn("agentd cannot start", str(ctx.exception))
            self.assertIn("file is not a database", str(ctx.exception))
        finally:
            server.cleanup()

    def stored_database(self, reviews=12):
        """A server whose database holds `reviews` turns, stopped cleanly (its WAL checkpointed)."""
        server = AgentdProcess(extra_args=["--compress_turns=false"]).start()
        stub = server.stub()
        for i in range(reviews):
            stub.Review(pb.ReviewRequest(text="%s (%d)" % (QUESTION, i), agents=["backend-architect"]), timeout=30)
        server.stop()
        for suffix in ("-wal", "-shm"):  # a clean stop leaves nothing in them
            if os.path.exists(server.db + suffix):
                os.remove(server.db + suffix)
        with open(server.db, "rb") as f:
            header = f.read(100)
        page_size = int.from_bytes(header[16:18], "big")
        self.assertGreater(os.path.getsize(server.db), 8 * page_size)
        return server, page_size

    def assertRefusedAsDamaged(self, server):
        with self.assertRaises(RuntimeError) as ctx:
            server.start()
        self.assertIn("agentd cannot start: DATA_LOSS", str(ctx.exception))
        self.assertIn("damaged", str(ctx.exception))
        self.assertNotEqual(server.proc.returncode, 0)

    def test_a_database_damaged_inside_a_valid_header_is_refused_at_start(self):
        server, page_size = self.stored_database()
        try:
            # The header page (with the schema) stays; the pages after it become noise.
            size = os.path.getsize(server.db)
            with open(server.db, "r+b") as f:
                f.seek(page_size)
                f.write(bytes((i * 7 + 3) % 251 for i in range(size - page_size)))
            self.assertRefusedAsDamaged(server)
        finally:
            server.cleanup()

    def test_a_truncated_database_is_refused_at_start(self):
        server, page_size = self.stored_database()
        try:
            os.truncate(server.db, 3 * page_size)
            self.assertRefusedAsDamaged(server)
        finally:
            server.cleanup()

    def test_not_serving_while_the_store_cannot_write_and_serving_again_after(self):
        # The child inherits a file size limit: a full disk for agentd alone.
        limit = 1024 * 1024
        old = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old[1]))
        try:
            server = AgentdProcess().start()
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, old)
        try:
            stub = server.stub()
            error = None
            for i in range(3000):
                try:
                    stub.Review(pb.ReviewRequest(text="%s (%d)" % (QUESTION, i), agents=["backend-architect"]),
                                timeout=30)
                except grpc.RpcError as e:
                    error = e
                    break
            self.assertIsNotNone(error, "the file size limit was never reached")
            self.assertIn(error.code(), (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED),
                          error.details())
            self.assertFalse(health_serving(server.address))
            # Reads still work while writes cannot.
            stub.ListSessions(pb.ListSessionsRequest(), timeout=30)
            self.assertIn("session store cannot write", server.log())
            # Space again: the server's own probe finds out, without any call.
            try:
                resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE,
                                 (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            except PermissionError:
                self.skipTest("cannot lift another process's RLIMIT_FSIZE here (no CAP_SYS_RESOURCE): "
                              "NOT_SERVING was checked, SERVING again was not")
            wait_for(lambda: health_serving(server.address), "health to say SERVING again")
            again = stub.Review(pb.ReviewRequest(text=QUESTION, agents=["backend-architect"]), timeout=30)
            self.assertEqual(again.turn, 1)
            self.assertIn("session store can write again", server.log())
            server.stop()
            db = sqlite3.connect(server.db)
            try:
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            finally:
                db.close()
        finally:
            server.cleanup()

if __name__ == "__main__":
    unittest.main()
