"""Which camera URLs ingest may open, and how PyAV opens each kind.

Only network cameras (`rtsp`, `rtsps`, `rtmp`, `rtmps`, `http`, `https`), the bundled demo scenes
(`demo://walk-in`: a clip in this code base, never a path the URL names; visionflow/demo) and,
when the operator allows it, `file://` paths. Anything else (FFmpeg's `concat:`, `pipe:`,
`subfile:`, bare paths, ...) is refused: a camera URL must never read the server's files or run a
protocol by surprise.

Before a network camera is opened, its host is resolved and every address checked against the
camera address policy (visionflow/camera_urls.py); FFmpeg then connects to the checked address
itself (plain schemes; TLS schemes keep the name for the certificate) and never follows an HTTP
redirect, so neither a DNS answer that changes nor a redirect can lead it elsewhere. What the
first URL leads FFmpeg to (HLS playlists and segments, their redirects) goes through the camera's
policy proxy (services/ingest/urlproxy.py), see `through_proxy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from visionflow import demo
from visionflow.camera_urls import AddressPolicy, AddressRefused
from visionflow.logs import scrub_url

NETWORK_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https"})
TLS_SCHEMES = frozenset({"rtsps", "rtmps", "https"})


class SourceRefused(Exception):
    """The URL may not be opened; `reason` is safe to show (no credentials)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceUnreachable(SourceRefused):
    """The camera's name does not resolve right now: try again later."""


@dataclass(frozen=True)
class StreamSource:
    """What PyAV opens: a network URL (live) or a local file (looped at its native rate)."""

    target: str
    live: bool
    options: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return scrub_url(self.target)

    @property
    def http(self) -> bool:
        """FFmpeg's http protocol reads this source (and may follow it to other URLs)."""
        return self.live and urlsplit(self.target).scheme.lower() in ("http", "https")


def through_proxy(source: StreamSource, proxy_url: str) -> StreamSource:
    """The source with every HTTP request FFmpeg makes for it sent through `proxy_url`."""
    return replace(source, options={**source.options, "http_proxy": proxy_url})


def resolve_source(
    url: str, *, allow_files: bool, read_timeout_s: float, policy: AddressPolicy | None = None
) -> StreamSource:
    """The source for a camera URL, or `SourceRefused` saying why not (blocking: DNS)."""
    url = url.strip()
    if not url:
        raise SourceRefused("stream URL is empty")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise SourceRefused("stream URL is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _file_source(parts.netloc, parts.path, allow_files=allow_files)
    if scheme == demo.DEMO_SCHEME:
        return _demo_source(url)
    if scheme not in NETWORK_SCHEMES:
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise SourceRefused(f"unsupported stream URL scheme: {shown}")
    if not parts.hostname:
        raise SourceRefused("stream URL has no host")
    target = _pinned(url, parts, scheme, policy or AddressPolicy())
    options = {"analyzeduration": "2000000", "probesize": "2000000"}
    if scheme in ("http", "https"):
        options["max_redirects"] = "0"  # a redirect is where a checked URL could lead elsewhere
    if scheme in ("rtsp", "rtsps", "http", "https"):
        # Socket I/O timeout in microseconds. (For rtmp the same option name means "listen for
        # incoming connections", so rtmp relies on the open/read timeouts of `av.open` alone.)
        options["timeout"] = str(int(read_timeout_s * 1_000_000))
    if scheme in ("rtsp", "rtsps"):
        options["rtsp_transport"] = "tcp"
    return StreamSource(target=target, live=True, options=options)


def _pinned(url: str, parts: SplitResult, scheme: str, policy: AddressPolicy) -> str:
    """The URL with its host replaced by the checked address it resolves to (TLS: the name)."""
    host = parts.hostname or ""
    try:
        address = policy.resolve(host, parts.port)
    except AddressRefused as refused:
        raise SourceRefused(str(refused)) from None
    except (OSError, UnicodeError) as error:
        raise SourceUnreachable(f"camera host {host} does not resolve: {error}") from None
    if scheme in TLS_SCHEMES:
        return url
    shown = f"[{address}]" if address.version == 6 else str(address)
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = (
        (f"{userinfo}@" if "@" in parts.netloc else "") + shown + (f":{parts.port}" if parts.port else "")
    )
    return urlunsplit(parts._replace(netloc=netloc))


def _file_source(netloc: str, path: str, *, allow_files: bool) -> StreamSource:
    if not allow_files:
        raise SourceRefused("file:// stream URLs are not allowed (set VF_ALLOW_FILE_URLS=true)")
    if netloc not in ("", "localhost"):
        raise SourceRefused("file:// URLs must name a local path")
    local = Path(unquote(path))
    if not local.is_absolute():
        raise SourceRefused("file:// URLs need an absolute path")
    # The explicit protocol keeps FFmpeg from reading a `name:` prefix in the path as a protocol.
    return StreamSource(target=f"file:{local}", live=False)


def _demo_source(url: str) -> StreamSource:
    """A bundled demo scene, played like a file (looped at its native rate); no other path."""
    try:
        scene = demo.demo_scene(url)
    except demo.DemoRefused as refused:
        raise SourceRefused(str(refused)) from None
    return StreamSource(target=f"file:{scene.path}", live=False)
