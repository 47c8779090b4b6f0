"""The checks behind plugins/post_checks (signal handlers and their helpers)."""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from collections import defaultdict
from pathlib import Path

logger = logging.getLogger(__name__)

# Set on a log record this plugin has turned into a problem line, so a console
# handler (scripts/build.py) can leave out Pelican's own, vaguer line.
CAPTURED_ATTR = "post_checks_captured"

DATE_FIX = "write Date: YYYY-MM-DD HH:MM (e.g. Date: 2026-11-20 09:00)"
HEADER_HINT = (
    "metadata is 'Key: value' lines starting on the very first line of the file, "
    "ending at the first blank line"
)

# Pelican 4.12's own messages for a file it skips (pelican/contents.py,
# pelican/generators.py). Matched on the unformatted template so the
# arguments (the file, the missing property) can be read back.
_COULD_NOT_PROCESS = "Could not process %s"
_MISSING_PROPERTY = "Skipping %s: could not find information about '%s'"
_OUTSIDE_OUTPUT = "Skipping %s: file %r would be written outside output path"
_UNKNOWN_STATUS = "Unknown status '%s' for file %s, skipping it. (Not in %s)"

_HEADER_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")


class ContentError(Exception):
    """One or more posts/pages (or the settings they need) cannot be built.

    `problems` holds one line per problem, each naming the file and the fix.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"the build stopped on {count} content {noun}:\n" + "\n".join(self.problems)
        )


class ReaderErrorCollector(logging.Handler):
    """Remembers, per source file, why Pelican could not read or skipped it.

    Attached to the "pelican" logger for one build (see start_collecting);
    check_all_content reads `reasons` and detaches it.
    """

    def __init__(self, settings: dict):
        super().__init__(level=logging.ERROR)
        self.settings = settings
        self.reasons: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Pelican logs "Could not process" inside its `except` block
            # without the exception attached; the exception is still current
            # here because handlers run synchronously.
            found = _reason_from_record(record, sys.exc_info()[1], self.settings)
        except Exception:  # a diagnosis must never break the build itself
            self.handleError(record)
            return
        if found is None:
            return
        relative, reason = found
        self.reasons.setdefault(relative, reason)
        setattr(record, CAPTURED_ATTR, True)


# --- signal handlers ------------------------------------------------------------


def check_settings(pelican) -> None:
    """initialized: TIMEZONE must name a real time zone (all our dates are aware)."""
    tz_name = pelican.settings.get("TIMEZONE")
    if not tz_name:
        raise ContentError(
            [
                "settings: TIMEZONE is not set — add TIMEZONE = \"Europe/London\" "
                "(your IANA time-zone name) to pelicanconf.py"
            ]
        )
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ContentError(
            [
                f"settings: TIMEZONE {tz_name!r} is not a known time zone — use an IANA "
                "name such as \"Europe/London\" or \"America/New_York\" in pelicanconf.py"
            ]
        ) from None


def start_collecting(pelican) -> None:
    """initialized: attach a fresh collector for this build's reader errors."""
    pelican_logger = logging.getLogger("pelican")
    # A build that crashed before check_all_content leaves its collector
    # behind; drop it so it cannot collect this build's errors as well.
    for handler in list(pelican_logger.handlers):
        if isinstance(handler, ReaderErrorCollector):
            pelican_logger.removeHandler(handler)
    pelican_logger.addHandler(ReaderErrorCollector(pelican.settings))


def check_all_content(generators) -> None:
    """all_generators_finalized: raise ContentError listing every unbuildable file."""
    if not generators:
        return
    settings = generators[0].settings
    context = generators[0].context
    collector = _take_collector(settings)
    reasons = collector.reasons if collector else {}

    problems: list[str] = []
    generated = context.get("generated_content", {})
    for relative in sorted(path for path, content in generated.items() if content is None):
        reason = reasons.get(relative) or (
            f"could not be read (Pelican skipped it; see its message above) — {HEADER_HINT}"
        )
        problems.append(f"{display_path(settings, relative)}: {reason}")

    # (relative source path, content), sorted once: the path is computed once per
    # file and display paths only for the files a message names (this runs on
    # every build, over every post).
    contents = sorted(
        (
            (content.get_relative_source_path(), content)
            for content in generated.values()
            if _is_post_or_page(content)
        ),
        key=lambda pair: pair[0],
    )
    problems.extend(_uuid_problems(contents, settings))
    problems.extend(_save_as_problems(contents, settings))
    _warn_missing_summaries(contents, settings)
    if problems:
        raise ContentError(problems)


# --- helpers --------------------------------------------------------------------


def _take_collector(settings: dict) -> ReaderErrorCollector | None:
    pelican_logger = logging.getLogger("pelican")
    for handler in list(pelican_logger.handlers):
        if isinstance(handler, ReaderErrorCollector) and handler.settings is settings:
            pelican_logger.removeHandler(handler)
            return handler
    return None


def _is_post_or_page(content) -> bool:
    from pelican.contents import Content, Static

    return isinstance(content, Content) and not isinstance(content, Static)


def display_path(settings: dict, relative: str) -> str:
    """The file as the writer knows it: relative to the working directory when inside it."""
    full = Path(settings.get("PATH", ".")) / relative
    try:
        return os.path.relpath(full) if full.resolve().is_relative_to(Path.cwd()) else str(full)
    except ValueError:  # another drive on Windows
        return str(full)


def _relative(settings: dict, source) -> str:
    """A Content object or a path, as a path relative to the content directory."""
    if hasattr(source, "get_relative_source_path"):
        return source.get_relative_source_path()
    path = str(source)
    if os.path.isabs(path):
        path = os.path.relpath(path, settings.get("PATH", "."))
    return path.replace(os.sep, "/")


def _reason_from_record(record, exc, settings) -> tuple[str, str] | None:
    if record.msg == _COULD_NOT_PROCESS and record.args:
        relative = _relative(settings, record.args[0])
        return relative, _reason_from_exception(settings, relative, exc)
    if record.msg == _MISSING_PROPERTY and len(record.args) == 2:
        content, prop = record.args
        relative = _relative(settings, content)
        if prop == "title":
            return relative, _missing_title_reason(settings, relative)
        if prop == "date":
            return relative, f"has no date — {DATE_FIX}"
        return relative, f"has no {prop!r} — add '{prop.capitalize()}: …' to its metadata"
    if record.msg == _OUTSIDE_OUTPUT and len(record.args) == 2:
        content, save_as = record.args
        return _relative(settings, content), (
            f"would be written outside the output directory ({save_as!r}) — "
            "fix its Slug: or Save_as: line"
        )
    if record.msg == _UNKNOWN_STATUS and len(record.args) == 3:
        status, content, _allowed = record.args
        return _relative(settings, content), (
            f"status {status!r} is not one of published, draft, hidden — fix its Status: line"
        )
    return None


def _reason_from_exception(settings, relative, exc) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "is not UTF-8 text — save the file as UTF-8"
    if isinstance(exc, ValueError) and "is not a valid date" in str(exc):
        header = _read_header(settings, relative)
        for key in ("date", "modified"):
            value = header.get(key)
            if value is not None and not _parses_as_date(value):
                label = key.capitalize()
                fix = DATE_FIX.replace("Date:", f"{label}:")
                return f"{key} {value!r} is not a date — {fix}"
        return f"{_one_line(exc)} — {DATE_FIX}"
    detail = _one_line(exc) if exc is not None else "unreadable"
    return f"could not be read ({type(exc).__name__}: {detail}) — check its metadata: {HEADER_HINT}"


def _missing_title_reason(settings, relative) -> str:
    try:
        first = _source_text(settings, relative).splitlines()[:1]
    except OSError:
        first = []
    if first and not _HEADER_LINE.match(first[0]):
        return (
            f"has no title: its first line {first[0][:40]!r} is not metadata — "
            f"start the file with 'Title: …' ({HEADER_HINT})"
        )
    return "has no title — add a line 'Title: …' to the metadata at the top of the file"


def _source_text(settings, relative) -> str:
    return (Path(settings.get("PATH", ".")) / relative).read_text(encoding="utf-8-sig")


def _read_header(settings, relative) -> dict[str, str]:
    """The Markdown metadata header, lower-case keys (first occurrence wins)."""
    header: dict[str, str] = {}
    try:
        lines = _source_text(settings, relative).splitlines()
    except (OSError, UnicodeDecodeError):
        return header
    for line in lines:
        match = _HEADER_LINE.match(line)
        if not match:
            break
        header.setdefault(match["key"].lower(), match["value"].strip())
    return header


def _parses_as_date(value: str) -> bool:
    from pelican.utils import get_date

    try:
        get_date(value.replace("_", " "))
    except ValueError:
        return False
    return True


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


def _canonical_uuid(value: str) -> str:
    try:  # the shared helper (connected/identity.py) when it is importable
        from connected.identity import canonical_uuid
    except ImportError:
        return str(uuid.UUID(str(value).strip()))
    return canonical_uuid(value)


def _fallback_uuid(relative: str) -> str | None:
    try:
        from connected.identity import fallback_uuid
    except ImportError:
        return None
    return fallback_uuid(relative)


def _uuid_problems(contents, settings) -> list[str]:
    """contents: (relative source path, content) pairs sorted by path."""
    problems: list[str] = []
    owners: dict[str, list[str]] = defaultdict(list)
    for relative, content in contents:
        value = content.metadata.get("uuid")
        if isinstance(value, list):
            shown = display_path(settings, relative)
            problems.append(f"{shown}: has {len(value)} Uuid: lines — keep exactly one")
            continue
        if value is None or not str(value).strip():
            logger.warning(
                "post_checks: %s has no Uuid — run make uuids to give it a stable id "
                "(until then its id changes if the file is renamed)",
                display_path(settings, relative),
            )
            fallback = _fallback_uuid(relative)
            if fallback:
                owners[fallback].append(relative)
            continue
        try:
            owners[_canonical_uuid(value)].append(relative)
        except ValueError:
            shown = display_path(settings, relative)
            problems.append(
                f"{shown}: Uuid {str(value).strip()!r} is not a UUID — fix it to look like "
                "3f2b8c1e-5d4a-4e8f-9b6c-2a1d0e7f8c9b (if the post was never published you "
                "may delete the line and run make uuids)"
            )
    for value, files in sorted(owners.items()):
        if len(files) > 1:
            shown = [display_path(settings, relative) for relative in files]
            problems.append(
                f"{' and '.join(shown)}: share Uuid {value} — every post needs its own; "
                "delete the Uuid: line of the newer copy and run make uuids"
            )
    return problems


def _save_as_problems(contents, settings) -> list[str]:
    """Two files written to the same place: Pelican would stop half-way through
    writing with an error naming only the output file."""
    writers: dict[str, list[str]] = defaultdict(list)
    for name in settings.get("DIRECT_TEMPLATES", []):
        save_as = settings.get(f"{name.upper()}_SAVE_AS", f"{name}.html")
        if save_as:
            writers[os.path.normpath(save_as)].append(f"the {name} page")
    for relative, content in contents:
        save_as = getattr(content, "save_as", "")
        if save_as:
            writers[os.path.normpath(save_as)].append(relative)
    problems = []
    for save_as, owners in sorted(writers.items()):
        files = [owner for owner in owners if not owner.startswith("the ")]
        if len(owners) > 1 and files:
            owners = [o if o.startswith("the ") else display_path(settings, o) for o in owners]
            problems.append(
                f"{' and '.join(owners)}: would both be written to {save_as} — "
                "give one of them a different Slug:"
            )
    return problems


def _warn_missing_summaries(contents, settings) -> None:
    """A published post without Summary: builds, but its link previews, index
    teaser and email preheader fall back to its first words: say so."""
    from pelican.contents import Article

    for relative, content in contents:
        if not isinstance(content, Article) or content.status != "published":
            continue
        if not str(content.metadata.get("summary") or "").strip():
            logger.warning(
                "post_checks: %s has no Summary — add a one-sentence 'Summary: …' line "
                "(link previews, the index and the email preheader use it)",
                display_path(settings, relative),
            )
