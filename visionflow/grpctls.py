"""TLS for gRPC: server and channel credentials from PEM files (mutual TLS when asked).

Every process is a server (its own RPCs) and a client (auth's public keys, the gateway's calls),
so it holds one certificate and key for both sides and one CA that signs every peer:

- a server presents its certificate and, with `client_auth`, refuses a client whose certificate
  the CA did not sign (or that has none);
- a client checks the server's certificate against the CA and the name it dialled (`auth` for
  `dns:///auth:50051`; `server_name` overrides it) and presents its own certificate.

Plaintext (no files set) stays the default for `make run` on loopback. `load_tls` reads the files
once at start and says which variable names a missing or unreadable file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

CERT_VARIABLE = "VF_GRPC_TLS_CERT"
KEY_VARIABLE = "VF_GRPC_TLS_KEY"
CA_VARIABLE = "VF_GRPC_TLS_CA"
CLIENT_AUTH_VARIABLE = "VF_GRPC_TLS_CLIENT_AUTH"


class TlsConfigError(ValueError):
    """The TLS settings are incomplete or name a file that cannot be read."""


@dataclass(frozen=True)
class GrpcTls:
    """PEM bytes of this process's certificate chain, its key and the CA that signs every peer."""

    cert: bytes
    key: bytes
    ca: bytes
    client_auth: bool = False
    server_name: str | None = None  # the name to expect instead of the dialled host (tests)

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key, self.cert)],
            root_certificates=self.ca,
            require_client_auth=self.client_auth,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca,
            private_key=self.key,  # presented always: a server with client_auth asks for it
            certificate_chain=self.cert,
        )

    def channel_options(self) -> list[tuple[str, str]]:
        return [("grpc.ssl_target_name_override", self.server_name)] if self.server_name else []


def _read(path: Path, variable: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TlsConfigError(f"{variable}: cannot read {path}: {error.strerror or error}") from None
    if b"-----BEGIN " not in data:
        raise TlsConfigError(f"{variable}: {path} is not a PEM file")
    return data


def load_tls(cert: Path | None, key: Path | None, ca: Path | None, *, client_auth: bool) -> GrpcTls | None:
    """TLS from the three files, or None (plaintext) when none is set."""
    given = {CERT_VARIABLE: cert, KEY_VARIABLE: key, CA_VARIABLE: ca}
    if not any(given.values()):
        if client_auth:
            raise TlsConfigError(
                f"{CLIENT_AUTH_VARIABLE} needs {CERT_VARIABLE}, {KEY_VARIABLE} and {CA_VARIABLE}"
            )
        return None
    missing = [name for name, path in given.items() if path is None]
    if missing:
        raise TlsConfigError(f"gRPC TLS needs {', '.join(missing)} as well (set all three or none)")
    assert cert is not None and key is not None and ca is not None
    return GrpcTls(
        cert=_read(cert, CERT_VARIABLE),
        key=_read(key, KEY_VARIABLE),
        ca=_read(ca, CA_VARIABLE),
        client_auth=client_auth,
    )
