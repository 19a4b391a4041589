#!/usr/bin/python3
"""Trains the zstd dictionary that turn bodies are compressed with.

Runs the real agentd of a build (its bundled agents and plugins) with
compression off, sends it the requests of eval/*.jsonl (routed as they come,
and again with all five bundled agents named), takes the turn bodies it
stored, and trains a dictionary on them with `zstd --train`.

    tools/train-turn-dictionary.py BUILD_DIR OUT.zdict DICT_ID

Ship the result as db/dictionaries/turns-NNNN.zdict with a new id (ids must
differ from every shipped dictionary's: turns written with an older one
must keep reading). Dev-time only: neither the build nor the tests run it.
"""
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIVE = ["backend-architect", "api-architect", "database-architect", "devops-specialist", "sre-specialist"]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    build_dir, out, dict_id = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    os.environ["AGENTD_BUILD_DIR"] = build_dir
    os.environ["AGENTD_SOURCE_DIR"] = ROOT
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    import agentd_fixture as fx  # noqa: E402  (needs AGENTD_BUILD_DIR)

    texts = []
    for path in sorted(glob.glob(os.path.join(ROOT, "eval", "*.jsonl"))):
        with open(path) as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    with tempfile.TemporaryDirectory(prefix="agentd-dict-") as tmp:
        db = os.path.join(tmp, "agentd.db")
        server = fx.AgentdProcess(extra_args=["--compress_turns=false"], db=db)
        try:
            stub = server.start().stub()
            for text in texts:
                for agents in ([], FIVE):
                    try:
                        stub.Review(fx.orchestrator_pb2.ReviewRequest(text=text, agents=agents), timeout=30)
                    except fx.grpc.RpcError:
                        pass  # off-topic requests reach no agent: nothing stored
        finally:
            server.cleanup()
        samples = os.path.join(tmp, "samples")
        os.mkdir(samples)
        rows = sqlite3.connect(db).execute("SELECT body FROM turns WHERE body IS NOT NULL").fetchall()
        for i, (body,) in enumerate(rows):
            with open(os.path.join(samples, "%05d" % i), "wb") as f:
                f.write(body)
        print("%d turn bodies, %d bytes" % (len(rows), sum(len(b) for (b,) in rows)))
        subprocess.run(["zstd", "--train", "-r", samples, "--maxdict=%d" % int(os.environ.get("MAXDICT", "262144")), "--dictID=%d" % dict_id,
                        "-o", out, "-f", "-q"], check=True)


if __name__ == "__main__":
    main()
