"""The LangGraph.js peer of `make bench` (see bench/README.md).

The same five-agent review as agentd's "Review, 5 agents" target, written as
a LangGraph.js user would write it (bench/peers/langgraph/review_graph.mjs):
a router, five agents in one superstep, a merge, SqliteSaver, 16 calls in
flight. Each agent returns the sections the bundled agent of that name
returned in a real agentd review, so both sides move the same text.

`make bench` installs the npm packages (`install()`); loadbench.py calls
`run()` and reports the row next to agentd's.
"""

import json
import os
import shutil
import subprocess

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "langgraph")
SCRIPT = os.path.join(HERE, "review_graph.mjs")


def installed():
    return os.path.isdir(os.path.join(HERE, "node_modules", "@langchain", "langgraph-checkpoint-sqlite"))


def install():
    """npm ci from the committed lock file. better-sqlite3 builds from source
    against the system's Node headers (/usr/include/node), as the registry is
    the only network here."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the LangGraph.js peer (make deps)")
    env = dict(os.environ, npm_config_nodedir=os.environ.get("npm_config_nodedir", "/usr"),
               npm_config_audit="false", npm_config_fund="false")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, env=env, check=True)


def canned_sections(review):
    """{agent: [{id, heading, body}]} from an agentd Review message: each
    section under its owner, its items as the text the agent wrote."""
    out = {}
    for section in review.sections:
        lines = []
        for item in section.items:
            parts = [item.label + ": " if item.label else "", item.text]
            if item.rationale:
                parts.append(" (" + item.rationale + ")")
            if item.mitigation:
                parts.append(" Mitigation: " + item.mitigation)
            lines.append("".join(parts))
        out.setdefault(section.owner, []).append(
            {"id": section.id, "heading": section.heading, "body": "\n".join(lines)})
    for decision in review.decisions:
        out.setdefault(decision.agent, []).append(
            {"id": "decision." + decision.key, "heading": decision.key,
             "body": decision.value + ": " + decision.rationale})
    return out


def run(work_dir, review, agents, requests, warmup, in_flight=16, text=""):
    """Runs the peer once on a fresh SQLite file; returns its JSON report with
    `failures` filled in when the run did not check out."""
    sections = {a: s for a, s in canned_sections(review).items() if a in agents}
    missing = sorted(set(agents) - set(sections))
    if missing:
        return {"failures": ["the agentd review has no sections from %s" % ", ".join(missing)]}
    sections_file = os.path.join(work_dir, "langgraph-sections.json")
    with open(sections_file, "w") as f:
        json.dump(sections, f)
    db = os.path.join(work_dir, "langgraph.sqlite")
    args = ["node", SCRIPT, "--sections=" + sections_file, "--db=" + db, "--requests=%d" % requests,
            "--warmup=%d" % warmup, "--in_flight=%d" % in_flight]
    if text:
        args.append("--text=" + text)
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        return {"failures": ["the LangGraph.js peer failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]]}
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["failures"] = []
    if row["threads"] != requests + warmup:
        row["failures"].append("SqliteSaver holds %d threads, expected %d" % (row["threads"], requests + warmup))
    row["bytes_per_agent"] = sum(len(s["body"]) + len(s["heading"]) for v in sections.values() for s in v) // len(
        sections)
    return row
