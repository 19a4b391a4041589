#!/usr/bin/python3
"""Bytes stored per five-agent turn: the real agentd of a build, N reviews of
the load benchmark's five-agent request (each its own new session, as in
`make bench`), then a WAL checkpoint; prints (database + WAL) / turns.

    bench/turn_size.py BUILD_DIR [N] [extra agentd flags...]
"""
import os
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIVE = ["backend-architect", "api-architect", "database-architect", "devops-specialist", "sre-specialist"]
TEXT = ("We are 12 engineers in 2 teams building checkout: 10,000 orders per minute during flash sales, "
        "99.95% availability, PostgreSQL on AWS. Review the architecture, the API versioning, the schema and "
        "indexes, the Kubernetes deployment and the SLOs with burn-rate alerts.")


def main():
    build_dir = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    os.environ["AGENTD_BUILD_DIR"] = build_dir
    os.environ["AGENTD_SOURCE_DIR"] = ROOT
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    import agentd_fixture as fx  # noqa: E402

    server = fx.AgentdProcess(extra_args=sys.argv[3:])
    try:
        stub = server.start().stub()
        for _ in range(n):
            stub.Review(fx.orchestrator_pb2.ReviewRequest(text=TEXT, agents=FIVE), timeout=30)
        server.stop()
        db = sqlite3.connect(server.db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        turns = db.execute("SELECT count(*) FROM turns").fetchone()[0]
        body = db.execute("SELECT avg(length(body)) FROM turns").fetchone()[0]
        if os.environ.get("TURN_SIZE_DETAIL"):
            for row in db.execute("SELECT name, sum(pgsize), sum(payload), sum(unused) FROM dbstat GROUP BY name"):
                print("  %-40s pages %8d  payload %8d  unused %8d" % row)
            print("  facts blob %.0f bytes" % db.execute("SELECT avg(length(facts)) FROM sessions").fetchone()[0])
        if os.environ.get("TURN_SIZE_KEEP"):
            with open(os.environ["TURN_SIZE_KEEP"], "wb") as f:
                f.write(db.execute("SELECT body FROM turns LIMIT 1").fetchone()[0])
        db.close()
        size = sum(os.path.getsize(server.db + s) for s in ("", "-wal") if os.path.exists(server.db + s))
        print("turns %d  bytes/turn %.0f  (body blob %.0f bytes)" % (turns, size / turns, body or 0))
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
