"""Old URL → current URL: read the data file, plan the pages (pure), write them (edge).

Data file (version 1), written by scripts/import_blog.py:

    {"version": 1,
     "redirects": [{"from": "blog/2015/01/02/slug/index.html",   # old output path
                    "url": "blog/2015/01/02/slug/",              # old URL (for messages)
                    "uuid": "…", "source": "posts/slug.md"},    # the post now
                   {"from": "category/python.html", "category": "python"},   # a listing page
                   {"from": "tag/flask.html", "tag": "flask"}]}

Settings: REDIRECTS = {"FILE": "extra/redirects.json"} (relative to PATH; an
absolute path is used as is). No file, no redirects.
"""

from __future__ import annotations

import html
import json
import logging
import posixpath
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from connected.errors import ConnectedError, SettingsError
from connected.files import path_inside, write_atomic
from connected.identity import post_uuid
from connected.settings_schema import read_dict
from connected.urls import absolute_url

logger = logging.getLogger(__name__)

DEFAULT_FILE = "extra/redirects.json"
VERSION = 1
# Output folders that belong to the site itself: a redirect never lands there.
RESERVED_PREFIXES = ("theme/", "feeds/", "drafts/")


class RedirectsError(ConnectedError, ValueError):
    """The redirects data file or setting is malformed; the message names it and the fix."""


class RedirectsSettingsError(RedirectsError, SettingsError):
    """The REDIRECTS setting is malformed."""


@dataclass(frozen=True)
class Redirect:
    save_as: str  # output path of the redirect page
    old_url: str
    target: str  # where it points (absolute, or site-root-relative in development)
    title: str
    lang: str = ""


def data_file(settings: dict) -> Path:
    given = {"REDIRECTS": settings.get("REDIRECTS") or None}  # REDIRECTS = [] or "" as before: the default
    raw = read_dict(given, "REDIRECTS", error=RedirectsSettingsError, suffix=" (docs/importing.md).")
    path = Path(str(raw["FILE"] or DEFAULT_FILE))
    return path if path.is_absolute() else Path(settings["PATH"]) / path


def load_entries(path: Path) -> list[dict]:
    """The entries of the data file at `path` ([] when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise RedirectsError(
            f"{path}: cannot be read as JSON ({exc}) — fix it or run make import again."
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(
        data.get("redirects"), list
    ):
        raise RedirectsError(
            f'{path}: is not a version {VERSION} redirects file ({{"version": 1, "redirects": [...]}}).'
        )
    entries = []
    for index, entry in enumerate(data["redirects"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("from"), str) or not entry["from"]:
            raise RedirectsError(f'{path}: entry {index} needs a "from" output path.')
        entries.append(entry)
    return entries


def _normal(save_as: str) -> str:
    return posixpath.normpath(save_as.replace("\\", "/").lstrip("/"))


def plan(
    entries: list[dict], contents, reserved: set[str], siteurl: str, groups: dict | None = None
) -> tuple[list[Redirect], list[str]]:
    """Redirect pages for `entries`, and one problem line per entry that cannot be honoured.

    contents: the site's posts and pages (anything with url, save_as, title,
    relative_source_path); reserved: normalised output paths the site writes
    itself (pages, static files, listings); groups: "category:<name>" /
    "tag:<name>" (lower case) -> the listing (url, save_as, title).
    """
    groups = groups or {}
    by_uuid, by_source = {}, {}
    for content in contents:
        source = getattr(content, "relative_source_path", "") or ""
        by_source[source.replace("\\", "/")] = content
        try:
            by_uuid[post_uuid(content)] = content
        except ValueError:
            pass  # post_checks reports malformed Uuids
    redirects, problems, seen = [], [], set()
    for entry in entries:
        save_as = _normal(entry["from"])
        old = entry.get("url") or save_as
        group = next((f"{kind}:{str(entry[kind]).lower()}" for kind in ("category", "tag") if entry.get(kind)), None)
        if group is not None:
            content = groups.get(group)
            if content is None:
                continue  # that category or tag has no page here (renamed, or now the default)
        else:
            content = by_uuid.get(str(entry.get("uuid") or "").lower()) or by_source.get(
                str(entry.get("source") or "")
            )
        if content is None:
            problems.append(
                f"redirects: old URL {old} leads to {entry.get('source') or entry.get('uuid')}, "
                "which is not in the site any more — delete its entry from the redirects file"
            )
            continue
        if save_as == ".." or save_as.startswith("../"):
            problems.append(f"redirects: old URL {old} would be written outside the output; skipped")
            continue
        if save_as.startswith(RESERVED_PREFIXES) or save_as in reserved:
            if save_as != _normal(getattr(content, "save_as", "") or ""):
                problems.append(
                    f"redirects: old URL {old} is now a page of this site ({save_as}); "
                    "no redirect written there"
                )
            continue  # the post still lives at its old address: nothing to redirect
        if save_as in seen:
            continue
        seen.add(save_as)
        url = getattr(content, "url", "") or ""
        target = absolute_url(siteurl.rstrip("/") + "/", url) if siteurl else "/" + url.lstrip("/")
        redirects.append(
            Redirect(save_as, old, target, str(getattr(content, "title", "") or url), str(getattr(content, "lang", "") or ""))
        )
    return redirects, problems


def render(redirect: Redirect, lang: str) -> str:
    """The redirect page: valid HTML, no script, allowed by the site's CSP."""
    target = html.escape(redirect.target, quote=True)
    title = html.escape(redirect.title, quote=True)
    return (
        "<!doctype html>\n"
        f'<html lang="{html.escape(redirect.lang or lang or "en", quote=True)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">\n"
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f"<title>Moved: {title}</title>\n"
        f'<link rel="canonical" href="{target}">\n'
        '<meta name="robots" content="noindex">\n'
        "</head>\n"
        "<body>\n"
        f'<p>This page has moved to <a href="{target}">{title}</a>.</p>\n'
        "</body>\n"
        "</html>\n"
    )


def _reserved_paths(generators) -> set[str]:
    reserved = set()
    for generator in generators:
        settings = generator.settings
        for attr in (
            "articles", "translations", "drafts", "drafts_translations", "hidden_articles",
            "hidden_translations", "pages", "hidden_pages", "draft_pages", "translations",
            "hidden_translations", "draft_translations", "staticfiles",
        ):
            for item in getattr(generator, attr, None) or []:
                save_as = getattr(item, "save_as", "")
                if save_as:
                    reserved.add(_normal(save_as))
        for attr in ("categories", "tags"):
            groups = getattr(generator, attr, None) or []
            groups = groups.items() if hasattr(groups, "items") else groups
            for group, _ in groups:
                if group.save_as:
                    reserved.add(_normal(group.save_as))
        for name in settings.get("DIRECT_TEMPLATES", []):
            save_as = settings.get(f"{name.upper()}_SAVE_AS", f"{name}.html")
            if save_as:
                reserved.add(_normal(save_as))
    return reserved


def write_redirects(generators) -> None:
    """all_generators_finalized handler: write one page per old URL into the output."""
    settings = generators[0].settings
    entries = load_entries(data_file(settings))
    if not entries:
        return
    contents = []
    for generator in generators:
        for attr in ("articles", "translations", "pages", "hidden_pages", "hidden_articles"):
            contents.extend(getattr(generator, attr, None) or [])
    groups = {}
    for generator in generators:
        for kind, label in (("category", "Posts in {}"), ("tag", "Posts tagged {}")):
            listing = getattr(generator, kind.replace("category", "categories").replace("tag", "tags"), None) or []
            listing = listing.items() if hasattr(listing, "items") else listing
            for item, _ in listing:
                if item.save_as:
                    groups[f"{kind}:{item.name.lower()}"] = SimpleNamespace(
                        url=item.url, save_as=item.save_as, title=label.format(item.name), lang=""
                    )
    redirects, problems = plan(
        entries, contents, _reserved_paths(generators), settings.get("SITEURL", ""), groups
    )
    for problem in problems:
        logger.warning("%s", problem)
    output = Path(generators[0].output_path)
    for redirect in redirects:
        try:
            path = path_inside(output, redirect.save_as)
        except ValueError:
            logger.warning("redirects: old URL %s would be written outside the output; skipped", redirect.old_url)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, render(redirect, settings.get("DEFAULT_LANG", "en")).encode("utf-8"), mode=0o644)
    logger.info("redirects: %d old URLs redirect to their new addresses", len(redirects))
