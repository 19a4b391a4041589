"""Processes and load for the benchmarks (bench/loadbench.py and its kin).

Server starts one server process (agentd or the echo) on a free loopback
port and times exec → health SERVING; RssSampler follows its memory;
h2load runs one load and reads its figures; scratch_dir makes the run's
work dir. Nothing outlives the script however it ends (an exception, die(),
Ctrl-C, SIGTERM): servers still running are killed and work dirs not kept
are removed at exit.
"""

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import grpc

_SERVING = b"\x08\x01"  # grpc.health.v1.HealthCheckResponse{status: SERVING}


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` so far, all threads."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def die(message):
    print("loadbench: " + message, file=sys.stderr)
    sys.exit(1)


_RUNNING = set()     # Servers started and not stopped
_SCRATCH = set()     # work dirs to remove at exit


def scratch_dir(prefix, keep=False):
    """A new temporary folder, removed when the script exits unless `keep`."""
    path = tempfile.mkdtemp(prefix=prefix)
    if not keep:
        _SCRATCH.add(path)
    return path


def _at_exit():
    for server in list(_RUNNING):
        server.proc.kill()
        server.proc.wait()
    for path in _SCRATCH:
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_at_exit)
if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:  # SIGTERM exits as Ctrl-C does: cleaning up
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def log_tail(path, lines=20):
    """The last lines of a server's log, for a message about it (its work dir may not be kept)."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Server:
    """One server process (agentd or the echo) on a free loopback port."""

    def __init__(self, args, banner, workdir):
        self.args = args
        self.banner = banner
        self.log_path = os.path.join(workdir, os.path.basename(args[0]) + ".log")
        self.proc = None
        self.address = None
        self.started_at = None

    def start(self):
        self.log = open(self.log_path, "a")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        _RUNNING.add(self)
        line = self.proc.stdout.readline()
        if not line.startswith(self.banner):
            self.proc.wait(timeout=10)
            die("%s did not start (%r); log %s:\n%s" % (self.args[0], line, self.log_path, log_tail(self.log_path)))
        self.address = line.split()[-1]
        self.channel = grpc.insecure_channel(self.address)
        deadline = time.monotonic() + 30
        while not self.serving():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                die("%s never became SERVING; log %s:\n%s" % (self.args[0], self.log_path, log_tail(self.log_path)))
        self.serving_after = time.monotonic() - self.started_at
        self.cpu_to_serving = cpu_seconds(self.proc.pid)
        return self

    def serving(self):
        check = self.channel.unary_unary("/grpc.health.v1.Health/Check")
        try:
            return check(b"", timeout=1.0) == _SERVING
        except grpc.RpcError:
            return False

    def call(self, path, message, timeout=30.0):
        """One real unary call with raw bytes; raises grpc.RpcError on a non-OK status."""
        return self.channel.unary_unary(path)(message, timeout=timeout)

    def status(self, key):
        """A /proc/PID/status figure in MiB (VmRSS, VmHWM)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
        raise KeyError(key)

    def threads(self):
        return len(os.listdir("/proc/%d/task" % self.proc.pid))

    def stop(self):
        self.channel.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        _RUNNING.discard(self)
        self.log.close()
        if self.proc.returncode not in (0, -signal.SIGTERM):
            die("%s exited with %s; log %s:\n%s" % (self.args[0], self.proc.returncode, self.log_path,
                                                     log_tail(self.log_path)))


class RssSampler(threading.Thread):
    """Samples VmRSS every `period` seconds while a run goes on."""

    def __init__(self, server, period):
        super().__init__(daemon=True)
        self.server, self.period = server, period
        self.samples = []  # (seconds since start, MiB)
        self.done = threading.Event()

    def run(self):
        start = time.monotonic()
        while not self.done.wait(self.period):
            try:
                self.samples.append((time.monotonic() - start, self.server.status("VmRSS")))
            except (OSError, KeyError):
                return

    def stop(self):
        self.done.set()
        self.join()


# ---------------------------------------------------------------- h2load

def h2load(address, path, body, requests, connections, streams, log_file=None):
    """Runs h2load once; returns its summary figures (and latencies if logged)."""
    args = ["h2load", "-n", str(requests), "-c", str(connections), "-m", str(streams),
            "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers"]
    if log_file:
        args += ["--log-file", log_file]
    args.append("http://%s%s" % (address, path))
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        die("h2load failed (%d): %s\n%s" % (out.returncode, " ".join(args), out.stderr + out.stdout))
    text = out.stdout
    m = re.search(r"finished in ([\d.]+)(\w+), ([\d.]+) req/s", text)
    r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    t = re.search(r"traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers .*?\((\d+)\) data", text)
    if not (m and r and t):
        die("cannot read h2load's output:\n" + text)
    result = {
        "rps": float(m.group(3)),
        "requests": int(r.group(1)),
        "succeeded": int(r.group(4)),
        "failed": int(r.group(5)) + int(r.group(6)) + int(r.group(7)),
        "data_bytes": int(t.group(3)),
        "output": text,
    }
    if log_file:
        with open(log_file) as f:
            micros = sorted(int(line.split("\t")[2]) for line in f if line.strip())
        if micros:  # fewer than `requests` when the server died; the caller checks
            result["p50"], result["p90"], result["p99"] = (percentile(micros, q) / 1000.0 for q in (50, 90, 99))
    return result


def h2load_failure(label, r):
    """None when every request of an h2load run succeeded, else why not."""
    if r["failed"] or r["succeeded"] != r["requests"]:
        return "%s: h2load %d failed, %d/%d succeeded" % (label, r["failed"], r["succeeded"], r["requests"])
    return None


def percentile(sorted_values, q):
    """Nearest-rank percentile."""
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]
