"""Test certificates made at test time with the openssl CLI: a CA, a server
certificate for 127.0.0.1/localhost, client certificates, and a second CA
agentd does not trust."""

import os
import subprocess


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _key_and_csr(folder, name, cn):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=folder)


def _sign(folder, name, ca, extensions):
    ext = os.path.join(folder, name + ".ext")
    with open(ext, "w") as f:
        f.write(extensions + "\n")
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
             "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", ext, cwd=folder)


def make_ca(folder, name, cn):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + cn, cwd=folder)


def make_client(folder, name, cn, ca="ca"):
    _key_and_csr(folder, name, cn)
    _sign(folder, name, ca, "extendedKeyUsage=clientAuth")


def make_certificates(folder):
    """Writes ca, server, client (CN alice-svc), other-client (CN bob-svc) and
    rogue-client (CN alice-svc, signed by an untrusted CA) as NAME.pem/NAME.key
    under `folder`. Returns {name: (cert path, key path)} plus "ca"."""
    make_ca(folder, "ca", "agentd test CA")
    make_ca(folder, "rogue-ca", "not agentd's CA")
    _key_and_csr(folder, "server", "localhost")
    _sign(folder, "server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth")
    make_client(folder, "client", "alice-svc")
    make_client(folder, "other-client", "bob-svc")
    make_client(folder, "rogue-client", "alice-svc", ca="rogue-ca")
    return {name: (os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key"))
            for name in ["ca", "server", "client", "other-client", "rogue-client"]}
