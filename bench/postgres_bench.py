#!/usr/bin/python3
"""Durable five-agent reviews/s on PostgreSQL, one and two agentd replicas,
next to SQLite in the same run (the issue-23 target: one replica on a local
PostgreSQL at least half of SQLite's rate).

A durable PostgreSQL 15 (fsync on, synchronous_commit on; from
tests/support/postgres_server.py, so initdb in a temporary directory) runs
beside the agentd processes. Each target gets a fresh agentd (or two) on a
fresh database, a checked warm-up, then h2load with loadbench.py's settings;
with two replicas two h2load processes run at once, one per replica, and
the rate is all requests over the wall time. Targets are measured in
interleaved rounds (SQLite, PostgreSQL ×1, PostgreSQL ×2, then again) and
the median of the rounds is reported, each as a ratio to SQLite's. After
each run the stored turns are counted from SQL: every acknowledged review
must be there.

Usage: postgres_bench.py BUILD_DIR [--requests N] [--warmup N] [--rounds N]
                         [--connections C] [--streams M] [--smoke]
"""

import argparse
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import loadbench  # noqa: E402
import postgres_server  # noqa: E402

FIVE = "five-agent review"


class PostgresBench(loadbench.Bench):
    def __init__(self, opts):
        super().__init__(opts)
        self.pg = None
        self.databases = 0
        self.sqlite_runs = 0

    def agentd_on(self, url, name):
        server = self.agentd(name)  # a SQLite path by default; the URL replaces it
        server.args = [a if not a.startswith("--db=") else "--db=" + url for a in server.args]
        server.db = url
        return server

    def pg_count(self, dbname):
        return int(self.pg.psql("SELECT count(*) FROM turns WHERE status = 'ok'", dbname=dbname))

    def measure(self, label, replicas, body, message):
        """Starts the target, checks one review, warms up, runs; returns reviews/s."""
        o = self.opts
        if replicas == 0:
            self.sqlite_runs += 1
            servers = [self.agentd("sqlite-%d" % self.sqlite_runs).start()]
        else:
            self.databases += 1
            dbname = "bench%d" % self.databases
            url = self.pg.create_database(dbname)
            servers = [self.agentd_on(url, "pg-%d-%d" % (self.databases, i)).start() for i in range(replicas)]
        for s in servers:
            self.check_review(s, message, loadbench.FIVE_AGENTS)
            warm = loadbench.h2load(s.address, loadbench.SERVICE + "Review", body, o.warmup // len(servers),
                                    o.connections, o.streams)
            if loadbench.h2load_failure("warm-up", warm):
                loadbench.die(loadbench.h2load_failure(label + " warm-up", warm))
        results = [None] * len(servers)
        each = o.requests // len(servers)

        def run(i):
            results[i] = loadbench.h2load(servers[i].address, loadbench.SERVICE + "Review", body, each,
                                          o.connections, o.streams)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(servers))]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
        for r in results:
            failure = loadbench.h2load_failure(label, r)
            if failure:
                loadbench.die(failure)
        for s in servers:
            s.stop()
        expected = len(servers) * (1 + o.warmup // len(servers)) + each * len(servers)
        stored = (self.count_turns(servers[0].db).get("ok", 0) if replicas == 0
                  else self.pg_count("bench%d" % self.databases))
        if stored != expected:
            loadbench.die("%s: %d turns stored, %d reviews acknowledged" % (label, stored, expected))
        return each * len(servers) / wall

    def run_all(self):
        o = self.opts
        _, reason = postgres_server.find_bin()
        if reason:
            loadbench.die(reason)
        self.pg = postgres_server.PostgresServer(durable=True).start()
        try:
            body, message = self.body("review5", "--message=review", "--text=" + loadbench.REVIEW_FIVE_TEXT,
                                      "--agents=" + ",".join(loadbench.FIVE_AGENTS))
            targets = [("SQLite, 1 agentd (baseline)", 0), ("PostgreSQL, 1 replica", 1),
                       ("PostgreSQL, 2 replicas", 2)]
            rates = {label: [] for label, _ in targets}
            for _ in range(o.rounds):
                for label, replicas in targets:
                    rates[label].append(self.measure(label, replicas, body, message))
            base = statistics.median(rates[targets[0][0]])
            with open("/proc/loadavg") as f:
                load_after = " ".join(f.read().split()[:3])
            print("\n%s/s, durable (SQLite synchronous=FULL; PostgreSQL fsync=on, synchronous_commit=on), "
                  "h2load -c %d -m %d per agentd, %d requests per target after %d warm-up, %d interleaved "
                  "round(s), median; commit %s; load average %s before, %s after (shared machine)\n"
                  % (FIVE, o.connections, o.streams, o.requests, o.warmup, o.rounds, self.commit, self.loadavg,
                     load_after))
            print("| target | reviews/s (median) | rounds | × SQLite |")
            print("|---|---|---|---|")
            for label, _ in targets:
                r = rates[label]
                print("| %s | %.0f | %s | %.2f |" % (label, statistics.median(r), ", ".join("%.0f" % x for x in r),
                                                    statistics.median(r) / base))
            one = statistics.median(rates[targets[1][0]]) / base
            print("\nTarget (one replica ≥ 0.5 × SQLite): %s (%.2f)" % ("met" if one >= 0.5 else "NOT met", one))
        finally:
            self.pg.destroy()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("build_dir")
    p.add_argument("--requests", type=int, default=4000)
    p.add_argument("--warmup", type=int, default=400)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--streams", type=int, default=32)
    p.add_argument("--smoke", action="store_true", help="tiny counts: checks that the benchmark works")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    opts = p.parse_args()
    if opts.smoke:
        opts.requests, opts.warmup, opts.rounds, opts.connections, opts.streams = 40, 8, 1, 2, 2
    PostgresBench(opts).run_all()


if __name__ == "__main__":
    main()
