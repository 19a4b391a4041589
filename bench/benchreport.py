"""The report of a load benchmark run (bench/loadbench.py): the Markdown
table, the verdicts against the targets, the machine, and where it is
written in bench/RESULTS.md."""

import datetime
import os
import platform
import re
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


class Report:
    """Mixed into loadbench.Bench: reads its rows, start, rounds and peer."""

    def table(self):
        echo = self.rows[0]
        lines = ["| target | requests/s | × Echo | p50 ms | p90 ms | p99 ms | p99 × Echo | peak RSS MiB | threads | checked |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in self.rows:
            check = r["check"] if not r["failures"] else "**FAILED**: " + "; ".join(r["failures"])
            lines.append("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %d | %s |" % (
                r["target"], r["rps"], r["rps"] / echo["rps"], r["p50"], r["p90"], r["p99"],
                r["p99"] / echo["p99"], r["rss_peak"], r["threads"], check))
        p = getattr(self, "peer", None)
        if p and not p["failures"]:
            lines.append("| LangGraph.js peer: 5 agents, SqliteSaver, %d in flight (%d requests) | %.0f | %.3f | %.2f | "
                         "%.2f | %.2f | %.2f | – | – | %d threads checkpointed |" % (
                             self.opts.connections, p["requests"], p["rps"], p["rps"] / echo["rps"], p["p50"],
                             p["p90"], p["p99"], p["p99"] / echo["p99"], p["threads"]))
        elif p:
            lines.append("| LangGraph.js peer | – | – | – | – | – | – | – | – | **FAILED**: %s |"
                         % "; ".join(p["failures"]))
        return "\n".join(lines)

    def verdicts(self):
        by = {r["target"]: r for r in self.rows}
        echo = self.rows[0]
        five = by["Review, 5 agents, new session"]
        agentd_rows = [r for r in self.rows if not r["target"].startswith("Echo")]
        peak = max(r["rss_peak"] for r in agentd_rows)
        route = statistics.median(self.rounds["ratios"]["Route"])
        listing = statistics.median(self.rounds["ratios"]["ListAgents"])
        interleaved = "median of %d interleaved rounds" % self.rounds["count"]
        checks = [
            ("Review, 5 agents: requests/s ≥ 0.10 × Echo", "%.3f" % (five["rps"] / echo["rps"]),
             five["rps"] / echo["rps"] >= 0.10),
            ("Route: requests/s ≥ 0.75 × Echo (%s)" % interleaved, "%.3f" % route, route >= 0.75),
            ("ListAgents: requests/s ≥ 0.85 × Echo (%s)" % interleaved, "%.3f" % listing, listing >= 0.85),
            ("Review, 5 agents: p99 ≤ 10 × Echo p99", "%.2f ×" % (five["p99"] / echo["p99"]),
             five["p99"] <= 10 * echo["p99"]),
            ("startup to SERVING < 100 ms (best of 5)", "%.1f ms" % self.start["best_ms"],
             self.start["best_ms"] < 100),
            ("idle RSS < 40 MB", "%.1f MiB" % self.start["idle_rss"], self.start["idle_rss"] * 1.048576 < 40),
            ("RSS under load < 200 MB (peak, any target)", "%.1f MiB" % peak, peak * 1.048576 < 200),
        ]
        p = getattr(self, "peer", None)
        if p is not None:
            ratio = five["rps"] / p["rps"] if not p["failures"] else float("nan")
            checks.insert(1, ("Review, 5 agents: requests/s ≥ 30 × the LangGraph.js peer", "%.1f ×" % ratio,
                              ratio >= 30))
        lines = ["| target | measured | met |", "|---|---:|---|"]
        for what, value, ok in checks:
            lines.append("| %s | %s | %s |" % (what, value, "yes" if ok else "**no**"))
        return "\n".join(lines)

    def machine(self):
        cpu = "unknown CPU"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_gib = int(f.readline().split()[1]) / 1024 / 1024
        grpc_version = subprocess.run(["pkg-config", "--modversion", "grpc++"], capture_output=True,
                                      text=True).stdout.strip() or "?"
        h2load_version = subprocess.run(["h2load", "--version"], capture_output=True, text=True).stdout.strip()
        commit = self.commit
        build_type = "?"
        cache = os.path.join(self.build, "CMakeCache.txt")
        if os.path.exists(cache):
            with open(cache) as f:
                m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(\w*)$", f.read(), re.M)
                build_type = m.group(1) if m else "?"
        return ("%s, %d cores, %.0f GiB RAM; Linux %s; gRPC %s; %s; build %s (%s); commit %s; "
                "load average at start %s"
                % (cpu, os.cpu_count(), mem_gib, platform.release(), grpc_version, h2load_version,
                   os.path.relpath(self.build, os.path.dirname(HERE)), build_type, commit, self.loadavg))

    def report(self):
        o = self.opts
        when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        text = ["Run of %s on %s." % (when, self.machine()), "",
                "Settings: h2load -c %d -m %d, %d requests per target after a %d-request warm-up, "
                "each agentd target on a fresh temporary database (WAL, synchronous=FULL)."
                % (o.connections, o.streams, o.requests, o.warmup), "",
                self.table(), "",
                "agentd: startup to SERVING best %.1f ms (median %.1f ms of 5, median CPU time %.0f ms); "
                "idle RSS %.1f MiB."
                % (self.start["best_ms"], self.start["median_ms"], self.start["cpu_ms"], self.start["idle_rss"]), "",
                "Interleaved rounds (Echo, Route and ListAgents in turn on running servers, %d requests "
                "each per round): Route × Echo %s; ListAgents × Echo %s.%s"
                % (self.rounds["requests"], ", ".join("%.3f" % r for r in self.rounds["ratios"]["Route"]),
                   ", ".join("%.3f" % r for r in self.rounds["ratios"]["ListAgents"]),
                   "" if not self.rounds["failures"] else " **FAILED**: " + "; ".join(self.rounds["failures"])),
                "",
                self.verdicts()]
        return "\n".join(text)

    def report_long(self):
        r = self.rows[0]
        o = self.opts
        samples = r["samples"]
        # Growth after warm-up: the last tenth of the run against the first.
        tenth = max(1, len(samples) // 10)
        first = statistics.mean(m for _, m in samples[:tenth]) if samples else r["rss_warm"]
        last = statistics.mean(m for _, m in samples[-tenth:]) if samples else r["rss_end"]
        when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        return "\n".join([
            "Run of %s on %s." % (when, self.machine()), "",
            "%d five-agent reviews (new session each) after a %d-request warm-up, h2load -c %d -m %d, "
            "%.0f req/s, p50 %.2f ms, p99 %.2f ms; %d turns stored, all OK%s."
            % (o.requests, o.warmup, o.connections, o.streams, r["rps"], r["p50"], r["p99"], r.get("turns", 0),
               "" if not r["failures"] else " — **FAILED**: " + "; ".join(r["failures"])), "",
            "| RSS | MiB |", "|---|---:|",
            "| idle, before warm-up | %.1f |" % r["rss_idle"],
            "| after warm-up | %.1f |" % r["rss_warm"],
            "| mean over the first tenth of the run | %.1f |" % first,
            "| mean over the last tenth of the run | %.1f |" % last,
            "| end of run | %.1f |" % r["rss_end"],
            "| peak (VmHWM) | %.1f |" % r["rss_peak"], "",
            "Growth from the first to the last tenth: %+.1f MiB (%+.1f%%), %d samples, one every %.0f s."
            % (last - first, 100.0 * (last - first) / first if first else 0.0, len(samples), o.rss_period),
        ])


def replace_section(path, marker, content):
    """Replaces the text between <!-- BEGIN marker --> and <!-- END marker -->."""
    begin, end = "<!-- BEGIN %s -->" % marker, "<!-- END %s -->" % marker
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        text += "\n%s\n%s\n" % (begin, end)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as f:
        f.write(head + begin + "\n" + content + "\n" + end + tail)
