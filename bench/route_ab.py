#!/usr/bin/python3
"""Route A/B: two or more agentd builds against the echo baseline, in turn.

A change to Route's cost is a few per cent; this VM's speed drifts more than
that between two `make bench` runs. Here the echo server and one agentd per
build run side by side, and each round measures Echo, then every build, on
the same h2load settings as `make bench`; the verdict is each build's median
ratio to the Echo of its own round.

    bench/route_ab.py before=/path/to/old/build-release after=build-release
    ROUNDS=5 REQUESTS=50000 bench/route_ab.py ...
    CALL=review5 ROUNDS=3 REQUESTS=3000 WARMUP=1000 bench/route_ab.py ...   # five-agent Reviews

CALL=route (default), review (one agent, new session) or review5 (all five
hosted agents, new session, the body of `make bench`); WARMUP (10000) is
the per-server warm-up request count.

Each NAME=BUILD_DIR needs bin/agentd, share/agentd/agents and
lib/agentd/plugins (copy them aside before rebuilding to keep a "before").
Echo and the request body come from the first build. NAME=BUILD_DIR,FLAG,...
adds agentd flags (env:NAME=VALUE sets an environment variable, e.g.
env:MALLOC_CONF=background_thread:true); the observability A/B of docs/operations.md is
    bench/route_ab.py off=build-release on=build-release,--metrics_listen=127.0.0.1:0,--access_log=/tmp/access.log

Each build's CPU time per request (user + system, all its threads, read
from /proc during its h2load run) is reported beside the ratios: on a
shared machine it moves far less than requests/s.
"""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadbench as lb  # noqa: E402


def main(argv):
    builds = [arg.split("=", 1) for arg in argv[1:]]
    flags = {b[0]: b[1].split(",")[1:] for b in builds if len(b) == 2}
    builds = [(b[0], b[1].split(",")[0]) if len(b) == 2 else b for b in builds]
    if not builds or any(len(b) != 2 for b in builds):
        print(__doc__, file=sys.stderr)
        return 2
    rounds = int(os.environ.get("ROUNDS", "5"))
    requests = int(os.environ.get("REQUESTS", "50000"))
    work = lb.scratch_dir("agentd-route-ab-")  # removed at exit however the run ends
    first = os.path.abspath(builds[0][1])
    body = os.path.join(work, "route.body")
    # CALL=review measures one-agent Reviews (new sessions) instead of Route;
    # CALL=review5 the five-agent Review of `make bench` (all hosted agents named).
    call = os.environ.get("CALL", "route")
    if call not in ("route", "review", "review5"):
        print("CALL must be route, review or review5", file=sys.stderr)
        return 2
    review = call != "route"
    body_flags = {"route": ["--message=route", "--text=" + lb.ROUTE_TEXT],
                  "review": ["--message=review", "--text=" + lb.REVIEW_ONE_TEXT],
                  "review5": ["--message=review", "--text=" + lb.REVIEW_FIVE_TEXT,
                              "--agents=" + ",".join(lb.FIVE_AGENTS)]}[call]
    lb.subprocess.run([os.path.join(first, "bin", "agentd-bench-bodies"), "--out=" + body, *body_flags],
                      check=True)
    servers = [("Echo", lb.Server([os.path.join(first, "bin", "agentd-bench-echo"), "--listen=127.0.0.1:0",
                                   "--api=callback"], "echo listening on ", work), lb.ECHO_PATH)]
    for name, build in builds:
        build = os.path.abspath(build)
        db_dir = tempfile.mkdtemp(dir=work)
        # A flag env:NAME=VALUE sets NAME in that server's environment instead.
        env = ["env"] + [f[4:] for f in flags[name] if f.startswith("env:")]
        flags[name] = [f for f in flags[name] if not f.startswith("env:")]
        servers.append((name, lb.Server(env + [os.path.join(build, "bin", "agentd"), "--listen=127.0.0.1:0",
                                         "--db=" + os.path.join(db_dir, "agentd.db"), "--log_format=json",
                                         "--agents_dir=" + os.path.join(build, "share", "agentd", "agents"),
                                         "--plugins_dir=" + os.path.join(build, "lib", "agentd", "plugins"),
                                         *flags[name]],
                                        "agentd listening on ", work), lb.SERVICE + ("Review" if review else "Route")))
    for _, server, _ in servers:
        server.start()
    try:
        for _, server, path in servers:
            lb.h2load(server.address, path, body, int(os.environ.get("WARMUP", "10000")), 16, 32)
        ratios = {name: [] for name, _ in builds}
        cpu_us = {name: [] for name, _ in builds}  # CPU microseconds per request
        for _ in range(rounds):
            rps = {}
            for name, server, path in servers:
                cpu_before = lb.cpu_seconds(server.proc.pid)
                result = lb.h2load(server.address, path, body, requests, 16, 32)
                failure = lb.h2load_failure(name, result)
                if failure:
                    lb.die(failure)
                rps[name] = result["rps"]
                if name in cpu_us:
                    cpu_us[name].append((lb.cpu_seconds(server.proc.pid) - cpu_before) * 1e6 / requests)
            for name in ratios:
                ratios[name].append(rps[name] / rps["Echo"])
            print("Echo %.0f req/s; " % rps["Echo"] +
                  ", ".join("%s %.3f (%.1f CPU us/req)" % (name, r[-1], cpu_us[name][-1])
                            for name, r in ratios.items()), flush=True)
        print("median %s x Echo over %d rounds: " % ("Review" if review else "Route", rounds) +
              ", ".join("%s %.3f" % (name, statistics.median(r)) for name, r in ratios.items()))
        print("median CPU per request: " +
              ", ".join("%s %.1f us" % (name, statistics.median(c)) for name, c in cpu_us.items()))
    finally:
        for _, server, _ in servers:
            server.stop()
        lb.shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
