"""Signed image links: sign/verify, expiry, tampering, other keys, and the shared key file."""

from __future__ import annotations

import multiprocessing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from visionflow.config import CommonSettings
from visionflow.links import KEY_BYTES, ImageLinkSigner, link_key_path, load_or_create_link_key

SECRET = bytes(range(32))
KEY = "0f6b1c2e-acc/cam3/alert 1.jpg"
NOW = 1_800_000_000


def signer(secret: bytes = SECRET, now: float = NOW) -> ImageLinkSigner:
    return ImageLinkSigner(secret, clock=lambda: now)


def parts(url: str) -> tuple[str, str, int, str]:
    split = urlsplit(url)
    query = parse_qs(split.query, strict_parsing=True)
    assert set(query) == {"exp", "sig"}
    return f"{split.scheme}://{split.netloc}", unquote(split.path), int(query["exp"][0]), query["sig"][0]


def test_url_carries_expiry_and_a_signature_that_verifies() -> None:
    url = signer().url("https://vf.example.com/", KEY, 3600)
    base, path, exp, sig = parts(url)
    assert base == "https://vf.example.com" and path == f"/showimage/{KEY}"
    assert " " not in url and exp == NOW + 3600
    assert "=" not in sig and "+" not in sig and "/" not in sig  # URL-safe, unpadded
    assert signer().verify(KEY, exp, sig)
    assert sig == signer().sign(KEY, exp)  # deterministic for one key and expiry


def test_expired_link_is_refused() -> None:
    sig = signer().sign(KEY, NOW + 10)
    assert signer(now=NOW + 10).verify(KEY, NOW + 10, sig)  # valid up to and including exp
    assert not signer(now=NOW + 11).verify(KEY, NOW + 10, sig)
    assert not signer().verify(KEY, NOW - 1, signer().sign(KEY, NOW - 1))


def test_tampered_signature_or_expiry_is_refused() -> None:
    exp = NOW + 60
    sig = signer().sign(KEY, exp)
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    for bad_sig in (flipped, sig[:-1], sig + "A", "", "ä" * 43, sig.upper()):
        assert not signer().verify(KEY, exp, bad_sig), bad_sig
    assert not signer().verify(KEY, exp + 3600, sig)  # a later expiry is not signed


def test_signature_opens_only_its_own_key_and_secret() -> None:
    exp = NOW + 60
    sig = signer().sign(KEY, exp)
    for other in ("0f6b1c2e-acc/cam3/alert 2.jpg", "other-acc/cam3/alert 1.jpg", KEY + "\n", KEY[:-4]):
        assert not signer().verify(other, exp, sig), other
    assert not signer(secret=bytes(32)).verify(KEY, exp, sig)


def test_short_secret_is_rejected() -> None:
    with pytest.raises(ValueError):
        ImageLinkSigner(b"too short")


def test_key_file_is_created_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "image-link.key"
    first = load_or_create_link_key(path)
    assert len(first) == KEY_BYTES
    assert path.stat().st_mode & 0o777 == 0o600
    modified = path.stat().st_mtime_ns
    assert load_or_create_link_key(path) == first
    assert path.stat().st_mtime_ns == modified
    assert [p.name for p in path.parent.iterdir()] == ["image-link.key"]  # no temporary files left
    assert load_or_create_link_key(tmp_path / "other.key") != first


def test_existing_key_file_is_read_and_too_short_one_refused(tmp_path: Path) -> None:
    given = tmp_path / "given.key"
    given.write_bytes(b"k" * 48)
    assert load_or_create_link_key(given) == b"k" * 48
    short = tmp_path / "short.key"
    short.write_bytes(b"")
    with pytest.raises(ValueError, match=r"short\.key"):
        load_or_create_link_key(short)


def _load(path: str, start: Event, results: Queue[bytes]) -> None:
    start.wait()
    results.put(load_or_create_link_key(Path(path)))


def test_services_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "image-link.key"
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_load, args=(str(path), start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    keys = {results.get(timeout=30) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
    assert len(keys) == 1 and keys == {path.read_bytes()}


def test_key_path_setting_defaults_to_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("VF_IMAGE_LINK_KEY_FILE", raising=False)
    monkeypatch.delenv("VF_IMAGE_LINK_TTL_SECONDS", raising=False)
    defaults = CommonSettings()
    assert link_key_path(defaults) == tmp_path.resolve() / "image-link.key"
    assert defaults.image_link_ttl_seconds == 7 * 24 * 3600
    monkeypatch.setenv("VF_IMAGE_LINK_KEY_FILE", str(tmp_path / "shared" / "links.key"))
    monkeypatch.setenv("VF_IMAGE_LINK_TTL_SECONDS", "600")
    chosen = CommonSettings()
    assert link_key_path(chosen) == tmp_path / "shared" / "links.key"
    assert chosen.image_link_ttl_seconds == 600
    monkeypatch.setenv("VF_IMAGE_LINK_TTL_SECONDS", "0")
    with pytest.raises(ValueError, match="image_link_ttl_seconds"):
        CommonSettings()
