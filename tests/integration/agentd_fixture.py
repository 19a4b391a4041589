"""Starts the real agentd binary for a test: a free port, a temporary
database, and health polled until SERVING (never a sleep-and-hope).

Nothing outlives the test process: every AgentdProcess and scratch_dir()
not cleaned up by its test (a failed setUp or setUpClass runs no tearDown)
is killed and removed when the process exits, also on SIGTERM."""

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import grpc

BUILD_DIR = os.environ["AGENTD_BUILD_DIR"]
SOURCE_DIR = os.environ["AGENTD_SOURCE_DIR"]
sys.path.insert(0, os.path.join(BUILD_DIR, "python"))

from agentd.v1 import orchestrator_pb2, orchestrator_pb2_grpc, review_pb2, store_pb2  # noqa: E402,F401

AGENTD = os.path.join(BUILD_DIR, "bin", "agentd")
AGENTCTL = os.path.join(BUILD_DIR, "bin", "agentctl")
PLUGINS = os.path.join(BUILD_DIR, "lib", "agentd", "plugins")
TEST_PLUGINS = os.path.join(BUILD_DIR, "tests", "plugins")
AGENTS = os.path.join(BUILD_DIR, "share", "agentd", "agents")

DICTIONARIES = os.path.join(SOURCE_DIR, "db", "dictionaries")


def stored_message(blob):
    """A blob as the store keeps it (db/blob_codec.h): plain protobuf,
    b"\\0s" + a zstd frame (with its checksum), b"\\0d" + a zstd frame made
    with one of db/dictionaries/ (the frame names it), or, from earlier
    versions, b"\\0z" + varint(original size) + zlib stream. Decoded here with
    other libraries than agentd's, so a wrong encoder cannot pass its own
    check."""
    import zlib
    import zstandard
    if blob.startswith(b"\0s"):
        return zstandard.ZstdDecompressor().decompress(blob[2:])
    if blob.startswith(b"\0d"):
        dict_id = zstandard.get_frame_parameters(blob[2:]).dict_id
        path = os.path.join(DICTIONARIES, "turns-%04d.zdict" % dict_id)
        with open(path, "rb") as f:
            dictionary = zstandard.ZstdCompressionDict(f.read())
        return zstandard.ZstdDecompressor(dict_data=dictionary).decompress(blob[2:])
    if not blob.startswith(b"\0z"):
        return blob
    pos, size, shift = 2, 0, 0
    while True:
        byte = blob[pos]
        pos += 1
        size |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    data = zlib.decompress(blob[pos:])
    assert len(data) == size
    return data


_LEFT_DIRS = set()    # scratch_dir()s not removed yet
_LEFT_SERVERS = set()  # AgentdProcesses not cleaned up yet


def scratch_dir(prefix):
    """tempfile.mkdtemp(prefix=prefix), removed at the latest when this test process exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    _LEFT_DIRS.add(path)
    return path


def _clean_up_leftovers():
    for server in list(_LEFT_SERVERS):
        server.cleanup()
    for path in list(_LEFT_DIRS):
        shutil.rmtree(path, ignore_errors=True)


atexit.register(_clean_up_leftovers)
if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:  # a killed test run still cleans up
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


# grpc.health.v1: HealthCheckResponse{status: SERVING} is field 1 = 1.
_SERVING = b"\x08\x01"


def health_serving(address, timeout=1.0, credentials=None):
    channel = grpc.secure_channel(address, credentials) if credentials else grpc.insecure_channel(address)
    try:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        return check(b"", timeout=timeout) == _SERVING
    except grpc.RpcError:
        return False
    finally:
        channel.close()


def wait_for(condition, timeout=10.0):
    """Polls `condition` until it holds or `timeout` passes; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)  # the poll interval, not a wait for the outcome
    return condition()


def alive(pid):
    """Whether process `pid` exists (not yet reaped counts as existing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class _BearerInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds "authorization: Bearer TOKEN" to every call on a plaintext channel."""

    def __init__(self, token):
        self.metadata = ("authorization", "Bearer " + token)

    def _with_token(self, details):
        return details._replace(metadata=list(details.metadata or []) + [self.metadata])

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)


class AgentdProcess:
    """One agentd on 127.0.0.1:<free port> with its own temp folder."""

    def __init__(self, extra_args=(), agents_dir=None, plugins_dir=None, db=None, env=None, credentials=None):
        """`credentials`: grpc channel credentials for a TLS server (health and stub() use them)."""
        self.tmp = tempfile.mkdtemp(prefix="agentd-test-")
        _LEFT_SERVERS.add(self)
        self.db = db or os.path.join(self.tmp, "agentd.db")
        self.args = [
            AGENTD,
            "--listen=127.0.0.1:0",
            "--db=" + self.db,
            "--agents_dir=" + (agents_dir or AGENTS),
            "--plugins_dir=" + (plugins_dir or PLUGINS),
            "--log_format=json",
            *extra_args,
        ]
        self.env = dict(os.environ, **(env or {}))
        self.credentials = credentials
        self.proc = None
        self.address = None
        self.log_path = os.path.join(self.tmp, "agentd.log")
        self._channels = []

    def start(self, timeout=30.0):
        if getattr(self, "_log", None):  # a restart: keep the earlier log
            self._log.close()
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self._log, text=True, env=self.env)
        line = self.proc.stdout.readline()  # "agentd listening on HOST:PORT", or EOF when it failed
        if not line.startswith("agentd listening on "):
            self.kill()  # never leave a half-started server behind
            raise RuntimeError("agentd did not start: %r\n%s" % (line, self.log()))
        self.address = line.split()[-1]
        host, port = self.address.rsplit(":", 1)
        if host in ("0.0.0.0", "[::]"):  # listening everywhere: call it on loopback
            self.address = "127.0.0.1:" + port
        deadline = time.monotonic() + timeout
        while not health_serving(self.address, credentials=self.credentials):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("agentd never became SERVING:\n" + self.log())
        return self

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stub(self, credentials=None, token=None):
        """A stub on a new channel (closed at stop()); `token` is sent as the bearer token on every call."""
        credentials = credentials or self.credentials
        if token is not None:
            call_credentials = grpc.metadata_call_credentials(
                lambda context, callback: callback((("authorization", "Bearer " + token),), None))
            credentials = (grpc.composite_channel_credentials(credentials, call_credentials) if credentials
                           else None)
            if credentials is None:  # plaintext: metadata through an interceptor
                channel = grpc.intercept_channel(grpc.insecure_channel(self.address), _BearerInterceptor(token))
                self._channels.append(channel)
                return orchestrator_pb2_grpc.OrchestratorStub(channel)
        channel = grpc.secure_channel(self.address, credentials) if credentials else grpc.insecure_channel(self.address)
        self._channels.append(channel)
        self.channel = channel
        return orchestrator_pb2_grpc.OrchestratorStub(channel)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        for channel in self._channels:
            channel.close()
        self._channels = []

    def cleanup(self):
        self.stop()
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        _LEFT_SERVERS.discard(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def agents_and_plugins_with(tmp, extra_definitions, test_plugins=True):
    """An agents folder with the bundled five (and their routing examples) plus `extra_definitions`
    ({file name: text}), and a plugins folder holding the bundled plugins
    plus the test plugins. Returns (agents_dir, plugins_dir)."""
    agents_dir = os.path.join(tmp, "agents")
    plugins_dir = os.path.join(tmp, "plugins")
    shutil.copytree(AGENTS, agents_dir)  # the definitions and routing-examples/
    os.makedirs(plugins_dir)
    for name, text in extra_definitions.items():
        with open(os.path.join(agents_dir, name), "w") as f:
            f.write(text)
    for folder in [PLUGINS] + ([TEST_PLUGINS] if test_plugins else []):
        for name in os.listdir(folder):
            if name.endswith(".so"):
                os.symlink(os.path.join(folder, name), os.path.join(plugins_dir, name))
    return agents_dir, plugins_dir
