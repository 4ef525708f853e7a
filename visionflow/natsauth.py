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

import nkeys

from visionflow import subjects

ROLES = ("auth", "camera", "ingest", "detector", "notifier", "gateway")
ADMIN = "admin"
ACCOUNT = "VISIONFLOW"
USERS_FILE_NAME = "nats-users.json"
CONFIG_FILE_NAME = "nats.conf"
# Integrators log in with their VisionFlow access token; the auth service answers the server's
# auth callout (services/auth/callout.py) with `integrator_permissions`. Every user with a
# password here is exempt from the callout.
CALLOUT_SUBJECT = "$SYS.REQ.USER.AUTH"
CALLOUT_ROLE = "auth"

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
        "auth": RolePermissions(
            publish=(subjects.SESSION_ENDED_ALL, *_declare(*SHARED_STREAMS)),
            subscribe=(CALLOUT_SUBJECT,),
            answers_requests=True,
        ),
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
            subscribe=(
                subjects.FRAMES_RAW_ALL,
                subjects.FRAMES_ANNOTATED_ALL,
                subjects.SESSION_ENDED_ALL,
                subjects.ACCESS_CAMERA_ALL,
            ),
        ),
    }


ROLE_PERMISSIONS: dict[str, RolePermissions] = _role_table()


def integrator_permissions(account_uuid: str) -> dict[str, Any]:
    """What an integrator of `account_uuid` may do, in NATS user-JWT syntax: read its own
    account's frames, detections, alerts and status, and ask for its own cameras' frames
    (demand). Nothing else: no system subject, no JetStream API, no inbox to read replies from."""
    own = subjects.account_space(account_uuid)
    return {
        "pub": {"allow": [own.removesuffix(">") + "demand.>"]},
        "sub": {"allow": [own]},
    }


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


CALLOUT_SEED_KEY = "callout-issuer-seed"


def new_callout_seed() -> str:
    """A fresh account nkey seed (`SA...`) for signing the auth callout's answers."""
    return nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_ACCOUNT).decode()


def callout_issuer(seed: str) -> str:
    """The public key (`A...`) nats-server trusts the callout's answers from."""
    return str(nkeys.from_seed(seed.encode()).public_key.decode())


@dataclass(frozen=True)
class NatsUsers:
    """The password of every role and of `admin`, and the seed the auth callout signs with."""

    passwords: dict[str, str]
    callout_seed: str = ""

    @classmethod
    def generate(cls) -> NatsUsers:
        passwords = {user: secrets.token_urlsafe(24) for user in (*ROLES, ADMIN)}
        return cls(passwords, new_callout_seed())

    @classmethod
    def load(cls, path: Path) -> NatsUsers:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise SystemExit(f"cannot read the NATS users file {path}: {error}") from error
        missing = [user for user in (*ROLES, ADMIN) if not isinstance(data.get(user), str) or not data[user]]
        if missing:
            raise SystemExit(f"the NATS users file {path} lacks passwords for: {', '.join(missing)}")
        seed = data.get(CALLOUT_SEED_KEY)
        return cls({user: data[user] for user in (*ROLES, ADMIN)}, seed if isinstance(seed, str) else "")

    @classmethod
    def load_or_create(cls, path: Path) -> NatsUsers:
        """The users kept in `path`, made (readable by this user only) on first use; a file from
        before integrator logins gains its callout seed."""
        if path.exists():
            users = cls.load(path)
            if users.callout_seed:
                return users
            users = cls(users.passwords, new_callout_seed())
            path.unlink()
        else:
            users = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({**users.passwords, CALLOUT_SEED_KEY: users.callout_seed}, handle, indent=2)
        return users

    def login_env(self, role: str) -> dict[str, str]:
        """The environment a service of `role` connects with (the auth service also gets the
        callout's signing seed)."""
        env = {"VF_NATS_USER": role, "VF_NATS_PASSWORD": self.passwords[role]}
        if role == CALLOUT_ROLE and self.callout_seed:
            env["VF_NATS_CALLOUT_SEED"] = self.callout_seed
        return env

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


def authorization(issuer: str | EnvReference) -> dict[str, Any]:
    """The `authorization` block: logins without a password go to the auth callout, whose
    answers `issuer` signs, into the one account."""
    return {"auth_callout": {"issuer": issuer, "auth_users": [*ROLES, ADMIN], "account": ACCOUNT}}


def server_config(users: NatsUsers, *, host: str, port: int, store_dir: Path) -> dict[str, Any]:
    """The bundled nats-server's configuration (JSON is valid in its configuration syntax)."""
    config: dict[str, Any] = {
        "host": host,
        "port": port,
        "jetstream": {"store_dir": str(store_dir)},
        "accounts": accounts(dict(users.passwords)),
    }
    if users.callout_seed:
        config["authorization"] = authorization(callout_issuer(users.callout_seed))
    return config


CALLOUT_ISSUER_VARIABLE = "VF_NATS_CALLOUT_ISSUER"


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
    body = "accounts: " + _conf(accounts(passwords), 0) + "\n"
    return (
        header
        + body
        + "authorization: "
        + _conf(authorization(EnvReference(CALLOUT_ISSUER_VARIABLE)), 0)
        + "\n"
    )


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
    if sys.argv[1:] == ["callout-key"]:
        # For the Kubernetes Secret (docs/deploy.md): the seed, then its public key.
        seed = new_callout_seed()
        sys.stdout.write(f"{seed}\n{callout_issuer(seed)}\n")
        raise SystemExit(0)
    target = Path(__file__).resolve().parents[1] / "deploy" / "k8s" / "base" / "nats-accounts.conf"
    target.write_text(kubernetes_accounts_conf())
    sys.stdout.write(f"wrote {target}\n")
