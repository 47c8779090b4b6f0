"""The page Content-Security-Policy: built from the CSP setting, and asked what it blocks.

One owner for the policy: the theme's CSP meta (theme/templates/base.html) prints
`policy()`, and the embed check asks `allows()` of the same options, so what the
build reports as blocked is exactly what a browser blocks.

Settings (pelicanconf.py), off by default:

    CSP = {
        # iframes and embed scripts (YouTube, Vimeo, gists) and the stylesheets
        # they load: added to frame-src, script-src and style-src.
        "EMBED_HOSTS": ["www.youtube-nocookie.com", "player.vimeo.com", "gist.github.com"],
        # external images: added to img-src.
        "IMAGE_HOSTS": [],
    }

A host is `example.com`, `*.example.com` (its subdomains), optionally with
`:port`, or a full origin `https://example.com[:port]`; a bare host means https.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from connected.errors import SettingsError
from connected.settings_schema import SCHEMA, read_dict

KEYS = tuple(SCHEMA["CSP"])
# Which allow-list governs each kind of embedded resource.
LIST_FOR = {"frame": "EMBED_HOSTS", "script": "EMBED_HOSTS", "image": "IMAGE_HOSTS"}
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class CSPSettingsError(SettingsError):
    """The CSP setting is malformed; the message names the key and the fix."""

    @property
    def problems(self) -> list[str]:
        # scripts/build.py prints an error's `problems` as they are (no traceback hint).
        return [str(self)]


def csp_options(settings: dict) -> dict[str, tuple[str, ...]]:
    """The validated CSP setting: {"EMBED_HOSTS": (...), "IMAGE_HOSTS": (...)}."""
    raw = read_dict(settings, "CSP", error=CSPSettingsError, suffix=" (docs/links-and-embeds.md)")
    options = {}
    for key in KEYS:
        hosts = raw[key] or []
        cleaned = []
        for host in hosts:
            source = _source(host)
            if source is None:
                raise CSPSettingsError(
                    f"CSP[{key!r}] has {host!r}, which is not a host name: write it like "
                    "'player.vimeo.com', '*.example.com' or 'https://example.com:8443'"
                )
            if source not in cleaned:
                cleaned.append(source)
        options[key] = tuple(cleaned)
    return options


def _source(value) -> str | None:
    """The host (lower-cased) as a CSP source expression, or None if it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower().rstrip("/")
    scheme = ""
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            scheme, text = prefix, text[len(prefix) :]
    host, colon, port = text.partition(":")
    if colon and not (port.isdigit() and 0 < int(port) < 65536):
        return None
    labels = host.split(".")
    if labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:
            return None
    if not labels or not all(_is_label(label) for label in labels):
        return None
    return scheme + text


def _is_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and set(label) <= _LABEL_CHARS
        and not label.startswith("-")
        and not label.endswith("-")
    )


def policy(options: dict[str, tuple[str, ...]], form_origin: str = "") -> str:
    """The page's CSP. Without CSP settings it is the theme's strict default."""
    images = "".join(" " + host for host in options.get("IMAGE_HOSTS", ()))
    directives = ["default-src 'self'", f"img-src 'self' data:{images}"]
    embeds = "".join(" " + host for host in options.get("EMBED_HOSTS", ()))
    if embeds:
        # style-src as well: a gist's script adds a stylesheet from its own host.
        directives += [f"frame-src 'self'{embeds}", f"script-src 'self'{embeds}",
                       f"style-src 'self'{embeds}"]  # fmt: skip
    form = f" {form_origin}" if form_origin else ""
    directives += ["object-src 'none'", "base-uri 'self'", f"form-action 'self'{form}"]
    return "; ".join(directives)


def allows(options: dict[str, tuple[str, ...]], kind: str, url: str) -> bool:
    """Would the page CSP let this external `url` load as a `kind` (frame, script, image)?"""
    key = LIST_FOR.get(kind)
    if key is None:
        return False  # objects, plugins, media: object-src 'none' / default-src 'self'
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    if not host or scheme not in ("http", "https"):
        return False
    return any(_matches(source, scheme, host, port) for source in options.get(key, ()))


def _matches(source: str, scheme: str, host: str, port: int | None) -> bool:
    want_scheme = "https"
    for prefix in ("https://", "http://"):
        if source.startswith(prefix):
            want_scheme, source = prefix[:-3], source[len(prefix) :]
    if scheme != want_scheme:
        return False
    pattern, _, want_port = source.partition(":")
    default = 443 if scheme == "https" else 80
    if (port or default) != (int(want_port) if want_port else default):
        return False
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern
