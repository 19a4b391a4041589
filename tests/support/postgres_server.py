#!/usr/bin/python3
"""A throwaway PostgreSQL 15 server for tests, from Debian's postgresql-15.

`initdb` in a fresh temporary directory, the server on a free 127.0.0.1
port with its unix socket in that directory, trust authentication for the
superuser `agentd`, and everything removed by destroy(). PostgreSQL refuses
to run as root, so when the tests run as root the cluster is owned by an
unprivileged user, AGENTD_PG_TEST_USER (default `nobody`), and its commands
run through `runuser`. The binaries come from AGENTD_PG_BIN (default
/usr/lib/postgresql/15/bin); when they are missing, find_bin() says why and
callers skip.

Used from Python (PostgresServer, shared()) and from C++ tests
(tests/support/postgres_server.h) through the command line:

  postgres_server.py check                 exit 0 if usable, else prints why
  postgres_server.py start [--durable] [--state FILE]
                                           prints {"dir", "port", "url"} as
                                           JSON (and writes it to FILE)
  postgres_server.py stop DIR              stops the server, keeps the data
  postgres_server.py resume DIR            starts it again on the same port
  postgres_server.py destroy DIR           stops it and removes DIR
  postgres_server.py destroy-state FILE    destroys the server FILE names

Under ctest one server serves a whole run: the fixture tests
postgres_server_start / postgres_server_stop (tests/CMakeLists.txt) start it
and remove it, and AGENTD_TEST_PG_STATE names its state file. Each test
then works in a database of its own; a test that stops the server starts a
private one.
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

PG_BIN = os.environ.get("AGENTD_PG_BIN", "/usr/lib/postgresql/15/bin")
TEST_USER = os.environ.get("AGENTD_PG_TEST_USER", "nobody")
SUPERUSER = "agentd"


def find_bin():
    """(bin_dir, None) when usable, else (None, reason)."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not os.access(os.path.join(PG_BIN, tool), os.X_OK):
            return None, f"PostgreSQL 15 not installed ({PG_BIN}/{tool} missing; tools/install-deps.sh installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(TEST_USER)
        except KeyError:
            return None, f"running as root and user {TEST_USER!r} (AGENTD_PG_TEST_USER) does not exist"
        if shutil.which("runuser") is None:
            return None, "running as root and runuser is missing"
    return PG_BIN, None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(argv):
    return ["runuser", "-u", TEST_USER, "--"] + argv if os.geteuid() == 0 else argv


def _run(argv, timeout=60):
    done = subprocess.run(_as_owner(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{os.path.basename(argv[0])} failed ({done.returncode}): {done.stdout[-2000:]}")
    return done.stdout


class PostgresServer:
    """One cluster in a temporary directory. start() creates it; destroy() removes it."""

    def __init__(self, directory=None, port=None, durable=False):
        self.dir = directory
        self.port = port
        self.durable = durable

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    def url(self, dbname="postgres"):
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self):
        bin_dir, reason = find_bin()
        if bin_dir is None:
            raise RuntimeError(reason)
        self.dir = tempfile.mkdtemp(prefix="agentd-pg-")
        if os.geteuid() == 0:
            owner = pwd.getpwnam(TEST_USER)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        _run([f"{bin_dir}/initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"], timeout=120)
        if not self.durable:  # tests: the server's own crash safety is not what they check
            with open(os.path.join(self.data, "postgresql.conf"), "a", encoding="utf-8") as conf:
                conf.write("fsync = off\nfull_page_writes = off\n")
        for attempt in range(5):
            self.port = _free_port()
            try:
                self.resume()
                break
            except RuntimeError:
                if attempt == 4:
                    raise
        return self

    def resume(self):
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c shared_buffers=32MB -c max_connections=150")
        _run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "60",
              "-o", options, "start"], timeout=90)

    def stop(self):
        _run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"], timeout=90)

    def psql(self, sql, dbname="postgres"):
        """Runs SQL with psql; returns its unaligned, tuples-only output."""
        return subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                               self.url(dbname), "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=60, check=True).stdout.strip()

    def create_database(self, name):
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self):
        if self.dir is None:
            return
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                _run([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"], timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


def _load(directory):
    with open(os.path.join(directory, "server.json"), encoding="utf-8") as f:
        state = json.load(f)
    return PostgresServer(directory, state["port"])


def shared():
    """The ctest run's server (AGENTD_TEST_PG_STATE) if there is one, else None."""
    state = os.environ.get("AGENTD_TEST_PG_STATE", "")
    if not state or not os.path.exists(state):
        return None
    with open(state, encoding="utf-8") as f:
        info = json.load(f)
    return PostgresServer(info["dir"], info["port"])


def main(argv):
    if len(argv) >= 1 and argv[0] == "start":
        state = argv[argv.index("--state") + 1] if "--state" in argv[1:-1] else None
        if state and os.path.exists(state):
            os.remove(state)
        bin_dir, reason = find_bin()
        if bin_dir is None:  # the tests that need it skip, saying this
            print(f"not starting PostgreSQL: {reason}")
            return 0
        server = PostgresServer(durable="--durable" in argv[1:])
        try:
            server.start()
        except Exception:
            server.destroy()
            raise
        with open(os.path.join(server.dir, "server.json"), "w", encoding="utf-8") as f:
            json.dump({"port": server.port}, f)
        info = json.dumps({"dir": server.dir, "port": server.port, "url": server.url()})
        if state:
            with open(state, "w", encoding="utf-8") as f:
                f.write(info)
        print(info)
        return 0
    if len(argv) == 2 and argv[0] == "destroy-state":
        if os.path.exists(argv[1]):
            with open(argv[1], encoding="utf-8") as f:
                PostgresServer(json.load(f)["dir"]).destroy()
            os.remove(argv[1])
        return 0
    if len(argv) == 2 and argv[0] in ("stop", "resume", "destroy"):
        server = _load(argv[1])
        getattr(server, argv[0])()
        return 0
    if len(argv) == 1 and argv[0] == "check":
        bin_dir, reason = find_bin()
        print(reason or bin_dir)
        return 0 if bin_dir else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
