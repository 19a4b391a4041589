"""TLS and mTLS against the real agentd, with certificates made at test time
by the openssl CLI (tests/integration/certs.py); driven by Python grpcio and
by agentctl."""

import os
import shutil
import subprocess
import unittest

import grpc

from agentd_fixture import AGENTCTL, AgentdProcess, health_serving, scratch_dir, orchestrator_pb2 as pb
from agentd_fixture import orchestrator_pb2_grpc
from certs import make_certificates

FLASH_SALE = ("We need to handle 10,000 orders per minute during flash sales. "
              "Should we use microservices or a monolith?")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def pb_stub(channel, test):
    """A stub on `channel`, closed when `test` ends."""
    test.addCleanup(channel.close)
    return orchestrator_pb2_grpc.OrchestratorStub(channel)


class CertificatesMixin:
    @classmethod
    def make_certs(cls):
        cls.certdir = scratch_dir("agentd-certs-")
        cls.certs = make_certificates(cls.certdir)
        cls.ca = cls.certs["ca"][0]

    @classmethod
    def credentials(cls, client=None):
        if client is None:
            return grpc.ssl_channel_credentials(root_certificates=read(cls.ca))
        cert, key = cls.certs[client]
        return grpc.ssl_channel_credentials(root_certificates=read(cls.ca), private_key=read(key),
                                            certificate_chain=read(cert))

    def refused(self, stub):
        """The call fails before reaching the service (the TLS handshake is refused)."""
        with self.assertRaises(grpc.RpcError) as ctx:
            stub.ListAgents(pb.ListAgentsRequest(), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAVAILABLE, ctx.exception.details())

    def ctl(self, *args, env=None):
        return subprocess.run([AGENTCTL, "--server=" + self.server.address, *args], capture_output=True, text=True,
                              timeout=60, env=dict(os.environ, **(env or {})))


class TlsTest(unittest.TestCase, CertificatesMixin):
    """Server TLS with a bearer token: the token travels encrypted."""

    @classmethod
    def setUpClass(cls):
        cls.make_certs()
        server_cert, server_key = cls.certs["server"]
        cls.server = AgentdProcess(extra_args=["--tls_cert=" + server_cert, "--tls_key=" + server_key],
                                   env={"AGENTD_TOKEN": "s3cret"}, credentials=cls.credentials()).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def test_grpc_over_tls(self):
        stub = self.server.stub(token="s3cret")
        response = stub.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10)
        self.assertEqual(response.turn, 1)
        with self.assertRaises(grpc.RpcError) as ctx:
            self.server.stub().ListSessions(pb.ListSessionsRequest(), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_plaintext_and_untrusted_clients_are_refused(self):
        self.refused(pb_stub(grpc.insecure_channel(self.server.address), self))
        untrusted = grpc.ssl_channel_credentials(root_certificates=read(self.certs["rogue-client"][0]))
        self.refused(pb_stub(grpc.secure_channel(self.server.address, untrusted), self))
        self.assertFalse(health_serving(self.server.address))  # plaintext health fails too

    def test_agentctl_over_tls(self):
        out = self.ctl("--tls_ca=" + self.ca, "review", FLASH_SALE, env={"AGENTD_TOKEN": "s3cret"})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("## Backend Architecture Review", out.stdout)
        out = self.ctl("agents", env={"AGENTD_TOKEN": "s3cret"})  # plaintext
        self.assertEqual(out.returncode, 1)
        self.assertIn("UNAVAILABLE", out.stderr)
        out = self.ctl("--tls_ca=" + self.certdir + "/missing.pem", "agents")
        self.assertEqual(out.returncode, 2)
        self.assertIn("--tls_ca", out.stderr)


class MutualTlsTest(unittest.TestCase, CertificatesMixin):
    """mTLS beyond loopback with no token: the client certificate's CN is the principal."""

    @classmethod
    def setUpClass(cls):
        cls.make_certs()
        server_cert, server_key = cls.certs["server"]
        cls.server = AgentdProcess(extra_args=["--listen=0.0.0.0:0", "--tls_cert=" + server_cert,
                                               "--tls_key=" + server_key, "--tls_client_ca=" + cls.ca],
                                   env={"AGENTD_TOKEN": ""}, credentials=cls.credentials("client"))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def stub(self, client):
        credentials = self.credentials(client) if client else self.credentials()
        return pb_stub(grpc.secure_channel(self.server.address, credentials), self)

    def test_the_certificate_names_the_principal(self):
        alice = self.stub("client")
        bob = self.stub("other-client")
        sid = alice.Review(pb.ReviewRequest(text=FLASH_SALE), timeout=10).session_id
        self.assertEqual(alice.GetSession(pb.GetSessionRequest(session_id=sid), timeout=10).session.id, sid)
        with self.assertRaises(grpc.RpcError) as ctx:
            bob.GetSession(pb.GetSessionRequest(session_id=sid), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.NOT_FOUND)
        # A certificate principal is never admin.
        with self.assertRaises(grpc.RpcError) as ctx:
            alice.PruneSessions(pb.PruneSessionsRequest(older_than_days=1), timeout=10)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

    def test_missing_or_untrusted_client_certificates_are_refused(self):
        self.refused(self.stub(None))
        self.refused(self.stub("rogue-client"))  # same CN, signed by a CA agentd does not trust

    def test_agentctl_with_a_client_certificate(self):
        cert, key = self.certs["client"]
        base = ["--server=" + self.server.address, "--tls_ca=" + self.ca]
        out = subprocess.run([AGENTCTL, *base, "--tls_cert=" + cert, "--tls_key=" + key, "sessions", "list"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = subprocess.run([AGENTCTL, *base, "sessions", "list"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("UNAVAILABLE", out.stderr)


if __name__ == "__main__":
    unittest.main()
