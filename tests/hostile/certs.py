"""Test certificates for the hostile-server suite, made per run with the openssl command (OpenSSL
3.0's `req` and `ca`: `ca` is the one that takes explicit validity dates).

A `CertFactory` owns one directory and one root CA ("Hostile test CA"), the trust anchor the
client is given with --ca-file. `issue` makes a leaf (or an intermediate) signed by the root or by
another issued certificate, with exactly the extensions a scenario asks for; `self_signed` makes a
certificate under no CA. Every key is EC P-256: small and fast to make.

    factory = CertFactory(tmp_dir)
    good = factory.issue("good", san="DNS:example.test")
    expired = factory.issue("expired", san="DNS:example.test", days=(-30, -1))
    FakeServer(scenario, good.chain, good.key)
"""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

_CA_CONFIG = """\
[ ca ]
default_ca = hostile_ca

[ hostile_ca ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no

[ anything ]
commonName = optional
organizationName = optional
"""

SERVER_AUTH = "extendedKeyUsage=serverAuth"
NOT_CA = "basicConstraints=critical,CA:FALSE"


def openssl(*args: str, cwd: Path) -> None:
    """Runs the openssl command in `cwd`; a failure shows openssl's own message."""
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{done.stderr}")


def _asn1_time(days: float) -> str:
    """now + `days` in the GeneralizedTime form `openssl ca -startdate/-enddate` takes."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return when.strftime("%Y%m%d%H%M%SZ")


@dataclass(frozen=True)
class Cert:
    name: str
    cert: str   # the certificate alone (PEM)
    key: str    # its private key (PEM)
    chain: str  # the certificate followed by the intermediates that issued it: what a server sends


class CertFactory:
    """One directory of test certificates under one root CA (`self.ca`, a PEM file)."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "issued").mkdir(exist_ok=True)
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        (self.dir / "ca.cnf").write_text(_CA_CONFIG)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
                "-subj", "/CN=Hostile test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)
        self.ca = str(self.dir / "ca.pem")
        self.root = Cert("ca", self.ca, str(self.dir / "ca.key"), self.ca)

    def _key_and_request(self, name: str, subject: str) -> None:
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject, cwd=self.dir)

    def issue(self, name: str, *, san: str | None, subject: str = "/O=Hostile test leaf",
              extensions: tuple[str, ...] = (SERVER_AUTH, NOT_CA),
              days: tuple[float, float] = (-1, 30), issuer: Cert | None = None) -> Cert:
        """A certificate `name` signed by `issuer` (default: the root CA).

        `san` is the subjectAltName value in openssl's syntax ("DNS:a.test,DNS:b.test",
        "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.a.test"), None for no SAN at all;
        `extensions` are further openssl extension lines (the default: serverAuth, CA:FALSE);
        `days` the validity window, in days from now (negative: in the past)."""
        self._key_and_request(name, subject)
        lines = list(extensions) + ([f"subjectAltName={san}"] if san is not None else [])
        (self.dir / f"{name}.ext").write_text("\n".join(lines) + "\n")
        issuer = issuer or self.root
        openssl("ca", "-batch", "-config", "ca.cnf", "-notext", "-preserveDN",
                "-cert", issuer.cert, "-keyfile", issuer.key, "-in", f"{name}.csr",
                "-out", f"{name}.pem", "-extfile", f"{name}.ext",
                "-startdate", _asn1_time(days[0]), "-enddate", _asn1_time(days[1]), cwd=self.dir)
        return self._finish(name, issuer)

    def self_signed(self, name: str, *, san: str, subject: str = "/O=Hostile self-signed") -> Cert:
        """A leaf that signs itself, with the names and usage of a good server certificate."""
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "30", "-subj", subject,
                "-addext", f"subjectAltName={san}", "-addext", SERVER_AUTH,
                "-addext", NOT_CA, cwd=self.dir)
        return self._finish(name, None)

    def _finish(self, name: str, issuer: Cert | None) -> Cert:
        pem = self.dir / f"{name}.pem"
        chain = self.dir / f"{name}.chain.pem"
        text = pem.read_text()
        if issuer is not None and issuer is not self.root:
            text += Path(issuer.chain).read_text()
        chain.write_text(text)
        return Cert(name, str(pem), str(self.dir / f"{name}.key"), str(chain))
