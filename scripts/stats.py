"""`make stats`: who is hearing from you — the newsletter's reach, per post and over time.

    python -m scripts stats [--refresh] [--output reports/index.html] [--settings publishconf.py]

Reads the send record, fetches each Mailchimp campaign's report and click details
and the audience's growth history (through scripts/backends/mailchimp_client.py,
publishing's client and retry rules), keeps them in a local cache, and writes a
self-contained HTML report plus a compact table on the terminal. With no key, or no
network, it renders from the cache and says how old the figures are; outbox and
baseline entries are listed as sent, with a word that engagement figures need Mailchimp.

With STATS["ACCESS_LOGS"] it also reads what is new in the web server's access
logs (scripts/stats_logs.py; parser in scripts/access_logs.py) for per-post web
views, visitors and sources and per-feed subscribers (scripts/stats_reach.py).

Settings: the STATS dict in pelicanconf.py (see STATS_KEYS). This module is the
edge (settings, environment, network, files, printing); scripts/stats_report.py
holds the pure model and renderers, scripts/stats_cache.py the cache file.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from connected.errors import ConnectedError
from connected.send_record import RecordError, load_record
from connected.settings_schema import SCHEMA, settings_dict
from scripts.backends import read_env
from scripts.backends.base import BackendError
from scripts.stats_cache import describe_age, load_cache, needs_refresh, parse_time, save_cache

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MAX_CONCURRENCY = 10  # Mailchimp allows 10 simultaneous connections per user
PROBE_ATTEMPTS = 2  # a quick look before fanning out, so "offline" is noticed in seconds
CLICK_DETAILS_COUNT = 1000  # the most Mailchimp returns per page; posts have far fewer links
GROWTH_COUNT = 1000  # months of growth history (the API's page limit)
REPORT_FIELDS = [
    "id", "campaign_title", "subject_line", "list_id", "send_time", "emails_sent",
    "unsubscribed", "abuse_reports", "bounces", "opens", "clicks",
]
LINK_FIELDS = [
    "urls_clicked.url", "urls_clicked.total_clicks", "urls_clicked.unique_clicks",
    "urls_clicked.click_percentage", "urls_clicked.unique_click_percentage", "total_items",
]

# key -> (default, meaning), from the one settings schema (docs/settings.md documents it).
STATS_KEYS: dict[str, tuple[Any, str]] = {key: (spec.default, spec.meaning) for key, spec in SCHEMA["STATS"].items()}


class StatsError(ConnectedError):
    """`make stats` cannot go on; the message says what to fix."""


def _fail(key: str, problem: str, fix: str) -> StatsError:
    return StatsError(f"STATS[{key!r}] {problem}: {fix} (in pelicanconf.py).")


def stats_settings(settings: dict, root: Path) -> dict[str, Any]:
    """settings["STATS"] merged with defaults and validated; paths resolved against root."""
    raw = settings_dict(settings, "STATS", STATS_KEYS, StatsError,
                        "STATS must be a dict of settings: see docs/reach-report.md.")
    merged = {key: raw.get(key, default) for key, (default, _) in STATS_KEYS.items()}
    out: dict[str, Any] = {}
    for key in ("OUTPUT_PATH", "CACHE_PATH"):
        value = merged[key]
        if not isinstance(value, str | Path) or not str(value).strip():
            raise _fail(key, f"must be a path, got {value!r}", f"set it to {STATS_KEYS[key][1]}")
        path = Path(value).expanduser()
        out[key] = path if path.is_absolute() else (root / path)
    for key, low, high in (("MAX_AGE_HOURS", 0, None), ("FINAL_AFTER_DAYS", 0, None),
                           ("CONCURRENCY", 1, MAX_CONCURRENCY)):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low or (
            high is not None and value > high
        ):
            limits = f"between {low} and {high}" if high else f">= {low}"
            raise _fail(key, f"must be a number {limits}, got {value!r}", STATS_KEYS[key][1])
        out[key] = value
    out["CONCURRENCY"] = int(out["CONCURRENCY"])
    globs = merged["ACCESS_LOGS"]
    if isinstance(globs, str | Path):
        globs = [globs]
    if not isinstance(globs, list | tuple) or not all(isinstance(g, str | Path) and str(g).strip()
                                                      for g in globs):
        raise _fail("ACCESS_LOGS", f"must be a glob or a list of globs, got {merged['ACCESS_LOGS']!r}",
                    'e.g. ["logs/access.log*"]')
    out["ACCESS_LOGS"] = [str(Path(str(g)).expanduser()) for g in globs]
    remote = merged["LOGS_REMOTE"]
    if not isinstance(remote, str) or (remote.strip() and (remote.strip().startswith("-")
                                                           or "\n" in remote)):
        raise _fail("LOGS_REMOTE", f"must be an rsync source, got {remote!r}", 'e.g. "user@host:/var/log/nginx/"')
    out["LOGS_REMOTE"] = remote.strip()
    logs_dir = merged["LOGS_DIR"]
    if not isinstance(logs_dir, str | Path) or not str(logs_dir).strip():
        raise _fail("LOGS_DIR", f"must be a path, got {logs_dir!r}", "set it to a folder, e.g. \"logs\"")
    path = Path(logs_dir).expanduser()
    out["LOGS_DIR"] = path if path.is_absolute() else (root / path)
    return out


def log_files(globs: list[str], root: Path) -> list[Path]:
    """The files the ACCESS_LOGS globs match (relative globs from the project), each once."""
    import glob

    found: dict[str, Path] = {}
    for pattern in globs:
        full = pattern if Path(pattern).is_absolute() else str(root / pattern)
        for name in sorted(glob.glob(full)):
            path = Path(name)
            if path.is_file():
                found.setdefault(str(path.resolve()), path)
    return list(found.values())


# ------------------------------------------------------------------------------ inputs
def load_settings(root: Path, settings_file: str) -> dict:
    from connected.site_settings import load_settings as load_site_settings

    path = Path(settings_file)
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        raise StatsError(f"Settings file {path} not found: run from the project root or pass --settings.")
    return load_site_settings(root, path)


def post_metadata(settings: dict) -> dict[str, dict]:
    """uuid → {"title", "category", "tags", "url", "date"} for the posts under content/.

    Read with Pelican's readers, because the send record and the editions
    manifest do not carry categories and tags. No site is built, and for a
    Markdown post only its metadata header is handed to the reader (a copy cut
    at the first blank line, at the same relative path so a Uuid-less post
    gets the same fallback id): rendering every body would take seconds per
    hundred posts for labels alone.
    """
    import tempfile

    from pelican.contents import Article
    from pelican.readers import Readers

    from connected.header import MARKDOWN_SUFFIXES, read_header
    from connected.identity import post_uuid

    base = Path(settings["PATH"])
    readers = Readers(settings)
    extensions = set(readers.extensions)
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="stats-meta-") as scratch:
        for folder in settings.get("ARTICLE_PATHS") or [""]:
            directory = base / folder
            if not directory.is_dir():
                continue
            for file in sorted(directory.rglob("*")):
                if not file.is_file() or file.suffix.lstrip(".") not in extensions:
                    continue
                relative = file.relative_to(base).as_posix()
                source_base = base
                try:
                    if file.suffix.lower() in MARKDOWN_SUFFIXES:
                        parsed = read_header(file)
                        if parsed.error:
                            raise ValueError(parsed.error)
                        header = "\n".join(parsed.lines[: parsed.body_start]).strip("\n")
                        copy = Path(scratch) / relative
                        copy.parent.mkdir(parents=True, exist_ok=True)
                        copy.write_text(header + "\n\n", encoding="utf-8")
                        source_base = Path(scratch)
                    article = readers.read_file(base_path=str(source_base), path=relative,
                                                content_class=Article, context={})
                    # The fallback id comes from the path relative to PATH: the real file's.
                    article.source_path = str(file)
                    article.relative_source_path = relative
                    uuid = post_uuid(article)
                except Exception as exc:  # noqa: BLE001 - a broken post only loses its labels here
                    log.debug("stats: could not read %s for its category and tags: %s", relative, exc)
                    continue
                category = getattr(article, "category", None)
                date = getattr(article, "date", None)
                out[uuid] = {
                    "url": str(getattr(article, "url", "") or ""),
                    "date": date.isoformat() if date is not None and date.tzinfo else None,
                    "title": str(getattr(article, "title", "") or ""),
                    "category": str(category) if category else None,
                    "tags": [str(tag) for tag in getattr(article, "tags", None) or []],
                }
    return out


# ------------------------------------------------------------------------------ fetching
class Progress:
    """'Fetching Mailchimp reports: 12/30' on stderr; one line per step when not a TTY."""

    def __init__(self, total: int, stream: TextIO):
        self.total = total
        self.stream = stream
        self.done = 0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.step = max(1, total // 10)
        self.lock = threading.Lock()
        if total and not self.tty:
            print(f"Fetching {total} Mailchimp report(s)…", file=stream, flush=True)

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            if self.tty:
                end = "\n" if self.done == self.total else ""
                print(f"\rFetching Mailchimp reports: {self.done}/{self.total}", end=end,
                      file=self.stream, flush=True)
            elif self.done % self.step == 0 or self.done == self.total:
                print(f"  {self.done}/{self.total} fetched", file=self.stream, flush=True)


@dataclass
class FetchOutcome:
    failed: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)
    fetched: int = 0
    offline: bool = False
    live: bool = False


class MailchimpReader:
    """Reads reports through scripts/backends/mailchimp_client.py: the client, retries and
    messages publishing uses.

    Each worker thread gets its own client, because a client keeps the headers of its
    last answer between calls.
    """

    def __init__(self, env: dict, options: dict | None = None):
        self.env = env
        self.options = dict(options or {})
        self.local = threading.local()
        self.audience_id = (env.get("MAILCHIMP_AUDIENCE_ID") or "").strip()

    def client(self, **overrides):
        from scripts.backends.mailchimp_client import MailchimpClient

        return MailchimpClient(
            (self.env.get("MAILCHIMP_API_KEY") or "").strip(),
            api_url=(self.env.get("MAILCHIMP_API_URL") or "").strip() or None,
            log=log,
            **{**self.options, **overrides},
        )

    def _mine(self):
        if getattr(self.local, "client", None) is None:
            self.local.client = self.client()
        return self.local.client

    def probe(self) -> None:
        """One cheap call with a short retry budget; raises CallFailed."""
        client = self.client(max_attempts=PROBE_ATTEMPTS)
        client.call("checking Mailchimp is reachable", client.ping.get, idempotent=True)

    def campaign(self, campaign_id: str) -> dict:
        """{"state": "ok", "report", "links"} or {"state": "deleted"}; raises CallFailed."""
        from scripts.backends.mailchimp_client import CallFailed

        client = self._mine()
        try:
            report = client.call(
                f"fetching the report of campaign {campaign_id}",
                client.reports.get_campaign_report,
                campaign_id, fields=REPORT_FIELDS, idempotent=True,
            ) or {}
        except CallFailed as exc:
            if exc.status == 404:
                return {"state": "deleted"}
            raise
        try:
            details = client.call(
                f"fetching the clicked links of campaign {campaign_id}",
                client.reports.get_campaign_click_details,
                campaign_id, count=CLICK_DETAILS_COUNT, fields=LINK_FIELDS, idempotent=True,
            ) or {}
        except CallFailed as exc:
            if exc.status == 404:  # the report exists; no link table is no links
                details = {}
            else:
                raise
        return {"state": "ok", "report": report, "links": details.get("urls_clicked") or []}

    def growth(self) -> list[dict]:
        client = self._mine()
        doc = client.call(
            "fetching the audience's growth history",
            client.lists.get_list_growth_history,
            self.audience_id, count=GROWTH_COUNT, fields=["history.month", "history.subscribed",
                                                          "history.unsubscribed", "total_items"],
            idempotent=True,
        ) or {}
        return [m for m in doc.get("history") or [] if isinstance(m, dict)]

    def error(self, exc) -> BackendError:
        """The message publishing gives for the same failure (e.g. 401: API key rejected)."""
        return self._mine().error(exc)


def stale_campaigns(record: dict, cache: dict, now: datetime, cfg: dict, force: bool) -> list[str]:
    """Campaign ids (of sent Mailchimp entries) whose cached report must be fetched."""
    max_age = timedelta(hours=cfg["MAX_AGE_HOURS"])
    final_after = timedelta(days=cfg["FINAL_AFTER_DAYS"])
    wanted = []
    for entry in (record.get("posts") or {}).values():
        campaign_id = entry.get("campaign_id")
        if entry.get("backend") != "mailchimp" or entry.get("status") != "sent" or not campaign_id:
            continue
        cached = cache["campaigns"].get(campaign_id) or {}
        report = cached.get("report") or {}
        sent_at = parse_time(report.get("send_time")) or parse_time(entry.get("at"))
        if force or needs_refresh(parse_time(cached.get("fetched_at")), sent_at, now,
                                  max_age=max_age, final_after=final_after):
            wanted.append(campaign_id)
    return sorted(set(wanted))


def refresh_cache(
    record: dict,
    cache: dict,
    reader: MailchimpReader,
    *,
    now: Callable[[], datetime],
    cfg: dict,
    force: bool,
    stream: TextIO,
) -> FetchOutcome:
    """Fetch what is stale into `cache` (in place). Raises BackendError on a rejected key."""
    from scripts.backends.mailchimp_client import CallFailed

    outcome = FetchOutcome()
    start = now()
    wanted = stale_campaigns(record, cache, start, cfg, force)
    growth = cache.get("growth") or {}
    growth_fetched = parse_time(growth.get("fetched_at"))
    growth_due = bool(reader.audience_id) and (
        force or growth_fetched is None
        or start - growth_fetched > timedelta(hours=cfg["MAX_AGE_HOURS"])
    )
    if not wanted and not growth_due:
        outcome.live = True  # everything cached is fresh enough
        return outcome
    try:
        reader.probe()
    except CallFailed as exc:
        if exc.status == 401:
            raise reader.error(exc) from None
        outcome.offline = True
        outcome.failed.update(wanted)
        outcome.notices.append(
            f"Could not reach Mailchimp ({exc.describe()}): the figures below come from the cache."
        )
        return outcome

    if growth_due:
        try:
            history = reader.growth()
        except CallFailed as exc:
            if exc.status == 401:
                raise reader.error(exc) from None
            outcome.notices.append(f"The audience's growth history could not be fetched: {exc.describe()}.")
        else:
            cache["growth"] = {"fetched_at": now().isoformat(timespec="seconds"),
                               "list_id": reader.audience_id, "history": history}

    progress = Progress(len(wanted), stream)
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=cfg["CONCURRENCY"], thread_name_prefix="stats") as pool:
        futures = {pool.submit(reader.campaign, cid): cid for cid in wanted}
        try:
            for future in as_completed(futures):
                campaign_id = futures[future]
                progress.advance()
                try:
                    result = future.result()
                except CallFailed as exc:
                    if exc.status == 401:
                        raise reader.error(exc) from None
                    outcome.failed.add(campaign_id)
                    errors.append(f"{campaign_id}: {exc.describe()}")
                    continue
                cache["campaigns"][campaign_id] = {
                    "fetched_at": now().isoformat(timespec="seconds"), **result
                }
                outcome.fetched += 1
        except BackendError:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    if errors:
        outcome.notices.append(
            f"{len(errors)} report(s) could not be fetched ({'; '.join(errors[:3])}"
            f"{'; …' if len(errors) > 3 else ''}); they are shown from the cache when cached. "
            "Run make stats again later."
        )
    outcome.live = not outcome.failed
    return outcome


# ------------------------------------------------------------------------------ the command
def run(
    *,
    root: Path = ROOT,
    settings_file: str = "publishconf.py",
    output: str | None = None,
    refresh: bool = False,
    access_logs: list[str] | None = None,
    env: dict | None = None,
    clock: Callable[[], datetime] | None = None,
    backend_options: dict | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The whole command; returns the exit code. Raises StatsError/BackendError/RecordError."""
    from connected.newsletter_settings import newsletter_settings
    from scripts.stats_report import build_model, render_html, render_table

    out = out or sys.stdout
    err = err or sys.stderr
    clock = clock or (lambda: datetime.now(UTC))
    env = read_env(root) if env is None else env
    settings = load_settings(root, settings_file)
    cfg = stats_settings(settings, root)
    if output:
        target = Path(output).expanduser()
        cfg["OUTPUT_PATH"] = target if target.is_absolute() else Path.cwd() / target
    if access_logs:
        cfg["ACCESS_LOGS"] = [g if Path(g).is_absolute() else str(Path.cwd() / g) for g in access_logs]
    record_path = newsletter_settings(settings)["RECORD_PATH"]
    record = load_record(record_path) or {"version": 1, "posts": {}}
    cache = load_cache(cfg["CACHE_PATH"])

    notices: list[str] = []  # shown in the report and on the terminal
    terminal_notes: list[str] = []
    failed: set[str] = set()
    live = False
    has_key = bool((env.get("MAILCHIMP_API_KEY") or "").strip())
    mailchimp_entries = [e for e in record["posts"].values() if e.get("backend") == "mailchimp"]
    if not record["posts"]:
        notices.append(f"The send record ({record_path.name}) lists no posts yet.")
    elif has_key:
        reader = MailchimpReader(env, backend_options)
        outcome = refresh_cache(record, cache, reader, now=clock, cfg=cfg, force=refresh, stream=err)
        notices.extend(outcome.notices)
        failed, live = outcome.failed, outcome.live
        if outcome.fetched or (cache.get("growth") or {}).get("fetched_at"):
            save_cache(cfg["CACHE_PATH"], cache)
    else:
        if mailchimp_entries:
            notices.append(
                "MAILCHIMP_API_KEY is not set: Mailchimp figures come from the cache. Set it in .env "
                "(see .env.example) to fetch fresh ones."
            )
        else:
            # The HTML report says this in its "Sent without Mailchimp figures" section.
            terminal_notes.append(
                "Engagement figures (opens, clicks, unsubscribes) need Mailchimp: these posts went to "
                "the outbox or were marked as sent. Set MAILCHIMP_API_KEY and MAILCHIMP_AUDIENCE_ID "
                "in .env (see .env.example) and publish through Mailchimp."
            )

    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        timezone = ZoneInfo(settings.get("TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        timezone = UTC
    # Categories and tags label measured posts only: skip reading content/ without any
    # (the access logs need the posts' URLs, so they read it too).
    measurable = any(e.get("campaign_id") in cache["campaigns"] for e in record["posts"].values())
    metadata = post_metadata(settings) if measurable or cfg["ACCESS_LOGS"] else {}
    web, missing = None, []
    if cfg["ACCESS_LOGS"]:
        web = read_access_logs(cfg, root, settings, record, metadata, cache, clock(), timezone,
                               notices, err)
    else:
        missing.append(
            "Web views, traffic sources and feed readers need the web server's access logs: set "
            "STATS['ACCESS_LOGS'] in pelicanconf.py (e.g. [\"logs/access.log*\"]) and copy the logs with "
            "make fetch-logs. Until then this section shows email only."
        )
    if web is not None and not mailchimp_entries:
        missing.append(
            "Email figures (sent, opens, clicks) need Mailchimp: set MAILCHIMP_API_KEY and "
            "MAILCHIMP_AUDIENCE_ID in .env and publish through Mailchimp. Until then, people reached "
            "counts web visitors only."
        )
    model = build_model(
        record, cache, metadata,
        now=clock(), site_name=settings.get("SITENAME") or "", notices=notices,
        failed=failed, live=live, timezone=timezone, web=web, missing=missing,
    )
    theme = Path(settings.get("THEME") or ROOT / "theme")
    template_dir = theme / "templates" / "report"
    if not (template_dir / "report.html").is_file():
        template_dir = ROOT / "theme" / "templates" / "report"
    page = render_html(model, template_dir)
    target = Path(cfg["OUTPUT_PATH"])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)

    print(render_table(model), file=out)
    print("", file=out)
    # Without logs, say so; without Mailchimp, terminal_notes already says what email needs.
    for notice in notices + terminal_notes + (missing if record["posts"] and web is None else []):
        print(f"Note: {notice}", file=out)
    if model.oldest_fetch is not None and not live:
        print(f"Figures are from the cache: {describe_age(model.generated_at - model.oldest_fetch)} old "
              "at the oldest.", file=out)
    print(f"Report written to {_display(target)} (open it in a browser; it is not deployed).", file=out)
    return 0


def read_access_logs(cfg, root, settings, record, metadata, cache, now, timezone, notices, err):
    """Read what is new in the access logs into cache["logs"]; return the stats_reach.Web model."""
    from scripts.stats_logs import LogsError, build_site_map, read_logs
    from scripts.stats_reach import build_web

    files = log_files(cfg["ACCESS_LOGS"], root)
    if not files:
        notices.append(
            f"STATS['ACCESS_LOGS'] ({', '.join(cfg['ACCESS_LOGS'])}) matches no file: copy the logs with "
            "make fetch-logs, or fix the glob in pelicanconf.py. Web figures are from the cache, if any."
        )
    urls = {uuid: meta.get("url") or "" for uuid, meta in metadata.items()}
    for uuid, entry in (record.get("posts") or {}).items():
        if entry.get("url"):
            urls.setdefault(uuid, entry["url"])
            if not urls[uuid]:
                urls[uuid] = entry["url"]
    site = build_site_map(urls, feed_paths(settings), str(settings.get("SITEURL") or ""))
    print(f"Reading {len(files)} access log file(s)…", file=err, flush=True)
    try:
        result, logs_cache = read_logs(files, site, cache.get("logs"), timezone=timezone,
                                       today=now.astimezone(timezone).date(), display=_display)
    except LogsError as exc:
        raise StatsError(str(exc)) from None
    cache["logs"] = logs_cache
    save_cache(cfg["CACHE_PATH"], cache)
    notices.extend(result.notices)
    if result.duplicates:
        notices.append(f"{result.duplicates} access log file(s) were copies of another one and were read once.")
    log.debug("stats: read %s bytes, %s lines of access logs", result.bytes_read, result.lines_read)
    return build_web(result.days, bots=result.bots, ignored=result.ignored, malformed=result.malformed,
                     files=result.files)


def feed_paths(settings: dict) -> list[str]:
    """The feeds' output paths (patterns keep {slug}), as plugins/site_feeds resolves them."""
    try:
        from plugins.site_feeds.settings import PATH_KEYS, PATTERN_KEYS, validate

        merged = validate(settings.get("SITE_FEEDS"))
    except Exception as exc:  # noqa: BLE001 - a bad SITE_FEEDS stops the build, not the report
        log.debug("stats: SITE_FEEDS not usable (%s): default feed paths", exc)
        return ["feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json",
                "feeds/category/{slug}.atom.xml", "feeds/category/{slug}.rss.xml",
                "feeds/tag/{slug}.atom.xml", "feeds/tag/{slug}.rss.xml"]
    return [merged[k] for k in PATH_KEYS + PATTERN_KEYS if merged[k]]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts stats",
        description="Reach report: opens, clicks and audience growth from Mailchimp; web views, "
                    "sources and feed subscribers from the access logs.",
    )
    parser.add_argument("--refresh", action="store_true", help="refetch every report, fresh or not")
    parser.add_argument("--output", metavar="PATH", help="where to write the HTML report "
                        "(default STATS['OUTPUT_PATH'], reports/index.html)")
    parser.add_argument("--access-logs", action="append", metavar="GLOB",
                        help="read these access logs instead of STATS['ACCESS_LOGS'] (repeatable)")
    parser.add_argument("--settings", default="publishconf.py", help="settings file, relative to --root")
    parser.add_argument("--root", default=str(ROOT), help="project root (default: this checkout)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request retry")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from connected.newsletter_settings import SettingsError

    root = Path(args.root).resolve()
    env = read_env(root)
    key = (env.get("MAILCHIMP_API_KEY") or "").strip()
    try:
        return run(root=root, settings_file=args.settings, output=args.output,
                   refresh=args.refresh, env=env, access_logs=args.access_logs)
    except (StatsError, BackendError, RecordError, SettingsError) as exc:
        message = str(exc).replace(key, "<MAILCHIMP_API_KEY>") if key else str(exc)
        print(f"make stats stopped: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("make stats was interrupted; the cache still holds what earlier runs fetched.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
