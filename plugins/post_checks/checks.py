"""The checks behind plugins/post_checks (signal handlers and their helpers)."""

from __future__ import annotations

import difflib
import logging
import os
import sys
import uuid
from collections import defaultdict
from pathlib import Path

from connected import header as header_module
from connected import settings_schema
from connected.errors import ConnectedError
from connected.header import Header, parse_header, read_header, read_text, syntax_of
from connected.identity import shared_uuid_problem
from connected.memo import TextMemo, hash_text
from connected.site_settings import is_production
from connected.starter_text import starter_sentence

from .outputs import collision_problems, content_claims, generated_claims
from .values import DATE_FIX, SLUG_MAX, file_problems, theme_templates

logger = logging.getLogger(__name__)

# Set on a log record this plugin has turned into a problem line, so a console
# handler (scripts/build.py) can leave out Pelican's own, vaguer line.
CAPTURED_ATTR = "post_checks_captured"

UNREADABLE_MODES = ("stop", "list")
# Reader failures that a header check of values.py names better (a bad date,
# time zone or path): when the file has such a problem, Pelican's reason is dropped.
EXPLAINED_BY_HEADER = frozenset({"date", "timezone", "path"})
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



class ContentError(ConnectedError, ValueError):
    """One or more posts/pages (or the settings they need) cannot be built.

    A ValueError, like the settings errors of the other components
    (SiteFeedsError, FastBuildSettingsError): a settings-dict typo found here
    stops the build before the component that owns the dict would.

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
        self.reasons: dict[str, tuple[str, str]] = {}
        self.settings_problems: list[str] = []

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


# Settings dicts whose owner reads them before all_generators_finalized: a
# typo there must stop the build at once, before the owner trips on it.
# The others' problems wait and are listed with the content's, in one run.
_READ_EARLY = ("FAST_BUILD",)


def check_settings(pelican) -> None:
    """initialized: TIMEZONE names a real time zone (all our dates are aware), and
    no settings dict holds a mistyped key or a value its schema refuses.

    Raises at once when the build cannot go on (TIMEZONE, a dict read during
    reading); otherwise the problems are listed with the content's (see
    start_collecting, check_all_content)."""
    early, later, notes = _settings_problems(pelican.settings)
    for note in notes:
        logger.warning("post_checks: note: %s", note)
    if early:
        raise ContentError(early + later)


def _hidden_static_problems(settings: dict) -> list[str]:
    """A static path with a part starting with a dot is never read (IGNORE_FILES = [".*"]):
    without a word the file would be missing from output/, and a deploy with --delete would
    take it off the server (an .htaccess, a .well-known/ folder)."""
    ignores = settings.get("IGNORE_FILES") or []
    if ".*" not in ignores:
        return []
    extra = settings.get("EXTRA_PATH_METADATA") or {}
    sources = [("STATIC_PATHS", p) for p in settings.get("STATIC_PATHS") or []]
    sources += [("EXTRA_PATH_METADATA", p) for p in (extra if isinstance(extra, dict) else {})]
    problems = []
    for setting, path in sources:
        parts = str(path).replace("\\", "/").split("/")
        hidden = next((part for part in parts if part.startswith(".") and part not in (".", "..")), None)
        if hidden is None:
            continue
        plain = "/".join(part.lstrip(".") if part == hidden else part for part in parts)
        problems.append(
            f"pelicanconf.py: {setting} names {str(path)!r}, but files and folders starting with a "
            f"dot are not read (IGNORE_FILES) — keep it as {plain!r} and give its published name in "
            f"EXTRA_PATH_METADATA, e.g. {{{plain!r}: {{'path': '{hidden}'}}}} (docs/settings.md)"
        )
    return problems


def _settings_problems(settings: dict) -> tuple[list[str], list[str], list[str]]:
    """(problems that stop the build now, problems that can wait, notes)."""
    from connected.settings_schema import settings_problems

    early: list[str] = []
    tz_name = settings.get("TIMEZONE")
    if not tz_name:
        early.append(
            "settings: TIMEZONE is not set — add TIMEZONE = \"Europe/London\" "
            "(your IANA time-zone name) to pelicanconf.py"
        )
    else:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            early.append(
                f"settings: TIMEZONE {tz_name!r} is not a known time zone — use an IANA "
                "name such as \"Europe/London\" or \"America/New_York\" in pelicanconf.py"
            )
    read_early = {name: settings[name] for name in _READ_EARLY if name in settings}
    read_later = {name: value for name, value in settings.items() if name not in _READ_EARLY}
    problems, notes = settings_problems(read_early)
    early.extend(problems)
    later, more_notes = settings_problems(read_later)
    notes.extend(more_notes)
    later.extend(_hidden_static_problems(settings))
    config = settings.get("POST_CHECKS")
    if config is not None and not isinstance(config, dict):
        later.append(
            "pelicanconf.py: POST_CHECKS must be a dict, e.g. POST_CHECKS = "
            "{\"EXTRA_KEYS\": [\"Series\"]}"
        )
    elif config:
        mode = config.get("UNREADABLE_FILES", "stop")
        if mode not in UNREADABLE_MODES:
            later.append(
                f"pelicanconf.py: POST_CHECKS['UNREADABLE_FILES'] is {mode!r} — use \"stop\" "
                "(the file stops the build) or \"list\" (it is listed, the rest builds)"
            )
        extra = config.get("EXTRA_KEYS", [])
        if not isinstance(extra, list | tuple) or not all(isinstance(k, str) for k in extra):
            later.append(
                f"pelicanconf.py: POST_CHECKS['EXTRA_KEYS'] must be a list of key names, "
                f"got {extra!r} — e.g. [\"Series\", \"Cover_credit\"]"
            )
    return early, later, notes


def start_collecting(pelican) -> None:
    """initialized: attach a fresh collector for this build's reader errors (and
    the settings problems that wait for the content's)."""
    pelican_logger = logging.getLogger("pelican")
    # A build that crashed before check_all_content leaves its collector
    # behind; drop it so it cannot collect this build's errors as well.
    for handler in list(pelican_logger.handlers):
        if isinstance(handler, ReaderErrorCollector):
            pelican_logger.removeHandler(handler)
    collector = ReaderErrorCollector(pelican.settings)
    collector.settings_problems = _settings_problems(pelican.settings)[1]
    pelican_logger.addHandler(collector)


def skip_any_case(sender, metadata=None, **_kwargs) -> None:
    """`Status: SKIP`: Pelican's reader skips only the lower-case word, and its generator
    then fails with a bare AssertionError naming no file. Read as a draft instead (never
    published, never mailed), so that values.py names the line and the build stops there."""
    status = (metadata or {}).get("status")
    if isinstance(status, str) and status != "skip" and status.strip().casefold() == "skip":
        metadata["status"] = "draft"


def check_all_content(generators) -> None:
    """all_generators_finalized: raise ContentError listing every problem of every file."""
    if not generators:
        return
    settings = generators[0].settings
    context = generators[0].context
    collector = _take_collector(settings)
    reasons = collector.reasons if collector else {}
    templates = theme_templates(settings)

    problems: list[str] = list(collector.settings_problems) if collector else []
    unreadable: list[str] = []
    unknown_keys: dict[str, list[str]] = defaultdict(list)
    slug_lines: set[str] = set()  # the files with a Slug: line
    generated = context.get("generated_content", {})
    memo = _problems_memo(settings, templates)
    root = Path(settings.get("PATH", "."))
    real_root = root.resolve()
    linked: set[str] = set()  # read through a symbolic link: said once, checked no further
    real_dirs: dict[str, Path | None] = {}  # each folder resolved once (a few, for 10 000 posts)
    starters: dict[str, str] = {}  # relative path -> the starter sentence it still holds
    for relative in sorted(
        path for path, content in generated.items() if content is None or _is_post_or_page(content)
    ):
        path = root / relative
        link = _link_problem(path, relative, real_root, real_dirs)
        if link:
            # The link as the writer sees it in content/ (display_path would follow it).
            shown = os.path.relpath(path) if path.absolute().is_relative_to(Path.cwd()) else str(path)
            problems.append(f"{shown}: {link}")
            linked.add(relative)
            continue
        found, unknown, has_slug, error, starter = _file_findings(
            path, settings, templates, _kind(settings, relative), memo
        )
        if starter:
            starters[relative] = starter
        if has_slug:
            slug_lines.add(relative)
        for key in unknown:
            unknown_keys[key].append(relative)
        if not found and generated[relative] is not None:
            continue  # the common case: nothing to say (display_path resolves links)
        shown = display_path(settings, relative)
        problems.extend(f"{shown}: {problem}" for problem in found)
        if generated[relative] is not None:
            continue
        kind, reason = reasons.get(relative) or (
            "unreadable",
            f"could not be read (Pelican skipped it; see its message above) — {HEADER_HINT}",
        )
        if found and (kind in EXPLAINED_BY_HEADER or error):
            continue  # a header problem above is the reason, said better
        line = f"{shown}: {reason}"
        if kind == "unreadable" and _unreadable_mode(settings) == "list":
            unreadable.append(line)
        else:
            problems.append(line)

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
    contents = [pair for pair in contents if pair[0] not in linked]
    memo.save()
    problems.extend(_slug_length_problems(contents, slug_lines, settings))
    problems.extend(_uuid_problems(contents, settings))
    starter, starter_notes = _starter_text_findings(contents, settings, starters)
    problems.extend(starter)
    claims = content_claims(contents) + generated_claims(generators, settings)
    problems.extend(collision_problems(claims, lambda relative: display_path(settings, relative)))
    if not problems:  # while the build stops, only what stops it is said
        _warn_missing_summaries(contents, settings)
    _note_unknown_keys(unknown_keys, settings)
    for line in unreadable:
        logger.warning(
            "post_checks: %s (left out of this development build; make publish stops on it)", line
        )
    for line in starter_notes:
        logger.warning("post_checks: %s", line)
    if problems:
        raise ContentError(problems)


# What a file's header checks read besides the file's text and kind (values.py,
# keys.py): the extra keys, the theme's name and its templates. The memo's salt
# holds each, and the checks' own code: a change to any of them checks every file
# again. tests/plugins/post_checks/test_problems_memo.py fails when values.py
# reads a setting this list does not name.
MEMO_SETTINGS = ("POST_CHECKS", "THEME", "THEME_TEMPLATES_OVERRIDES")
MEMO_FILE = Path("post_checks") / "header-problems.json"


def _link_problem(path: Path, relative: str, real_root: Path, real_dirs: dict) -> str | None:
    """Why a post or page read through a symbolic link cannot be built: Pelican follows
    links, so one can bring a file from anywhere on the machine into the site (and mail it),
    or reach a folder again (`posts/loop -> .`) and read every post twice."""
    try:
        if os.path.islink(path):
            real = path.resolve()
        else:  # the file is not a link: only its folder can be (resolved once per folder)
            folder = os.fspath(path.parent)
            if folder not in real_dirs:
                real_dirs[folder] = path.parent.resolve()
            real = real_dirs[folder] / path.name
    except (OSError, RuntimeError):  # a loop the resolver gives up on
        return "is reached through a symbolic link that loops — delete the link"
    if not real.is_relative_to(real_root):
        return (f"is a symbolic link to {real}, outside the content folder — copy the file into "
                "content/ instead (a link can bring any file of this machine into the site)")
    if real.relative_to(real_root).as_posix() != Path(relative).as_posix():
        return (f"is {real.relative_to(real_root).as_posix()} again, reached through a symbolic "
                "link — delete the link (the post would be built twice)")
    return None


def _starter_text_findings(contents, settings: dict, starters: dict[str, str]) -> tuple[list[str], list[str]]:
    """(problems, warnings) for published posts and pages that still hold the starter text
    of make newpost or make init (connected/starter_text.py). A post is mailed: production
    stops on it, a development build says make publish will. A page is only shown: a warning."""
    problems, notes = [], []
    stop = is_production(settings)  # the build make publish sends from
    for relative, content in contents:
        sentence = starters.get(relative)
        if sentence is None or getattr(content, "status", "") != "published":
            continue  # a draft may hold it: it is still being written
        shown = display_path(settings, relative)
        quoted = f"“{sentence[:38]}…”"
        if _kind(settings, relative) == "page":
            notes.append(f"{shown}: still holds the starter text {quoted} — write your own")
        elif stop:
            problems.append(f"{shown}: still holds the starter text of make newpost {quoted} — write "
                            "the post, or put 'Status: draft' back until it is ready; nothing was sent")
        else:
            notes.append(f"{shown}: still holds the starter text of make newpost {quoted} — write the "
                         "post, or put 'Status: draft' back (make publish stops on it)")
    return problems, notes


def _problems_memo(settings: dict, templates: dict[str, Path]) -> TextMemo:
    """Each file's header findings by its text: a build checks only the files that changed."""
    # The checks' code: this plugin, and the modules of ours values.py calls (the header
    # reader, the typo suggestions).
    sources = [*sorted(Path(__file__).parent.glob("*.py")),
               *(Path(module.__file__) for module in (header_module, settings_schema))]  # fmt: skip
    code = [(source.name, hash_text(source.read_text(encoding="utf-8"))) for source in sources]
    # Time zone and date answers come from Python and its tz database.
    code.append(("runtime", sys.version, _tzdata_version()))
    chosen = [(key, repr(settings.get(key))) for key in MEMO_SETTINGS]
    theme = []
    for name, path in sorted(templates.items()):
        try:
            theme.append((name, str(path), hash_text(path.read_text(encoding="utf-8", errors="replace"))))
        except OSError:
            theme.append((name, str(path), None))
    cache = settings.get("CACHE_PATH")
    return TextMemo(Path(cache) / MEMO_FILE if cache else None, salt=hash_text(repr((code, chosen, theme))))


def _tzdata_version() -> str:
    try:
        from importlib.metadata import version

        return version("tzdata")
    except Exception:  # no tzdata package: the system's zoneinfo files
        return "-"


def _file_findings(path: Path, settings: dict, templates, kind: str, memo: TextMemo):
    """(problems, unknown keys, whether it has a Slug: line, why it cannot be read or None,
    the starter sentence it still holds or None)."""
    text = read_text(path)
    if isinstance(text, Header):  # unreadable: said on every build, never remembered
        found, unknown = file_problems(text, settings, templates, kind)
        return found, unknown, False, text.error, None

    def check(_key: str) -> list:
        header = parse_header(text, syntax_of(str(path)))
        found, unknown = file_problems(header, settings, templates, kind)
        return [found, unknown, header.first("slug") is not None, starter_sentence(text)]

    # The same text reads differently as Markdown and as reST: the syntax is in the key.
    found, unknown, has_slug, starter = memo.get(f"{kind}\0{syntax_of(str(path))}\0{text}", check)
    return list(found), list(unknown), bool(has_slug), None, starter


def _kind(settings: dict, relative: str) -> str:
    """"page" for a file under PAGE_PATHS, else "article" (as Pelican's generators decide)."""
    for folder in settings.get("PAGE_PATHS", []) or []:
        folder = str(folder).strip("/")
        if folder and (relative == folder or relative.startswith(folder + "/")):
            return "page"
    return "article"


def _unreadable_mode(settings: dict) -> str:
    config = settings.get("POST_CHECKS") or {}
    return config.get("UNREADABLE_FILES", "stop") if isinstance(config, dict) else "stop"


def _note_unknown_keys(unknown: dict[str, list[str]], settings: dict) -> None:
    """Keys no code of ours reads: allowed (a theme may), said once per build."""
    if not unknown:
        return
    parts = []
    for key, files in sorted(unknown.items(), key=lambda item: item[0].lower()):
        first = display_path(settings, files[0])
        more = f" and {len(files) - 1} more" if len(files) > 1 else ""
        parts.append(f"{key!r} ({first}{more})")
    logger.warning(
        "post_checks: note: header keys that neither Pelican, our plugins nor the theme read "
        "(allowed; list them in POST_CHECKS[\"EXTRA_KEYS\"] to declare them): %s",
        ", ".join(parts),
    )


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


def _reason_from_record(record, exc, settings) -> tuple[str, tuple[str, str]] | None:
    """(relative path, (kind, reason)) for a Pelican log record about one file.

    kind: "date" (a date Pelican could not parse), "unreadable" (the reader
    raised: docutils, encoding…), "content" (read, but unusable as written).
    """
    if record.msg == _COULD_NOT_PROCESS and record.args:
        relative = _relative(settings, record.args[0])
        return relative, _reason_from_exception(settings, relative, exc)
    if record.msg == _MISSING_PROPERTY and len(record.args) == 2:
        content, prop = record.args
        relative = _relative(settings, content)
        syntax = syntax_of(relative)
        if prop == "title":
            return relative, ("content", _missing_title_reason(settings, relative))
        if prop == "date":
            fix = DATE_FIX.replace("Date:", ":date:") if syntax == "rst" else DATE_FIX
            return relative, ("content", f"has no date — {fix}")
        field = f":{prop}: …" if syntax == "rst" else f"{prop.capitalize()}: …"
        return relative, ("content", f"has no {prop!r} — add '{field}' to its metadata")
    if record.msg == _OUTSIDE_OUTPUT and len(record.args) == 2:
        content, save_as = record.args
        return _relative(settings, content), (
            "path",
            f"would be written outside the output directory ({save_as!r}) — "
            "fix its Slug: or Save_as: line",
        )
    if record.msg == _UNKNOWN_STATUS and len(record.args) == 3:
        status, content, _allowed = record.args
        relative = _relative(settings, content)
        line = ":status:" if syntax_of(str(content)) == "rst" else "Status:"
        guess = difflib.get_close_matches(str(status).strip().lower(), ("published", "draft", "hidden"), n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        return relative, (
            "content",
            f"status {status!r} is not one of published, draft, hidden — {hint}fix its {line} line",
        )
    return None


def _reason_from_exception(settings, relative, exc) -> tuple[str, str]:
    if isinstance(exc, UnicodeDecodeError):
        return "unreadable", "is not UTF-8 text — save the file as UTF-8"
    if isinstance(exc, ValueError) and "incomplete format" in str(exc):
        return "date", f"{_one_line(exc)} — fix its Date_format: line (strftime codes such as %d %B %Y)"
    if isinstance(exc, ValueError) and ("is not a valid date" in str(exc) or "offset must be a timedelta" in str(exc)):
        return "date", f"{_one_line(exc)} — {DATE_FIX}"
    if type(exc).__name__ == "ZoneInfoNotFoundError" or (isinstance(exc, ValueError) and "ZoneInfo keys" in str(exc)):
        return "timezone", f"{_one_line(exc)} — fix its Timezone: line (an IANA name) or delete it"
    if type(exc).__name__ == "ConversionTooSlow":
        return "unreadable", (
            f"{_one_line(exc)} — Python-Markdown is slow on long runs of unclosed HTML tags or "
            "entities ('<a <a <a …', '&amp;&amp;…'): put such text in a code block, or shorten it"
        )
    if isinstance(exc, RecursionError):
        return "unreadable", (
            "is nested too deeply for Markdown to read (lists or quotes inside one another "
            "hundreds of levels deep) — flatten them"
        )
    docutils_reason = _docutils_reason(exc)
    if docutils_reason:
        return "unreadable", docutils_reason
    detail = _one_line(exc) if exc is not None else "unreadable"
    if syntax_of(relative) == "markdown":
        hint = f"check its metadata: {HEADER_HINT}"
    else:
        hint = "fix the line the message names (`make html` builds the rest meanwhile)"
    return "unreadable", f"could not be read ({type(exc).__name__}: {detail}) — {hint}"


def _docutils_reason(exc) -> str | None:
    """docutils' own first line ('x.rst:7: (ERROR/3) Unknown directive type "youtube".'),
    as 'line 7: Unknown directive type "youtube"' and what to do."""
    if exc is None or type(exc).__module__.split(".")[0] != "docutils":
        return None
    first = str(exc).strip().split("\n", 1)[0]
    level_at = first.find(") ")
    head, message = (first[:level_at], first[level_at + 2 :]) if level_at >= 0 else ("", first)
    line = ""
    pieces = head.rsplit(":", 2)
    if len(pieces) == 3 and pieces[1].strip().isdigit():
        line = f"line {pieces[1].strip()}: "
    message = message.strip().rstrip(".")
    if message.lower().startswith("unknown directive type"):
        fix = (
            "no plugin we load provides that directive: remove it, or replace it with a "
            "link or a `.. raw:: html` block"
        )
    elif message.lower().endswith("directive disabled") or "access deactivated" in message.lower():
        fix = (
            "posts cannot read other files of this machine into the site, feeds and email "
            "(DOCUTILS_SETTINGS in pelicanconf.py): paste the text into the post instead"
        )
    elif message.lower().startswith("unknown interpreted text role"):
        fix = "no plugin we load provides that role: remove it or use plain text"
    else:
        fix = "fix the reStructuredText at that line"
    return f"{line}{message} (docutils could not read the file) — {fix}"


def _missing_title_reason(settings, relative) -> str:
    header = read_header(Path(settings.get("PATH", ".")) / relative)
    if header.syntax == "rst":
        return (
            "has no title — start the file with the title, underlined with ===== "
            "(reStructuredText), before the :date: and other fields"
        )
    first = header.lines[:1]
    if first and not header.entries:
        return (
            f"has no title: its first line {first[0][:40]!r} is not metadata — "
            f"start the file with 'Title: …' ({HEADER_HINT})"
        )
    return "has no title — add a line 'Title: …' to the metadata at the top of the file"


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
            problems.append(shared_uuid_problem([display_path(settings, relative) for relative in files], value))
    return problems


def _slug_length_problems(contents, slug_lines: set[str], settings) -> list[str]:
    """A slug made from a long title becomes a file name the system refuses
    ("File name too long"); a Slug: line is checked with the header."""
    problems = []
    for relative, content in contents:
        if relative in slug_lines:
            continue
        slug = str(getattr(content, "slug", "") or "")
        if len(slug) > SLUG_MAX:
            field = ":slug:" if syntax_of(relative) == "rst" else "Slug:"
            problems.append(
                f"{display_path(settings, relative)}: its title makes a slug of {len(slug)} "
                f"characters (at most {SLUG_MAX}) — add a shorter '{field} …' line"
            )
    return problems


def _warn_missing_summaries(contents, settings) -> None:
    """A published post without Summary: builds, but its link previews, index
    teaser and email preheader fall back to its first words: say so (in the
    file's own syntax)."""
    from pelican.contents import Article

    for relative, content in contents:
        if not isinstance(content, Article) or content.status != "published":
            continue
        if not str(content.metadata.get("summary") or "").strip():
            field = ":summary: …" if syntax_of(relative) == "rst" else "Summary: …"
            kind = "field" if syntax_of(relative) == "rst" else "line"
            logger.warning(
                "post_checks: %s has no Summary — add a one-sentence '%s' %s "
                "(link previews, the index and the email preheader use it)",
                display_path(settings, relative), field, kind,
            )  # fmt: skip
