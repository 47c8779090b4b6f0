"""The edge of link_checks: one `BuildCheck` per build, fed by Pelican's signals.

- content_object_init: each post's blocked embeds become links (before anything
  reads its HTML: Pelican memoises content and summary), inline styles are noted;
- content_written: which files this build wrote;
- finalized: every page, feed and static file is in the output directory, so each
  post's links and images are checked against the finished tree; findings are
  kept per post in CACHE_PATH, printed in one summary, and the posts with broken
  links or images are marked in the email editions' manifest (scripts/publish.py
  does not mail them).

Pelican's own "Unable to find … skipping url replacement" and "Cannot get
modification stamp" warnings are dropped by a log filter for the duration of the
build (the summary says the same with the file, line and fix); the newsletter's
oversize-email warnings are copied into the summary and marked so that our CLIs'
console (scripts/build.py) does not print them twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import time
from pathlib import Path

from pelican import signals
from pelican.contents import Article, Page

from connected import pelican_content
from connected.console import plural
from connected.files import write_atomic
from connected.header import source_text
from connected.memo import TextMemo, hash_text
from connected.pelican_content import replace_stored_html, stored_html

from . import embeds as embeds_module
from .csp import csp_options
from .embeds import WHAT, may_hold_embeds, replace_embeds
from .references import Reference, SourceLines, references
from .resolve import DEV_BASE, PostPage, Site, check, indicator

logger = logging.getLogger(__name__)

CACHE_FILE = Path("link_checks") / "findings.json"
EMBEDS_MEMO = Path("link_checks") / "embeds-precheck.json"
CACHE_VERSION = 2  # 2: findings carry their URL and the site digest they hold for
_UNABLE = "Unable to find '%s', skipping url replacement."
_STAMP = "Cannot get modification stamp for %s"
# The loggers whose records are turned into summary lines (a logger's filters
# see only the records logged through that very logger).
_CAPTURED_LOGGERS = ("pelican.contents", "pelican.cache", "newsletter.render", "newsletter.build")
# scripts/build.py's console skips records carrying this attribute (its CAPTURED_ATTR).
CAPTURED_ATTR = "post_checks_captured"
# Reference.tag of a link found in the Summary metadata rather than the body.
SUMMARY = "Summary"
_SIGNALS = ("content_object_init", "content_written", "all_generators_finalized", "finalized")


class _Capture(logging.Filter):
    """Keeps the warnings the summary replaces off the console, and remembers them."""

    def __init__(self):
        super().__init__("link_checks")
        self.unresolved: set[str] = set()
        self.stamps: dict[str, str] = {}
        self.email: list[tuple[str, str]] = []

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if record.msg == _UNABLE and record.args:
                self.unresolved.add(str(record.args[0]))
                return False
            if isinstance(record.msg, str) and record.msg.startswith(_STAMP) and record.args:
                reason = str(record.args[1]) if len(record.args) > 1 else ""
                self.stamps[str(record.args[0])] = reason
                return False
            if record.name.startswith("newsletter.") and record.levelno >= logging.WARNING:
                message = record.getMessage()
                if "MAX_HTML_BYTES" in message:
                    text = message.removeprefix("newsletter: ")
                    source, _, rest = text.partition(": ")
                    self.email.append((source, rest or text))
                    # The newsletter's own record stays (its listeners rely on it);
                    # our CLIs' console leaves it out, the summary says it.
                    setattr(record, CAPTURED_ATTR, True)
        except Exception:  # a diagnosis must never break the build
            return True
        return True


def start_build(pelican) -> None:
    """initialized: a fresh BuildCheck for this build (after dropping a crashed build's)."""
    for name in _SIGNALS:
        for receiver in list(getattr(signals, name).receivers.values()):
            owner = getattr(receiver, "__self__", None)
            if isinstance(owner, BuildCheck):
                owner.detach()
    BuildCheck(pelican.settings).attach()


def _rel(path: str, base: str) -> str:
    return os.path.relpath(path, base).replace(os.sep, "/")


def _still_holds(cached: dict | None, digest: str, site_key: str) -> bool:
    """Whether a post's cached findings are this build's: same post, same site."""
    if not cached or cached.get("digest") != digest or cached.get("site") != site_key:
        return False
    broken, urls = cached.get("broken"), cached.get("broken_urls")
    return isinstance(broken, list) and isinstance(urls, list) and len(broken) == len(urls)


def _relative_to(paths, output_setting: str, output: str) -> set[str]:
    """The written paths relative to the output folder. Pelican names every file it
    writes by joining OUTPUT_PATH and the file's save_as, so those are made relative
    as text (no system call per page); only a path elsewhere is resolved with
    realpath, as before."""
    prefix = os.path.abspath(output_setting) + os.sep
    relative = set()
    for path in paths:
        path = os.path.normpath(path)
        if path.startswith(prefix):
            relative.add(path[len(prefix) :].replace(os.sep, "/"))
        else:
            relative.add(_rel(os.path.realpath(path), output))
    return relative


class BuildCheck:
    def __init__(self, settings: dict):
        self.settings = settings
        self.options = csp_options(settings)
        self.content_path = Path(settings["PATH"]).resolve()
        self.written: set[str] = set()
        self.notes: dict[str, list[list]] = {}
        self.sources: dict[str, str] = {}
        self.context: dict | None = None
        self.capture = _Capture()
        # Which posts' HTML the embed pre-check cleared in earlier builds: most posts
        # are cleared, and the pre-check scans every post on every build. The
        # module's code is in the salt, so a change to the rule clears the memo.
        cache = settings.get("CACHE_PATH")
        self.embed_memo = TextMemo(
            Path(cache) / EMBEDS_MEMO if cache else None,
            salt="may_hold_embeds " + hash_text(Path(embeds_module.__file__).read_text(encoding="utf-8")),
        )

    # -- wiring ---------------------------------------------------------------------
    def attach(self) -> None:
        # Bound methods, held strongly for this build only: detach() at finalized.
        signals.content_object_init.connect(self.on_content_init, weak=False)
        signals.content_written.connect(self.on_written, weak=False)
        signals.all_generators_finalized.connect(self.on_generators, weak=False)
        signals.finalized.connect(self.on_finalized, weak=False)
        for name in _CAPTURED_LOGGERS:
            logging.getLogger(name).addFilter(self.capture)

    def detach(self) -> None:
        signals.content_object_init.disconnect(self.on_content_init)
        signals.content_written.disconnect(self.on_written)
        signals.all_generators_finalized.disconnect(self.on_generators)
        signals.finalized.disconnect(self.on_finalized)
        for name in _CAPTURED_LOGGERS:
            logging.getLogger(name).removeFilter(self.capture)

    # -- handlers ---------------------------------------------------------------------
    def on_content_init(self, content) -> None:
        if not isinstance(content, (Article, Page)):
            return
        source = self._display(content)
        text = stored_html(content) or ""
        if not self.embed_memo.get(text, may_hold_embeds):
            self.notes[self._display(content)] = []
            return
        new, embeds, styles = replace_embeds(text, self.options)  # the pre-check said maybe
        if new != text:
            replace_stored_html(content, new)
        notes = []
        lines = SourceLines(self._source_text(content)) if embeds or styles else None
        for embed in embeds:
            notes.append([lines.line_of(embed.url), _embed_message(embed, self.settings)])
        for style in styles:
            if style.style:
                line = lines.line_of(f'style="{style.style}"') or lines.line_of(style.style)
            else:  # a <style> or inline <script> element
                line = lines.line_of(f"<{style.tag}")
            notes.append([line, _style_message(style)])
        self.notes[source] = notes

    def on_written(self, path, context=None) -> None:
        self.written.add(str(path))

    def on_generators(self, generators) -> None:
        if generators:
            self.context = generators[0].context

    def on_finalized(self, pelican) -> None:
        try:
            if self.context is not None:
                self.finish()
        finally:
            self.detach()

    # -- the check ----------------------------------------------------------------------
    def finish(self) -> None:
        started = time.perf_counter()
        settings, context = self.settings, self.context
        output = os.path.realpath(settings["OUTPUT_PATH"])
        site = self._site(output)
        contents = sorted(
            (
                (self._display(c), c)
                for c in context.get("generated_content", {}).values()
                if isinstance(c, (Article, Page))
                and getattr(c, "save_as", "")
                and posixpath.normpath(c.save_as) in site.written
            ),
            key=lambda item: item[0],
        )
        cache_path = Path(settings["CACHE_PATH"]) / CACHE_FILE
        cache = _load(cache_path)
        new_cache: dict[str, dict] = {}
        problems: dict[str, list[list]] = {}
        blockers: dict[str, list[str]] = {}
        reported_urls: set[str] = set()
        code = _code_digest()
        site_key = site.digest()
        checked = from_cache = reused = 0
        for source, content in contents:
            raw = stored_html(content) or ""
            summary = str(content.metadata.get("summary") or "")
            digest = _digest(code, raw + "\0" + summary, self._source_text(content), str(content.url))
            cached = cache.get(source)
            if cached and cached.get("digest") == digest:
                # Kept as stored: turned into References only if they are checked again.
                stored_refs = cached["refs"]
                notes = self.notes.get(source, cached.get("notes", []))
                from_cache += 1
            else:
                refs = references(raw, self._source_text(content))
                # The Summary (already resolved by Pelican): only its unresolved
                # {filename}/{static} links are ours to report.
                refs += [
                    Reference(ref.kind, SUMMARY, ref.attr, ref.url, ref.line)
                    for ref in references(summary, self._source_text(content))
                    if indicator(ref.url)
                ]
                stored_refs = [r.as_list() for r in refs]
                notes = self.notes.get(source, [])
            checked += len(stored_refs)
            if _still_holds(cached, digest, site_key):
                # The post and everything its links could reach are as they were.
                found = [[*pair, url] for pair, url in zip(cached["broken"], cached["broken_urls"], strict=True)]
                on_disk = False
                reused += 1
            else:
                lookups = site.disk_lookups
                found = self._check_page([Reference.from_list(r) for r in stored_refs], content, site)
                on_disk = site.disk_lookups != lookups
            reported_urls.update(url for _line, _message, url in found)
            broken = [[line, message] for line, message, _url in found]
            new_cache[source] = {"digest": digest, "refs": stored_refs, "notes": notes,
                                 "broken": broken, "broken_urls": [url for _line, _message, url in found],
                                 "site": None if on_disk else site_key}  # fmt: skip
            if broken:
                blockers[source] = [_line(source, line, msg) for line, msg in broken]
            if broken or notes:
                problems[source] = broken + notes
        for source, message in self.capture.email:
            problems.setdefault(source, []).append([0, message])
            if source in new_cache:
                new_cache[source]["email"] = new_cache[source].get("email", []) + [message]
        other = self._uncovered(reported_urls, site)
        _save(cache_path, new_cache)
        self.embed_memo.save()
        self._report(problems, other, blockers)
        self._mark_editions(blockers)
        logger.info(
            "link_checks: %d links and images in %d posts and pages (%d read from the cache, "
            "%d with nothing changed they link to) checked in %.2fs",
            checked, len(contents), from_cache, reused, time.perf_counter() - started,
        )  # fmt: skip

    @staticmethod
    def _check_page(refs: list[Reference], content, site: Site) -> list[list]:
        """[line, problem, url] for each of the page's references that does not resolve."""
        page = PostPage.of(content, site)
        found = []
        for ref in refs:
            message = check(ref, content, site, page)
            if message:
                found.append([ref.line, message, ref.url])
        return found

    def _site(self, output: str) -> Site:
        settings, context = self.settings, self.context
        siteurl = (settings.get("SITEURL") or "").rstrip("/")
        base = siteurl + "/" if siteurl.startswith(("http://", "https://")) else DEV_BASE
        site = Site(base=base, output=Path(output), content_name=self.content_path.name,
                    content_root=self.content_path)
        site.written = _relative_to(self.written, settings["OUTPUT_PATH"], output)
        for static in context.get("staticfiles", []) or []:
            save_as = posixpath.normpath(str(static.save_as).replace(os.sep, "/"))
            site.urls[str(static.relative_source_path).replace(os.sep, "/")] = str(getattr(static, "url", "") or "")
            if os.path.isfile(static.source_path):
                site.static_ok.add(save_as)
                site.static_sources.add(str(static.relative_source_path).replace(os.sep, "/"))
            else:
                site.static_missing.add(save_as)
        dirs = []
        for entry in settings.get("STATIC_PATHS", []):
            if (self.content_path / entry).is_dir():
                dirs.append(entry.strip("/") + "/")
        site.static_dirs = tuple(dirs)
        site.image_dir = next((d.rstrip("/") for d in dirs if "image" in d), dirs[0].rstrip("/") if dirs else "images")
        for content in context.get("generated_content", {}).values():
            if isinstance(content, (Article, Page)):
                rel = str(content.relative_source_path).replace(os.sep, "/")
                site.sources_by_name.setdefault(posixpath.basename(rel), []).append(rel)
                site.sources_by_slug.setdefault(str(getattr(content, "slug", "")), rel)
                save_as = posixpath.normpath(str(getattr(content, "save_as", "") or "") or ".")
                if save_as not in site.written:
                    site.unpublished.add(rel)
                site.urls[rel] = str(getattr(content, "url", "") or "")
        site.url_settings = repr(sorted(
            (key, repr(value)) for key, value in settings.items()
            if key.endswith(("_URL", "_SAVE_AS")) or key in ("RELATIVE_URLS", "SITEURL", "PATH")
        )) + pelican_version()  # fmt: skip
        return site

    def _uncovered(self, reported_urls: set[str], site: Site) -> list[str]:
        """Captured Pelican warnings that no post's line already explains."""
        lines = []
        for url in sorted(self.capture.unresolved):
            if not any(r.endswith(url) and indicator(r) for r in reported_urls):
                lines.append(
                    f"Pelican could not resolve '{url}' outside a post's text (a Summary or other "
                    "metadata, or a template): fix its path"
                )
        for path, reason in sorted(self.capture.stamps.items()):
            rel = _rel(path, str(self.content_path))
            if not any(r.endswith(rel) for r in reported_urls):
                why = reason.split("] ")[-1] if reason else "it is missing"
                lines.append(f"{site.content_name}/{rel}: Pelican cannot read it ({why}): add the file or remove the link to it")
        return lines

    def _report(self, problems: dict[str, list[list]], other: list[str], blockers: dict) -> None:
        lines = [
            _line(source, line, message)
            for source in sorted(problems)
            for line, message in sorted(problems[source], key=lambda item: item[0])
        ] + other
        if not lines:
            logger.info("link_checks: every internal link and image resolves")
            return
        files = len(problems) + (1 if other else 0)
        head = f"link_checks: {plural(len(lines), 'problem')} in {plural(files, 'post')}"
        if blockers:
            count = sum(len(v) for v in blockers.values())
            head += (
                f" ({plural(count, 'broken link or image', 'broken links or images')} "
                f"{'keeps' if count == 1 else 'keep'} {plural(len(blockers), 'post')} out of "
                "the newsletter)"
            )
        logger.warning("%s:\n  %s", head, "\n  ".join(lines))

    def _mark_editions(self, blockers: dict[str, list[str]]) -> None:
        newsletter = self.settings.get("NEWSLETTER")
        if not isinstance(newsletter, dict) or not newsletter.get("EDITIONS_PATH"):
            return
        editions = Path(newsletter["EDITIONS_PATH"]).expanduser().resolve()
        if not (editions / "manifest.json").is_file():
            return  # the newsletter plugin is not in PLUGINS
        from newsletter.manifest import add_blockers

        add_blockers(editions, blockers)

    # -- helpers ------------------------------------------------------------------------
    def _display(self, content) -> str:
        return str(content.relative_source_path).replace(os.sep, "/")

    def _source_text(self, content) -> str:
        path = str(content.source_path)
        if path not in self.sources:
            self.sources[path] = source_text(path)
        return self.sources[path]


def _embed_message(embed, settings: dict) -> str:
    what = WHAT[embed.tag]
    if embed.kind == "object":
        return (
            f"{what} from {embed.host} cannot load (the page's Content-Security-Policy allows "
            "no plugins) — shown as a link to it; embed it with an <iframe> instead"
        )
    if embed.kind == "image":
        name = posixpath.basename(embed.url.split("?")[0]) or "image.png"
        return (
            f"image from {embed.host} is blocked by the page's Content-Security-Policy — shown "
            f"as a link to it; copy it into content/images/ and write {{static}}/images/{name}, "
            f"or add '{embed.host}' to CSP['IMAGE_HOSTS'] in pelicanconf.py"
        )
    return (
        f"{what} from {embed.host} is blocked by the page's Content-Security-Policy — shown as "
        f"a link to it; to embed it, add '{embed.host}' to CSP['EMBED_HOSTS'] in pelicanconf.py"
    )


def _style_message(style) -> str:
    if style.tag == "script" and not style.style:
        return (
            "an inline <script> does not run: the page's Content-Security-Policy allows scripts "
            "only from files — remove it, or embed from a host named in CSP['EMBED_HOSTS']"
        )
    if style.tag == "style" and not style.style:
        return (
            "a <style> element is ignored: the page's Content-Security-Policy blocks inline "
            "styles — move its rules into the theme's CSS"
        )
    value = " ".join(style.style.split())
    value = value if len(value) <= 60 else value[:57] + "…"
    return (
        f'inline style="{value}" on <{style.tag}> is ignored: the page\'s '
        "Content-Security-Policy blocks inline styles — use a class from the theme's CSS, "
        "or remove it"
    )


def _line(source: str, line: int, message: str) -> str:
    return f"{source}:{line}: {message}" if line else f"{source}: {message}"


def _code_digest() -> bytes:
    # The extraction's and the check's code are part of each post's key: a change
    # re-extracts and re-checks everything.
    digest = hashlib.sha256()
    for name in ("references.py", "resolve.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    # connected/pelican_content.py: how a post's links are resolved the way Pelican does.
    digest.update(Path(pelican_content.__file__).read_bytes())
    return digest.digest()


def pelican_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pelican")
    except PackageNotFoundError:
        return "unknown"


def _digest(code: bytes, raw: str, source: str, url: str) -> str:
    digest = hashlib.sha256(code)
    for part in (raw.encode("utf-8", "surrogatepass"), source.encode("utf-8", "surrogatepass"), url.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    posts = data.get("posts")
    return posts if isinstance(posts, dict) else {}


def _save(path: Path, posts: dict) -> None:
    data = json.dumps({"version": CACHE_VERSION, "posts": posts}, separators=(",", ":"), ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (data + "\n").encode("utf-8"))
    except OSError as exc:
        logger.info("link_checks: could not write %s (%s); findings are not cached", path, exc)
