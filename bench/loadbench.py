#!/usr/bin/python3
"""The load benchmark behind `make bench` (see bench/README.md).

h2load drives every target with the same settings; the baseline is the no-op
echo server (bench/echo_server.cc), measured in the same run. Each agentd
target gets a fresh agentd on a fresh temporary database. Before a target is
loaded its body is sent once through a real gRPC client and the answer
checked; after the run the database is counted (every Review must have
written one complete, non-partial turn) and, for deterministic answers, the
bytes h2load received must be exactly N answers. h2load alone would count a
gRPC error as a success: errors travel in HTTP/2 trailers under status 200.

Usage: loadbench.py BUILD_DIR [--smoke | --long] [--requests N] [--warmup N]
                    [--results bench/RESULTS.md]
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from peers import langgraph  # noqa: E402 (bench/peers/langgraph.py)
from benchreport import Report, replace_section  # noqa: E402
# Re-exported: postgres_bench.py and route_ab.py reach them through this module.
from benchproc import (RssSampler, Server, cpu_seconds, die, h2load, h2load_failure,  # noqa: E402,F401
                       scratch_dir)

# The request texts. REVIEW_ONE is answered by backend-architect alone;
# REVIEW_FIVE names every hosted agent explicitly, so all five run; the
# follow-up adds a fact to an existing session.
ROUTE_TEXT = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")
REVIEW_ONE_TEXT = ROUTE_TEXT
FIVE_AGENTS = ["backend-architect", "api-architect", "database-architect",
               "devops-specialist", "sre-specialist"]
REVIEW_FIVE_TEXT = ("We are 12 engineers in 2 teams building checkout: 10,000 orders per minute "
                    "during flash sales, 99.95% availability, PostgreSQL on AWS. Review the "
                    "architecture, the API versioning, the schema and indexes, the Kubernetes "
                    "deployment and the SLOs with burn-rate alerts.")
FOLLOW_UP_TEXT = "We also need an audit trail of every order change, kept for 7 years."

ECHO_PATH = "/agentd.bench.Echo/Echo"
SERVICE = "/agentd.v1.Orchestrator/"


# ---------------------------------------------------------------- bench

class Bench(Report):
    def __init__(self, opts):
        self.opts = opts
        self.build = os.path.abspath(opts.build_dir)
        self.bin = os.path.join(self.build, "bin")
        sys.path.insert(0, os.path.join(self.build, "python"))
        global orchestrator_pb2
        from agentd.v1 import orchestrator_pb2  # noqa: F401 (generated at build time)
        for tool in ("agentd", "agentd-bench-echo", "agentd-bench-bodies"):
            if not os.access(os.path.join(self.bin, tool), os.X_OK):
                die("%s/%s is not built (ninja -C %s agentd agentd-bench-echo agentd-bench-bodies)"
                    % (self.bin, tool, self.build))
        if shutil.which("h2load") is None:
            die("h2load is not installed (Debian: apt-get install nghttp2-client)")
        self.work = scratch_dir("agentd-bench-", keep=opts.keep)  # removed at exit, also on a failure
        self.rows = []
        with open("/proc/loadavg") as f:
            self.loadavg = " ".join(f.read().split()[:3])  # other work on the machine skews every row
        # The commit at the start: the tree may move on during a long run.
        self.commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip() or "?"

    # -- bodies and servers

    def body(self, name, *flags):
        path = os.path.join(self.work, name + ".body")
        subprocess.run([os.path.join(self.bin, "agentd-bench-bodies"), "--out=" + path, *flags], check=True)
        with open(path, "rb") as f:
            framed = f.read()
        return path, framed[5:]  # the file, and the bare message for a real call

    def agentd(self, name):
        db_dir = os.path.join(self.work, "db-" + name)
        os.makedirs(db_dir)
        db = os.path.join(db_dir, "agentd.db")
        args = [os.path.join(self.bin, "agentd"), "--listen=127.0.0.1:0", "--db=" + db, "--log_format=json",
                "--agents_dir=" + os.path.join(self.build, "share", "agentd", "agents"),
                "--plugins_dir=" + os.path.join(self.build, "lib", "agentd", "plugins")]
        server = Server(args, "agentd listening on ", self.work)
        server.db = db
        return server

    def echo(self, api):
        return Server([os.path.join(self.bin, "agentd-bench-echo"), "--listen=127.0.0.1:0", "--api=" + api],
                      "echo listening on ", self.work)

    # -- checks

    def check_review(self, server, message, want_agents):
        response = orchestrator_pb2.ReviewResponse.FromString(server.call(SERVICE + "Review", message))
        ran = [(a.agent, a.status) for a in response.review.agents]
        ok = [a for a, status in ran if status == 1]  # AGENT_STATUS_OK
        if response.review.partial or sorted(ok) != sorted(want_agents):
            die("the review body does not do what it should: wanted %s all OK, got %s (partial=%s)"
                % (want_agents, ran, response.review.partial))
        return response

    def count_turns(self, db):
        conn = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            return dict(conn.execute("SELECT status, count(*) FROM turns GROUP BY status").fetchall())
        finally:
            conn.close()

    # -- one target

    def run_target(self, name, server, path, body, check, expect_turns=None, response_size=None):
        """Warm up, then the measured run with RSS sampling; returns one table row."""
        o = self.opts
        row = {"target": name}
        row["rss_idle"] = server.status("VmRSS")
        warm = h2load(server.address, path, body, o.warmup, o.connections, o.streams)
        row["rss_warm"] = server.status("VmRSS")
        sampler = RssSampler(server, o.rss_period)
        sampler.start()
        log = os.path.join(self.work, name.replace(" ", "_") + ".h2load.log")
        run = h2load(server.address, path, body, o.requests, o.connections, o.streams, log_file=log)
        sampler.stop()
        if server.proc.poll() is not None:  # it died under load: say so, and go on with the others
            server.log.close()
            row.update(rps=run["rps"], p50=float("nan"), p90=float("nan"), p99=float("nan"), requests=o.requests,
                       rss_end=float("nan"), rss_peak=max([m for _, m in sampler.samples] or [float("nan")]),
                       threads=0, samples=sampler.samples, check=check,
                       failures=["the server died under load (exit status %d; a negative status is the signal); "
                                 "%d of %d requests answered" % (server.proc.returncode, run["succeeded"],
                                                                  o.requests)])
            self.rows.append(row)
            print("  %-28s FAILED: %s" % (name, row["failures"][0]), flush=True)
            return row
        if "p50" not in run:
            die("h2load logged no request for %s" % name)
        row.update({k: run[k] for k in ("rps", "p50", "p90", "p99", "requests")})
        row["rss_end"] = server.status("VmRSS")
        row["rss_peak"] = server.status("VmHWM")
        row["threads"] = server.threads()
        row["samples"] = sampler.samples
        failures = [f for f in (h2load_failure("warm-up", warm), h2load_failure("run", run)) if f]
        if response_size is not None:
            # A gRPC error answers with trailers only: no DATA. Every answer
            # here has the same size, so the data bytes must be N answers.
            for label, r in (("warm-up", warm), ("run", run)):
                if r["data_bytes"] != r["requests"] * (5 + response_size):
                    failures.append("%s: %d data bytes received, expected %d answers of %d bytes"
                                    % (label, r["data_bytes"], r["requests"], 5 + response_size))
        server.stop()
        if expect_turns is not None:
            turns = self.count_turns(server.db)
            want = expect_turns + o.warmup + o.requests
            if turns.get("ok", 0) != want or len(turns) != 1:
                failures.append("database holds turns %s, expected %d ok" % (turns, want))
            row["turns"] = turns.get("ok", 0)
        row["failures"] = failures
        row["check"] = check
        if getattr(server, "db", None) and not failures and not o.keep:
            # Gigabytes of turns: freed now, so that the kernel does not write
            # them back while the next targets are measured.
            shutil.rmtree(os.path.dirname(server.db), ignore_errors=True)
        self.rows.append(row)
        status = "FAILED: " + "; ".join(failures) if failures else "ok"
        print("  %-28s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  peak RSS %5.1f MiB  %s"
              % (name, row["rps"], row["p50"], row["p99"], row["rss_peak"], status), flush=True)
        return row

    # -- the targets

    def startup(self, runs=5):
        """Exec → health SERVING, best of `runs`, each on a fresh database."""
        times, rss, cpu = [], [], []
        for i in range(runs):
            s = self.agentd("startup-%d" % i).start()
            times.append(s.serving_after * 1000.0)
            cpu.append(s.cpu_to_serving * 1000.0)
            rss.append(s.status("VmRSS"))
            s.stop()
        # The CPU time to SERVING moves far less than the wall time on a
        # machine shared with other work.
        return {"best_ms": min(times), "median_ms": statistics.median(times), "idle_rss": min(rss),
                "cpu_ms": statistics.median(cpu)}

    def run(self):
        o = self.opts
        print("agentd load benchmark: %d requests per target after %d warm-up, h2load -c %d -m %d; work dir %s"
              % (o.requests, o.warmup, o.connections, o.streams, self.work), flush=True)
        self.start = self.startup()
        print("  startup to SERVING: best %.1f ms, median %.1f ms (CPU %.0f ms); idle RSS %.1f MiB"
              % (self.start["best_ms"], self.start["median_ms"], self.start["cpu_ms"], self.start["idle_rss"]),
              flush=True)

        route_body, route_msg = self.body("route", "--message=route", "--text=" + ROUTE_TEXT)
        list_body, list_msg = self.body("list_agents", "--message=list_agents")
        one_body, one_msg = self.body("review1", "--message=review", "--text=" + REVIEW_ONE_TEXT)
        five_body, five_msg = self.body("review5", "--message=review", "--text=" + REVIEW_FIVE_TEXT,
                                        "--agents=" + ",".join(FIVE_AGENTS))

        # Baseline: same body size as Route, echoed back unchanged.
        # agentd serves with the callback API, so the callback echo is the baseline;
        # the sync echo is a second reference.
        for api, label in (("callback", "Echo (callback API, baseline)"), ("sync", "Echo (sync API)")):
            s = self.echo(api).start()
            if s.call(ECHO_PATH, route_msg) != route_msg:
                die("the echo server did not echo")
            self.run_target(label, s, ECHO_PATH, route_body, "echo returns the body", response_size=len(route_msg))
            if o.smoke:
                break

        s = self.agentd("route").start()
        decision = orchestrator_pb2.RouteDecision.FromString(s.call(SERVICE + "Route", route_msg))
        if not decision.selected:
            die("the Route body selects no agent: " + decision.summary)
        self.run_target("Route", s, SERVICE + "Route", route_body,
                        "selects %s" % ", ".join(c.agent for c in decision.selected),
                        response_size=decision.ByteSize())

        s = self.agentd("review1").start()
        first = self.check_review(s, one_msg, ["backend-architect"])
        if len(first.route.selected) != 1:
            die("the single-agent review routes to %d agents" % len(first.route.selected))
        self.run_target("Review, 1 agent, new session", s, SERVICE + "Review", one_body,
                        "backend-architect OK, turn stored", expect_turns=1)

        s = self.agentd("review5").start()
        five = self.check_review(s, five_msg, FIVE_AGENTS)
        self.run_target("Review, 5 agents, new session", s, SERVICE + "Review", five_body,
                        "5 agents OK, turn stored", expect_turns=1)
        self.run_peer(five.review)

        s = self.agentd("followup").start()
        created = self.check_review(s, one_msg, ["backend-architect"])
        follow_body, follow_msg = self.body("followup", "--message=review", "--text=" + FOLLOW_UP_TEXT,
                                            "--agents=backend-architect", "--session_id=" + created.session_id)
        second = self.check_review(s, follow_msg, ["backend-architect"])
        if second.turn != 2:
            die("the follow-up landed as turn %d, expected 2" % second.turn)
        self.run_target("Review, follow-up turn", s, SERVICE + "Review", follow_body,
                        "same session, turn stored", expect_turns=2)

        s = self.agentd("list").start()
        agents = orchestrator_pb2.ListAgentsResponse.FromString(s.call(SERVICE + "ListAgents", list_msg))
        if len(agents.agents) != len(FIVE_AGENTS):
            die("ListAgents lists %d agents, expected %d" % (len(agents.agents), len(FIVE_AGENTS)))
        # in_flight is 0 when idle, so every answer has the same size.
        self.run_target("ListAgents", s, SERVICE + "ListAgents", list_body, "5 cards",
                        response_size=agents.ByteSize())
        self.interleaved(route_body, list_body, rounds=1 if o.smoke else 5)
        peer_ok = self.peer is None or not self.peer["failures"]
        return all(not r["failures"] for r in self.rows) and not self.rounds["failures"] and peer_ok

    def run_peer(self, review):
        """The LangGraph.js peer on the same five agents' sections (bench/peers/)."""
        o = self.opts
        self.peer = None
        if o.no_peer or (o.smoke and not langgraph.installed()):
            return
        if not langgraph.installed():
            self.peer = {"failures": ["the LangGraph.js peer is not installed (make bench installs it)"]}
        else:
            # The peer is two orders slower: a twentieth of the requests is still a run of many seconds.
            n = max(100, o.requests // 20)
            self.peer = langgraph.run(self.work, review, FIVE_AGENTS, n, max(10, o.warmup // 20),
                                      in_flight=o.connections)
        p = self.peer
        print("  %-28s %s" % ("LangGraph.js peer", "FAILED: " + "; ".join(p["failures"]) if p["failures"] else
                              "%9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %d threads checkpointed"
                              % (p["rps"], p["p50"], p["p99"], p["threads"])), flush=True)

    def interleaved(self, route_body, list_body, rounds):
        """Echo, Route and ListAgents in turn, `rounds` times, on servers kept
        running: this VM's speed drifts 10-20 % within minutes, so a ratio
        from one run of each target moves with it; the median of ratios taken
        seconds apart does not. The Route and ListAgents verdicts use it."""
        o = self.opts
        servers = [("Echo", self.echo("callback").start(), ECHO_PATH, route_body),
                   ("Route", self.agentd("route-rounds").start(), SERVICE + "Route", route_body),
                   ("ListAgents", self.agentd("list-rounds").start(), SERVICE + "ListAgents", list_body)]
        requests = max(1, o.requests // 2)
        failures = []
        ratios = {"Route": [], "ListAgents": []}

        def measure(name, server, path, body, n):
            r = h2load(server.address, path, body, n, o.connections, o.streams)
            failure = h2load_failure(name, r)
            if failure:
                failures.append(failure)
            return r["rps"]

        for name, server, path, body in servers:
            measure(name, server, path, body, o.warmup)
        for _ in range(rounds):
            rps = {name: measure(name, server, path, body, requests) for name, server, path, body in servers}
            for name in ratios:
                ratios[name].append(rps[name] / rps["Echo"])
        for _, server, _, _ in servers:
            server.stop()
        self.rounds = {"count": rounds, "requests": requests, "ratios": ratios, "failures": failures}
        print("  interleaved, %d rounds: Route %s; ListAgents %s%s"
              % (rounds, " ".join("%.3f" % r for r in ratios["Route"]),
                 " ".join("%.3f" % r for r in ratios["ListAgents"]),
                 "" if not failures else "  FAILED: " + "; ".join(failures)), flush=True)

    def run_long(self):
        """RSS flatness: one agentd, five-agent reviews, opts.requests of them."""
        o = self.opts
        five_body, five_msg = self.body("review5", "--message=review", "--text=" + REVIEW_FIVE_TEXT,
                                        "--agents=" + ",".join(FIVE_AGENTS))
        print("agentd RSS flatness run: %d five-agent reviews after %d warm-up, h2load -c %d -m %d"
              % (o.requests, o.warmup, o.connections, o.streams), flush=True)
        s = self.agentd("long").start()
        self.check_review(s, five_msg, FIVE_AGENTS)
        row = self.run_target("Review, 5 agents (long run)", s, SERVICE + "Review", five_body,
                              "5 agents OK, turn stored", expect_turns=1)
        return not row["failures"]

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build_dir")
    p.add_argument("--requests", type=int)
    p.add_argument("--warmup", type=int)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--streams", type=int, default=32)
    p.add_argument("--rss-period", type=float, default=1.0, help="seconds between RSS samples")
    p.add_argument("--smoke", action="store_true", help="tiny counts: checks that the benchmark works")
    p.add_argument("--long", action="store_true", help="RSS flatness: 1,000,000 five-agent reviews")
    p.add_argument("--results", help="write the report into this Markdown file (between markers)")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs, databases)")
    p.add_argument("--no-peer", action="store_true", help="skip the LangGraph.js peer")
    o = p.parse_args()
    if o.smoke:
        o.requests, o.warmup = o.requests or 200, o.warmup or 20
        o.connections, o.streams, o.rss_period = 2, 4, 0.2
    elif o.long:
        o.requests, o.warmup = o.requests or 1_000_000, o.warmup or 10_000
    else:
        o.requests, o.warmup = o.requests or 100_000, o.warmup or 10_000

    bench = Bench(o)
    ok = bench.run_long() if o.long else bench.run()
    report = bench.report_long() if o.long else bench.report()
    print()
    print(report)
    if o.results and not o.smoke:
        replace_section(o.results, "long-run" if o.long else "last-run", report)
        print("\nwritten to " + o.results)
    if o.keep:
        print("work dir kept: " + bench.work)
    elif not ok:
        print("work dir removed; run with --keep to keep its logs and databases")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
