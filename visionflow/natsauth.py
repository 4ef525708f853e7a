"""Who may do what on NATS: one user per service role, each allowed only the subjects its role
needs, and the server configuration that enforces it.

Every service connects as its role (`VF_NATS_USER`, default the service's name, with
`VF_NATS_PASSWORD`) and may publish and subscribe only what `permissions` lists for that role,
JetStream API included: nobody but the `admin` user (for operators and the `nats` CLI) can delete
a stream, read another role's replies (each role has its own inbox prefix, `_INBOX_<role>`), or
publish on a subject its role does not own; an anonymous connection is refused. `make run`
generates the passwords once into `VF_DATA_DIR/nats-users.json` (mode 0600) and writes the server
configuration beside it; on Kubernetes they come from a Secret (deploy/k8s).

The table is the one place these rules live; docs/security.md explains it role by role.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visionflow import subjects

ROLES = ("auth", "camera", "ingest", "detector", "notifier", "gateway")
ADMIN = "admin"
ACCOUNT = "VISIONFLOW"
USERS_FILE_NAME = "nats-users.json"
CONFIG_FILE_NAME = "nats.conf"

# Stream names JetStream gives VisionFlow's buckets (`KV_<bucket>`, `OBJ_<bucket>`).
SNAPSHOT_STREAM = f"OBJ_{subjects.SNAPSHOT_BUCKET}"
MEMBERS_STREAM = f"KV_{subjects.MEMBERS_BUCKET}"
DWELLS_STREAM = f"KV_{subjects.DWELLS_BUCKET}"
# Declared by every service at start (visionflow/bus.py ensure_streams).
SHARED_STREAMS = (subjects.CAMERAS_STREAM, subjects.EVENTS_STREAM, SNAPSHOT_STREAM)


def inbox_prefix(user: str) -> str:
    """The prefix of a user's reply subjects: no other role can subscribe to its replies."""
    return f"_INBOX_{user}"


def _declare(*streams: str) -> list[str]:
    """Look up, create and scale the named streams (never delete or purge them)."""
    return [f"$JS.API.STREAM.{op}.{name}" for name in streams for op in ("INFO", "CREATE", "UPDATE")]


def _read(*streams: str) -> list[str]:
    """Fetch single messages (the last one of a subject: KV get, object metadata)."""
    out: list[str] = []
    for name in streams:
        out += [
            f"$JS.API.STREAM.MSG.GET.{name}",
            f"$JS.API.DIRECT.GET.{name}",
            f"$JS.API.DIRECT.GET.{name}.>",
        ]
    return out


def _consume(*streams: str) -> list[str]:
    """Create, read, pull from and ack consumers of the named streams (watches, feeds, durables)."""
    out: list[str] = []
    for name in streams:
        out += [
            f"$JS.API.CONSUMER.CREATE.{name}",
            f"$JS.API.CONSUMER.CREATE.{name}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{name}.>",
            f"$JS.API.CONSUMER.INFO.{name}.>",
            f"$JS.API.CONSUMER.DELETE.{name}.>",
            f"$JS.API.CONSUMER.MSG.NEXT.{name}.>",
            f"$JS.ACK.{name}.>",
            f"$JS.FC.{name}.>",
        ]
    return out


def _kv(bucket: str, keys: str = ">") -> list[str]:
    return [f"$KV.{bucket}.{keys}"]


_SNAPSHOT_OBJECTS = f"$O.{subjects.SNAPSHOT_BUCKET}.>"
_SNAPSHOT_META = f"$O.{subjects.SNAPSHOT_BUCKET}.M.>"
_PURGE_SNAPSHOTS = f"$JS.API.STREAM.PURGE.{SNAPSHOT_STREAM}"


@dataclass(frozen=True)
class RolePermissions:
    """What one role may publish and subscribe to (everything else is denied)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    answers_requests: bool = False  # may reply to the requests it receives (allow_responses)


def _role_table() -> dict[str, RolePermissions]:
    members = (MEMBERS_STREAM,)
    return {
        "auth": RolePermissions(publish=tuple(_declare(*SHARED_STREAMS)), subscribe=()),
        "camera": RolePermissions(
            publish=(
                subjects.CAMERA_CHANGED_ALL,
                subjects.ACCESS_CAMERA_ALL,
                *_declare(*SHARED_STREAMS),
                *_read(subjects.CAMERAS_STREAM, SNAPSHOT_STREAM),
                *_consume(SNAPSHOT_STREAM),
                _SNAPSHOT_META,
                _PURGE_SNAPSHOTS,
            ),
            subscribe=(subjects.CAMERA_STATUS_ALL,),
        ),
        "ingest": RolePermissions(
            publish=(
                subjects.FRAMES_RAW_ALL,
                subjects.FRAMES_DETECT_ALL,
                subjects.CAMERA_STATUS_ALL,
                subjects.INGEST_SNAPSHOT_ALL,
                *_kv(subjects.MEMBERS_BUCKET, "ingest.>"),
                *_declare(*SHARED_STREAMS, *members),
                *_read(*members),
                *_consume(subjects.CAMERAS_STREAM, *members),
            ),
            subscribe=(subjects.DEMAND_ALL, subjects.INGEST_SNAPSHOT_ALL),
            answers_requests=True,
        ),
        "detector": RolePermissions(
            publish=(
                subjects.FRAMES_ANNOTATED_ALL,
                subjects.DETECTIONS_ALL,
                subjects.ALERTS_ALL,
                _SNAPSHOT_OBJECTS,
                _PURGE_SNAPSHOTS,
                *_kv(subjects.MEMBERS_BUCKET, "detector.>"),
                *_kv(subjects.DWELLS_BUCKET),
                *_declare(*SHARED_STREAMS, *members, DWELLS_STREAM),
                *_read(*members, DWELLS_STREAM, SNAPSHOT_STREAM),
                *_consume(subjects.CAMERAS_STREAM, *members, DWELLS_STREAM),
            ),
            subscribe=(subjects.FRAMES_DETECT_ALL, subjects.DEMAND_ANNOTATED_ALL),
        ),
        "notifier": RolePermissions(
            publish=(
                *_declare(*SHARED_STREAMS),
                *_read(SNAPSHOT_STREAM),
                *_consume(subjects.EVENTS_STREAM, subjects.CAMERAS_STREAM, SNAPSHOT_STREAM),
            ),
            subscribe=(),
        ),
        "gateway": RolePermissions(
            publish=(
                subjects.DEMAND_ALL,
                f"$JS.API.STREAM.INFO.{SNAPSHOT_STREAM}",
                *_read(SNAPSHOT_STREAM),
                *_consume(SNAPSHOT_STREAM),
            ),
            subscribe=(subjects.FRAMES_RAW_ALL, subjects.FRAMES_ANNOTATED_ALL, subjects.ACCESS_CAMERA_ALL),
        ),
    }


ROLE_PERMISSIONS: dict[str, RolePermissions] = _role_table()


def permissions(role: str) -> dict[str, Any]:
    """A role's permissions in nats-server's configuration syntax."""
    rules = ROLE_PERMISSIONS[role]
    granted: dict[str, Any] = {
        # Every role may ask JetStream for its limits and the names of its streams.
        "publish": {"allow": ["$JS.API.INFO", "$JS.API.STREAM.NAMES", *rules.publish]},
        "subscribe": {"allow": [f"{inbox_prefix(role)}.>", *rules.subscribe]},
    }
    if rules.answers_requests:
        granted["allow_responses"] = True
    return granted


@dataclass(frozen=True)
class NatsUsers:
    """The password of every role and of `admin`."""

    passwords: dict[str, str]

    @classmethod
    def generate(cls) -> NatsUsers:
        return cls({user: secrets.token_urlsafe(24) for user in (*ROLES, ADMIN)})

    @classmethod
    def load(cls, path: Path) -> NatsUsers:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise SystemExit(f"cannot read the NATS users file {path}: {error}") from error
        missing = [user for user in (*ROLES, ADMIN) if not isinstance(data.get(user), str) or not data[user]]
        if missing:
            raise SystemExit(f"the NATS users file {path} lacks passwords for: {', '.join(missing)}")
        return cls({user: data[user] for user in (*ROLES, ADMIN)})

    @classmethod
    def load_or_create(cls, path: Path) -> NatsUsers:
        """The users kept in `path`, made (readable by this user only) on first use."""
        if path.exists():
            return cls.load(path)
        users = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(users.passwords, handle, indent=2)
        return users

    def login_env(self, role: str) -> dict[str, str]:
        """The environment a service of `role` connects with."""
        return {"VF_NATS_USER": role, "VF_NATS_PASSWORD": self.passwords[role]}

    def url_for(self, user: str, host: str, port: int) -> str:
        return f"nats://{user}:{self.passwords[user]}@{host}:{port}"


@dataclass(frozen=True)
class EnvReference:
    """A value nats-server reads from its environment (`$NAME`, left unquoted)."""

    name: str


def accounts(passwords: dict[str, str | EnvReference]) -> dict[str, Any]:
    """The `accounts` block: one account with JetStream, a user per role with that role's
    permissions, and `admin` with all."""
    users: list[dict[str, Any]] = [
        {"user": role, "password": passwords[role], "permissions": permissions(role)} for role in ROLES
    ]
    users.append({"user": ADMIN, "password": passwords[ADMIN]})
    return {ACCOUNT: {"jetstream": "enabled", "users": users}}


def server_config(users: NatsUsers, *, host: str, port: int, store_dir: Path) -> dict[str, Any]:
    """The bundled nats-server's configuration (JSON is valid in its configuration syntax)."""
    return {
        "host": host,
        "port": port,
        "jetstream": {"store_dir": str(store_dir)},
        "accounts": accounts(dict(users.passwords)),
    }


def password_variable(user: str) -> str:
    """The variable the Kubernetes NATS pod holds `user`'s password in (from the Secret)."""
    return f"VF_NATS_PASSWORD_{user.upper()}"


def kubernetes_accounts_conf() -> str:
    """deploy/k8s/base/nats-accounts.conf: the same accounts, passwords read from the pod's
    environment (the Secret `visionflow-nats`), for `include` from nats.conf."""
    passwords: dict[str, str | EnvReference] = {
        user: EnvReference(password_variable(user)) for user in (*ROLES, ADMIN)
    }
    header = "# Generated by `python -m visionflow.natsauth` from visionflow/natsauth.py: do not edit.\n"
    return header + "accounts: " + _conf(accounts(passwords), 0) + "\n"


def _conf(value: Any, depth: int) -> str:
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        body = "".join(f"{pad}{key}: {_conf(item, depth + 1)}\n" for key, item in value.items())
        return "{\n" + body + "  " * depth + "}"
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return "[" + ", ".join(json.dumps(item) for item in value) + "]"
        body = "".join(f"{pad}{_conf(item, depth + 1)}\n" for item in value)
        return "[\n" + body + "  " * depth + "]"
    if isinstance(value, EnvReference):
        return f"${value.name}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def write_server_config(users: NatsUsers, path: Path, *, host: str, port: int, store_dir: Path) -> Path:
    """Write the configuration (mode 0600: it holds the passwords) and return its path."""
    config = server_config(users, host=host, port=port, store_dir=store_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(config, handle, indent=2)
    return path


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "deploy" / "k8s" / "base" / "nats-accounts.conf"
    target.write_text(kubernetes_accounts_conf())
    sys.stdout.write(f"wrote {target}\n")
