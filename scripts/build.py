"""Build the site so that output/ is either the last good build or the new one.

    python -m scripts.build -s pelicanconf.py        # make html
    python -m scripts.build -s publishconf.py        # the build step of make publish

Pelican writes into a fresh directory beside output/ (output.tmp); the
email editions go to a fresh directory beside NEWSLETTER["EDITIONS_PATH"].
Only when the whole build has finished are they swapped in. A content mistake
(reported by plugins/post_checks) prints one line per problem and exits 1;
output/ and the editions stay exactly as they were.

scripts/publish.py imports `build_site()` and `BuildError` from here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# In CACHE_PATH, one file per output directory: which settings built it, so a
# development build (drafts/, relative URLs) never seeds a production one.
SIGNATURE_DIR = "build-signatures"
# Settings whose change makes the previous output unusable as a seed.
SIGNATURE_KEYS = (
    "SITEURL",
    "RELATIVE_URLS",
    "PATH",
    "THEME",
    "DRAFT_SAVE_AS",
    "DRAFT_PAGE_SAVE_AS",
    "ARTICLE_SAVE_AS",
    "PAGE_SAVE_AS",
)
# plugins/post_checks marks the Pelican log records it has turned into a
# problem line; the console leaves them out so each problem is said once.
CAPTURED_ATTR = "post_checks_captured"


class BuildError(Exception):
    """The site could not be built; `problems` holds one line per problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class BuildResult:
    output: Path
    editions: Path | None
    articles: int
    drafts: int
    pages: int
    seconds: float
    seeded: bool
    seed_seconds: float


def build_site(
    settings_file: str | os.PathLike = "publishconf.py",
    *,
    root: str | os.PathLike | None = None,
    overrides: dict | None = None,
    incremental: bool = True,
) -> Path:
    """Build with `settings_file` (relative to `root`, the project directory) and
    swap the result into OUTPUT_PATH; return OUTPUT_PATH. Raises BuildError.

    overrides: settings applied on top of the file; dict values are merged into
    the file's dict of the same name (e.g. {"NEWSLETTER": {"EDITIONS_PATH": …}}).
    incremental: seed the new build with a copy of the current output (so an
    incremental-write plugin can skip unchanged files). False starts empty,
    which also drops pages of posts deleted since the last build.
    """
    return run_build(settings_file, root=root, overrides=overrides, incremental=incremental).output


def run_build(
    settings_file: str | os.PathLike = "publishconf.py",
    *,
    root: str | os.PathLike | None = None,
    overrides: dict | None = None,
    incremental: bool = True,
) -> BuildResult:
    """build_site(), returning counts and timings as well."""
    started = time.perf_counter()
    root = Path(root or ROOT).resolve()
    settings = _read_settings(root, Path(settings_file), overrides or {})
    output = Path(settings["OUTPUT_PATH"]).resolve()
    _refuse_dangerous_output(output, Path(settings["PATH"]).resolve(), root)

    newsletter = settings.get("NEWSLETTER")
    editions = None
    if isinstance(newsletter, dict) and newsletter.get("EDITIONS_PATH"):
        editions = Path(newsletter["EDITIONS_PATH"])
        if not editions.is_absolute():
            editions = root / editions
        editions = editions.resolve()
        if editions.is_relative_to(output) or output.is_relative_to(editions):
            raise BuildError(
                f"NEWSLETTER[\"EDITIONS_PATH\"] {editions} overlaps OUTPUT_PATH {output} — email "
                "editions are never deployed: keep them outside, e.g. build/editions"
            )

    signature = _signature(settings, root / settings_file)
    output.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time per output directory (make html while a devserver
    # rebuilds): the second waits instead of both swapping at once.
    with FileLock(str(_sibling(output, "lock"))):
        result = _build_locked(settings, output, editions, signature, incremental)
    result.seconds = time.perf_counter() - started
    return result


def _build_locked(settings, output: Path, editions: Path | None, signature, incremental) -> BuildResult:
    # Fixed names (output.tmp, not output.tmp-<pid>): the build runs at the
    # same path every time, so fast_build's per-page state, which records the
    # output path, stays valid from one build to the next.
    tmp_output = _sibling(output, "tmp")
    _remove(tmp_output, _sibling(output, "old"))
    seeded = False
    seed_started = time.perf_counter()
    signature_file = _signature_path(settings, output)
    if incremental and output.is_dir() and _read_signature(signature_file) == signature:
        # A copy (copy2 keeps mtimes), never hard links: Pelican's writer
        # truncates files in place, which would rewrite the live output/.
        shutil.copytree(output, tmp_output, symlinks=True)
        seeded = True
    else:
        tmp_output.mkdir(parents=True)
    seed_seconds = time.perf_counter() - seed_started

    newsletter = settings.get("NEWSLETTER")
    tmp_editions = None
    if editions is not None:
        tmp_editions = _sibling(editions, "tmp")
        _remove(tmp_editions, _sibling(editions, "old"))
        tmp_editions.mkdir(parents=True)
        settings["NEWSLETTER"] = {**newsletter, "EDITIONS_PATH": str(tmp_editions)}
    settings["OUTPUT_PATH"] = str(tmp_output)

    try:
        counts = _run_pelican(settings)
    except BaseException as exc:
        _remove(tmp_output, tmp_editions)
        if isinstance(exc, Exception):
            raise BuildError(_problems_from(exc)) from exc
        raise

    signature_file.unlink(missing_ok=True)
    try:
        if tmp_editions is not None:
            _swap_in(tmp_editions, editions)
        _swap_in(tmp_output, output)
    except OSError as exc:
        _remove(tmp_output, tmp_editions)
        raise BuildError(f"could not move the new build into place: {exc}") from exc
    signature_file.parent.mkdir(parents=True, exist_ok=True)
    signature_file.write_text(json.dumps(signature, indent=1), encoding="utf-8")
    return BuildResult(
        output=output,
        editions=editions,
        seconds=0.0,
        seeded=seeded,
        seed_seconds=seed_seconds,
        **counts,
    )


# --- settings -----------------------------------------------------------------------


def _read_settings(root: Path, settings_file: Path, overrides: dict) -> dict:
    from pelican.settings import read_settings

    path = settings_file if settings_file.is_absolute() else root / settings_file
    if not path.is_file():
        raise BuildError(f"{path}: settings file not found — pass -s pelicanconf.py or publishconf.py")
    # Paths given as overrides are relative to the project, like those in the file.
    plain = {}
    merged = {}
    for key, value in overrides.items():
        if key in {"PATH", "OUTPUT_PATH", "THEME", "CACHE_PATH"} and value is not None:
            candidate = Path(value)
            if not candidate.is_absolute() and (key != "THEME" or (root / candidate).exists()):
                value = str(root / candidate)
        if isinstance(value, dict):
            merged[key] = value
        else:
            plain[key] = value
    try:
        settings = read_settings(str(path), override=plain)
    except Exception as exc:  # a typo in the settings file, a missing theme…
        raise BuildError(_problems_from(exc)) from exc
    for key, value in merged.items():
        current = settings.get(key)
        settings[key] = {**current, **value} if isinstance(current, dict) else dict(value)
    return settings


def _signature(settings: dict, settings_file: Path) -> dict:
    return {
        "settings_file": str(settings_file.resolve()),
        **{key: str(settings.get(key)) for key in SIGNATURE_KEYS},
    }


def _signature_path(settings: dict, output: Path) -> Path:
    key = hashlib.sha256(str(output).encode()).hexdigest()[:16]
    return Path(settings["CACHE_PATH"]) / SIGNATURE_DIR / f"{key}.json"


def _read_signature(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _refuse_dangerous_output(output: Path, content: Path, root: Path) -> None:
    # The swap renames and deletes whole directories: never let that be the
    # content, the project or anything containing them.
    if output == content or content.is_relative_to(output) or root.is_relative_to(output):
        raise BuildError(
            f"OUTPUT_PATH {output} contains the content or the project — set it to a "
            "directory of its own, e.g. OUTPUT_PATH = \"output\""
        )


# --- running Pelican ------------------------------------------------------------------


def _run_pelican(settings: dict) -> dict:
    from pelican import Pelican, signals
    from pelican.log import console

    counts = {"articles": 0, "drafts": 0, "pages": 0}

    def count_articles(generator):
        counts["articles"] = len(generator.articles) + len(generator.translations)
        counts["drafts"] += len(generator.drafts) + len(generator.drafts_translations)

    def count_pages(generator):
        counts["pages"] = len(generator.pages) + len(generator.translations)
        counts["drafts"] += len(generator.draft_pages) + len(generator.draft_translations)

    # Pelican prints its own "Done: Processed …" line; we print our summary.
    was_quiet = console.quiet
    console.quiet = True
    try:
        with (
            signals.article_generator_finalized.connected_to(count_articles),
            signals.page_generator_finalized.connected_to(count_pages),
        ):
            Pelican(settings).run()
    finally:
        console.quiet = was_quiet
    return counts


def _problems_from(exc: Exception) -> list[str]:
    """One line per problem: a content error's own lines, else a one-line summary."""
    problems = getattr(exc, "problems", None)
    if problems:
        return [" ".join(str(p).split()) for p in problems]
    where = ""
    filename = getattr(exc, "filename", None) or getattr(exc, "name", None)
    lineno = getattr(exc, "lineno", None)
    if filename and lineno and type(exc).__module__.startswith("jinja2"):
        where = f"{filename}, line {lineno}: "
    message = " ".join(str(exc).split()) or "(no message)"
    if _is_ours(exc):
        # Our own errors (bad settings and the like) already say what to fix.
        return [f"{where}{message}"]
    return [
        f"{where}{type(exc).__name__}: {message} "
        "(`python -m scripts.build -s <settings file> --debug` shows the traceback)"
    ]


def _is_ours(exc: Exception) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {
        "connected", "scripts", "post_checks", "site_feeds", "newsletter", "fast_build",
        "theme_helpers",
    }


# --- directories ------------------------------------------------------------------------


def _sibling(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.name}.{kind}")


def _remove(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def _swap_in(new: Path, target: Path) -> None:
    """Put `new` where `target` is: rename the old one away, rename the new one in,
    then delete the old one. `target` never holds a half-written build."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = _sibling(target, "old")
    _remove(old)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    _remove(old)


# --- command line ---------------------------------------------------------------------------


class _SkipCaptured(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, CAPTURED_ATTR, False)


def configure_logging(debug: bool = False) -> None:
    """Console logging for our CLIs: Pelican's warnings and errors, once each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(_SkipCaptured())
    root_logger = logging.getLogger()
    for old in list(root_logger.handlers):
        root_logger.removeHandler(old)
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.INFO if debug else logging.WARNING)


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) + "/" if path.is_relative_to(Path.cwd()) else f"{path}/"
    except ValueError:
        return f"{path}/"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _parse_extra(items: list[str]) -> dict:
    extra = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BuildError(f"-e {item!r}: write KEY=VALUE (VALUE may be JSON)")
        try:
            extra[key] = json.loads(raw)
        except ValueError:
            extra[key] = raw
    return extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.build",
        description="Build the site into a temp directory and swap it into output/ "
        "only when the build succeeded.",
    )
    parser.add_argument("-s", "--settings", default="pelicanconf.py", help="settings file (default: pelicanconf.py)")
    parser.add_argument("-o", "--output", help="output directory (default: OUTPUT_PATH from the settings)")
    parser.add_argument("--content", help="content directory (default: PATH from the settings)")
    parser.add_argument("--theme", help="theme directory (default: THEME from the settings)")
    parser.add_argument(
        "-e", "--extra-settings", action="append", default=[], metavar="KEY=VALUE",
        help="override a setting; VALUE is JSON (dicts are merged into the setting)",
    )
    parser.add_argument("--fresh", action="store_true", help="start from an empty directory instead of a copy of output/")
    parser.add_argument("--debug", action="store_true", help="show Pelican's log and tracebacks")
    args = parser.parse_args(argv)
    configure_logging(args.debug)

    try:
        overrides = _parse_extra(args.extra_settings)
        cwd = Path.cwd()
        for key, value in (("OUTPUT_PATH", args.output), ("PATH", args.content), ("THEME", args.theme)):
            if value:
                overrides[key] = str((cwd / value).resolve())
        settings_file = Path(args.settings)
        if not settings_file.is_absolute():
            settings_file = (cwd / settings_file).resolve()
        result = run_build(settings_file, root=settings_file.parent, overrides=overrides, incremental=not args.fresh)
    except BuildError as exc:
        if args.debug and exc.__cause__ is not None:
            logger.exception("build failed", exc_info=exc.__cause__)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("Build stopped; the previous output was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Build interrupted; the previous output was left as it was.", file=sys.stderr)
        return 130

    drafts = f" ({_plural(result.drafts, 'draft')})" if result.drafts else ""
    print(
        f"Built {_plural(result.articles, 'post')}, {_plural(result.pages, 'page')}{drafts} "
        f"in {result.seconds:.1f} s → {_shown(result.output)}"
    )
    if args.debug and result.seeded:
        print(f"(seeded from the previous output in {result.seed_seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
