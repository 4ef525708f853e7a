"""Real X.509 material for TLS tests, made with `cryptography`: a CA and certificates it signs.

`CertificateAuthority.issue(...)` gives a leaf usable as server and client (as cert-manager's
Certificates in deploy/k8s are), for the DNS names and IP addresses asked for; `write(dir)` puts
the PEM files where settings can name them (`VF_GRPC_TLS_CERT`, `..._KEY`, `..._CA`).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from visionflow.grpctls import GrpcTls


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class Leaf:
    cert: bytes
    key: bytes
    ca: bytes

    def tls(self, *, client_auth: bool = False, server_name: str | None = None) -> GrpcTls:
        return GrpcTls(self.cert, self.key, self.ca, client_auth=client_auth, server_name=server_name)

    def write(self, directory: Path) -> dict[str, str]:
        """The PEM files in `directory`, as the environment of a service names them."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"VF_GRPC_TLS_CERT": "tls.crt", "VF_GRPC_TLS_KEY": "tls.key", "VF_GRPC_TLS_CA": "ca.crt"}
        for name, data in zip(paths.values(), (self.cert, self.key, self.ca), strict=True):
            (directory / name).write_bytes(data)
        return {variable: str(directory / name) for variable, name in paths.items()}


class CertificateAuthority:
    """A self-signed CA, like the one cert-manager makes for the production overlay."""

    def __init__(self, name: str = "visionflow-test-ca") -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(self, name: str, *, dns: tuple[str, ...] = (), ips: tuple[str, ...] = ()) -> Leaf:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        return Leaf(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key), self.pem)
