"""Build the site so that output/ is either the last good build or the new one.

    python -m scripts build -s pelicanconf.py        # make html
    python -m scripts build -s publishconf.py        # the build step of make publish

Pelican writes into a fresh directory beside output/ (output.stage-<pid>); pages
plugins/fast_build found unchanged are not written but hard-linked in from
output/ once Pelican has finished. Only then is the stage swapped with output/
in one rename (renameat2 RENAME_EXCHANGE on Linux), so output/ is the old site
or the new one at every instant, and holds exactly what this build produced
(a page the build no longer makes is gone). The email editions go to a fresh
directory beside NEWSLETTER["EDITIONS_PATH"], swapped the same way. A content
mistake (reported by plugins/post_checks) prints one line per problem and
exits 1; output/ and the editions stay exactly as they were. The design and
its figures: docs/performance.md.

scripts/publish.py imports `build_site()` and `BuildError` from here.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from connected.console import plural
from connected.editions import PREVIOUS_EDITIONS_SETTING
from connected.errors import ConnectedError
from connected.files import write_atomic
from connected.header import forget_reads
from connected.processes import die_with_parent, seldom_collected

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
# The setting through which this script tells plugins/fast_build that Pelican
# writes into a staging directory: FINAL is where the tree will live, REUSE
# whether the live tree's pages may be kept (see docs/performance.md).
STAGE_SETTING = "FAST_BUILD_STAGE"
# Where fast_build lists the pages it kept (relative to CACHE_PATH).
KEPT_FILE = "fast_build/kept.json"
# plugins/site_feeds' record of the feeds it built (relative to CACHE_PATH).
FEEDS_STATE = "site_feeds/inputs.json"


class BuildError(ConnectedError):
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
    linked: int = 0


def scratch_overrides(base: Path, content: Path) -> dict:
    """Settings that keep every file a build writes under `base` (output, cache, the editions,
    send record and outbox) and take the theme and plugins from this checkout: for a build of
    `content` that must not touch the project (the tests' builds, the screenshots)."""
    return {
        "PATH": str(content),
        "OUTPUT_PATH": str(base / "output"),
        "CACHE_PATH": str(base / "cache"),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
        "NEWSLETTER": {
            "EDITIONS_PATH": str(base / "build" / "editions"),
            "RECORD_PATH": str(base / "send-record.json"),
            "OUTBOX_PATH": str(base / "outbox"),
        },
    }


def build_site(settings_file: str | os.PathLike = "publishconf.py", **options) -> Path:
    """run_build() for a caller that needs only where the site is: return OUTPUT_PATH."""
    return run_build(settings_file, **options).output


def run_build(
    settings_file: str | os.PathLike = "publishconf.py",
    *,
    root: str | os.PathLike | None = None,
    overrides: dict | None = None,
    incremental: bool = True,
) -> BuildResult:
    """Build with `settings_file` (relative to `root`, the project directory) and
    swap the result into OUTPUT_PATH; return what was built (where, counts and
    timings). Raises BuildError.

    overrides: settings applied on top of the file; dict values are merged into
    the file's dict of the same name (e.g. {"NEWSLETTER": {"EDITIONS_PATH": …}}).
    incremental: let fast_build keep the live output's unchanged pages (they
    are hard-linked into the new tree). False renders every page again.
    """
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
    with FileLock(str(_sibling(output, "lock"))), seldom_collected():
        result = _build_locked(settings, output, editions, signature, incremental)
    result.seconds = time.perf_counter() - started
    return result


def _build_locked(settings, output: Path, editions: Path | None, signature, incremental) -> BuildResult:
    # A name of its own per build: the page renderers a killed build forked
    # may still be writing into the old stage for a moment.
    stage = _sibling(output, f"stage-{os.getpid()}")
    recover(output)
    signature_file = _signature_path(settings, output)
    # The live tree may lend unchanged pages to the new one only when it was
    # built with the same settings (a development build never seeds a
    # production one) and by a build that finished (the signature is written
    # last, after the swap).
    reuse = incremental and output.is_dir() and _read_signature(signature_file) == signature
    stage.mkdir(parents=True)
    settings[STAGE_SETTING] = {"FINAL": str(output), "REUSE": reuse}
    # A kept list left by an earlier build must never be applied to this one.
    (Path(settings["CACHE_PATH"]) / KEPT_FILE).unlink(missing_ok=True)

    newsletter = settings.get("NEWSLETTER")
    tmp_editions = None
    if editions is not None:
        editions.parent.mkdir(parents=True, exist_ok=True)
        recover(editions)
        tmp_editions = _sibling(editions, "tmp")
        tmp_editions.mkdir(parents=True)
        settings["NEWSLETTER"] = {**newsletter, "EDITIONS_PATH": str(tmp_editions)}
        # The newsletter plugin takes unchanged editions from the last build's folder.
        settings[PREVIOUS_EDITIONS_SETTING] = str(editions)
    settings["OUTPUT_PATH"] = str(stage)

    folders = _FolderMaker(output, stage) if reuse else None
    try:
        link_started = time.perf_counter()
        seeded = _seed_feeds(output, stage, settings) if reuse else None
        counts = _run_pelican(settings)
        if seeded is not None:
            _drop_unclaimed_feeds(stage, settings, seeded)
        linked = _carry_over(output, stage, settings) if output.is_dir() else 0
        if folders is not None:
            folders.drop_unused()
        link_seconds = time.perf_counter() - link_started - counts.pop("seconds")
    except BaseException as exc:
        if folders is not None:
            folders.stop()
        _remove(stage, tmp_editions)
        if isinstance(exc, Exception):
            raise BuildError(_problems_from(exc)) from exc
        raise

    signature_file.unlink(missing_ok=True)
    try:
        if tmp_editions is not None:
            _swap_in(tmp_editions, editions)
        _exchange_in(stage, output)
    except OSError as exc:
        _remove(stage, tmp_editions)
        raise BuildError(f"could not move the new build into place: {exc}") from exc
    signature_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(signature_file, json.dumps(signature, indent=1).encode("utf-8"))
    return BuildResult(
        output=output,
        editions=editions,
        seconds=0.0,
        seeded=reuse,
        seed_seconds=link_seconds,
        linked=linked,
        **counts,
    )


# --- settings -----------------------------------------------------------------------


def _read_settings(root: Path, settings_file: Path, overrides: dict) -> dict:
    """The settings through the one loader (connected/site_settings.py), its problems as a BuildError."""
    from connected.site_settings import load_settings, settings_path

    path = settings_path(root, settings_file)
    if not path.is_file():
        raise BuildError(f"{path}: settings file not found — pass -s pelicanconf.py or publishconf.py")
    try:
        return load_settings(root, path, overrides)
    except Exception as exc:  # a typo in the settings file, a missing theme…
        raise BuildError(_problems_from(exc)) from exc


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

    reset_pelican_state()
    counts = {"articles": 0, "drafts": 0, "pages": 0}

    def count_articles(generator):
        counts["articles"] = len(generator.articles) + len(generator.translations)
        counts["drafts"] += len(generator.drafts) + len(generator.drafts_translations)

    def count_pages(generator):
        counts["pages"] = len(generator.pages) + len(generator.translations)
        counts["drafts"] += len(generator.draft_pages) + len(generator.draft_translations)

    started = time.perf_counter()
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
        # The build's file reads go with it (connected/header.py), here and not at
        # Pelican's `finalized`: blinker does not promise the order of its receivers,
        # and link_checks reads every post's source there.
        forget_reads()
    counts["seconds"] = time.perf_counter() - started
    return counts


def reset_pelican_state() -> None:
    """Give a build the fresh state a new `pelican` process starts with, so the
    devserver's long-lived worker can build again and again in one process.

    Pelican's log filter drops a warning it has already shown in this process
    (a second build would hide it), and pelican-sitemap keeps per-run state in
    module globals (a build that failed part-way would stop every later
    build's sitemap)."""
    _forget_logged_warnings()
    try:
        from pelican.plugins.sitemap import sitemap
    except ImportError:
        return
    # The plugin's one module-level instance, back to what a fresh import makes
    # (its signal receivers are bound to this instance, so it is reset, not replaced).
    sitemap.generator.__init__()


def _forget_logged_warnings() -> None:
    """Empty Pelican's per-process log filter (the warnings it has shown once).

    Pelican offers no public reset: the filter keeps its memory in class
    attributes of pelican.log.LimitFilter, which only a new process starts empty.
    """
    from pelican.log import LimitFilter

    LimitFilter._ignore.clear()  # noqa: SLF001 - no public reset (see docstring)
    LimitFilter._raised_messages.clear()  # noqa: SLF001 - no public reset
    LimitFilter._group_count.clear()  # noqa: SLF001 - no public reset


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
        "(`python -m scripts build -s <settings file> --debug` shows the traceback)"
    ]


def _is_ours(exc: Exception) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {
        "connected", "scripts", "post_checks", "site_feeds", "newsletter", "fast_build",
        "theme_helpers",
    }


# --- directories ------------------------------------------------------------------------
#
# output/        the live site: only ever replaced whole, by one rename(2) call
# output.stage-<pid>/  this build's tree: Pelican writes every new file here; pages
#                fast_build found unchanged are hard-linked in from output/ after
#                Pelican has finished (so no writer ever holds a link to a live file)
# output.retired-<pid>-<n>/  the previous tree after the exchange, deleted in the background


def _sibling(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.name}.{kind}")


def _remove(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def recover(output: Path) -> None:
    """Undo what an interrupted build left: a half-built stage is dropped; when
    only the fallback swap's first rename happened (output/ missing, the old
    tree under .prev), the old tree goes back. Runs under the build lock."""
    prev = _sibling(output, "prev")
    if not output.exists() and prev.is_dir():
        os.replace(prev, output)
    leftovers = [prev, _sibling(output, "tmp"), _sibling(output, "old")]
    leftovers += output.parent.glob(f"{output.name}.stage-*")
    for leftover in leftovers:
        if leftover.exists():
            _retire(leftover, output)
    for retired in output.parent.glob(f"{output.name}.retired-*"):
        _delete_in_background(retired)


class _FolderMaker:
    """Make the live tree's folders in the new stage from a forked child, while this
    process starts Pelican and reads the posts.

    A staged build writes every page into a tree that starts empty, so it creates
    one folder per post (1,500 at 1000 posts): 0.07–0.4 s of a one-post rebuild on
    a 2-core machine, all on the critical path. The child makes, top down, each
    folder of the live tree that holds anything, and lists them; Pelican's writer
    then finds most folders there (it makes the others itself, and a folder both
    make at once is fine: each treats "exists" as done). drop_unused() removes the
    listed folders this build left empty (a post deleted or renamed), so the tree
    holds what a build from nothing would. Nothing here is needed for correctness:
    a child that fails or is slow only leaves the folders to Pelican.
    """

    def __init__(self, live: Path, stage: Path):
        self.live, self.stage = live, stage
        self.pid: int | None = None
        self.reader: int | None = None
        if not hasattr(os, "fork") or not live.is_dir():
            return
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return
        if pid == 0:  # the child: make the folders, report them (all it made), exit
            made: list[str] = []
            try:
                os.close(reader)
                die_with_parent()
                _make_folders(live, stage, made)
            finally:
                try:
                    with os.fdopen(writer, "w", encoding="utf-8", errors="surrogateescape") as out:
                        out.write("\0".join(made))
                finally:
                    os._exit(0)
        os.close(writer)
        self.pid, self.reader = pid, reader

    def _wait(self) -> list[str] | None:
        """The folders the child made, or None when it did not finish (killed)."""
        if self.pid is None:
            return []
        with os.fdopen(self.reader, "r", encoding="utf-8", errors="surrogateescape") as stream:
            text = stream.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        return [name for name in text.split("\0") if name]

    def drop_unused(self) -> None:
        made = self._wait()
        if made is None:  # the list is lost: any empty folder the live tree also has
            made = [os.path.relpath(folder, self.stage) for folder, _, _ in os.walk(self.stage)]
            made = [name for name in made if name != "." and (self.live / name).is_dir()]
        for name in sorted(made, key=lambda name: name.count(os.sep), reverse=True):  # deepest first
            try:
                os.rmdir(self.stage / name)
            except OSError:
                pass  # not empty (the build used it), or already gone

    def stop(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, 9)
            except OSError:
                pass
            self._wait()


def _make_folders(live: Path, stage: Path, made: list[str]) -> None:
    """Make under `stage` each folder of `live` that holds anything (top down), listing
    each in `made` as it is made."""
    for folder, dirs, files in os.walk(live):
        dirs.sort()
        relative = os.path.relpath(folder, live)
        if relative == "." or not (dirs or files):
            continue
        try:
            os.mkdir(stage / relative)
        except FileExistsError:
            continue  # made by the build itself: not ours to remove
        except OSError:
            dirs.clear()  # its parent is missing (the build failed?): stop below it
            continue
        made.append(relative)


def _carry_over(live: Path, stage: Path, settings: dict) -> int:
    """Hard-link into the stage the files this build produced but did not write:
    the pages fast_build found unchanged (its kept list), and OUTPUT_RETENTION."""
    names = kept_pages(settings, live, stage)
    for name in settings.get("OUTPUT_RETENTION") or ():
        names.extend(_tree_names(live, name))
    linked = 0
    for name in names:
        source, target = live / name, stage / name
        if not source.is_file():
            continue
        # One system call per file in the usual case: Pelican made the page's folder
        # when it skipped the page, and link() itself refuses a path the build wrote.
        try:
            _link_into(source, target)
        except FileExistsError:
            continue  # the build wrote this path itself: its file wins
        linked += 1
    return linked


def _link_into(source: Path, target: Path) -> None:
    """Hard-link source at target, making its folder if need be (a copy where the
    filesystem has no hard links); FileExistsError when target exists."""
    for attempt in (1, 2):
        try:
            os.link(source, target, follow_symlinks=False)
            return
        except FileExistsError:
            raise
        except FileNotFoundError:
            if attempt == 2:
                raise
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # link() checks the name first: target does not exist here
            shutil.copy2(source, target)
            return


def _seed_feeds(live: Path, stage: Path, settings: dict) -> tuple[list[str], tuple | None]:
    """Copy into the stage the feeds plugins/site_feeds recorded last time, so it
    can find them unchanged and skip rebuilding them (it compares each file's
    size and mtime with its record, CACHE_PATH/site_feeds/inputs.json).

    Copies (copy2 keeps the mtime), never links: site_feeds rewrites a changed
    feed in place, which through a hard link would write into the live tree.
    A few dozen files; what the build then does not claim is dropped again."""
    state = Path(settings["CACHE_PATH"]) / FEEDS_STATE
    try:
        feeds = json.loads(state.read_text(encoding="utf-8")).get("feeds") or {}
    except (OSError, ValueError, AttributeError):
        return [], None
    seeded = []
    for name in feeds if isinstance(feeds, dict) else ():
        source = live / name
        if not _plain_relative(name) or not source.is_file() or source.is_symlink():
            continue
        target = stage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        seeded.append(name)
    return seeded, _stamp(state)


def _drop_unclaimed_feeds(stage: Path, settings: dict, seeded: tuple[list[str], tuple | None]) -> None:
    """Remove the seeded feeds this build did not produce (a tag whose last post
    went): those site_feeds' new record does not list. No new record (the
    plugin did not run): none was produced."""
    names, before = seeded
    if not names:
        return
    state = Path(settings["CACHE_PATH"]) / FEEDS_STATE
    claimed = set()
    if _stamp(state) != before:
        try:
            claimed = set(json.loads(state.read_text(encoding="utf-8")).get("feeds") or {})
        except (OSError, ValueError, AttributeError):
            claimed = set()
    for name in names:
        if name in claimed:
            continue
        path = stage / name
        path.unlink(missing_ok=True)
        directory = path.parent
        while directory != stage:
            try:
                directory.rmdir()  # only when empty
            except OSError:
                break
            directory = directory.parent


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def kept_pages(settings: dict, live: Path, stage: Path) -> list[str]:
    """The kept list plugins/fast_build wrote for this build (empty without it)."""
    path = Path(settings["CACHE_PATH"]) / KEPT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if data.get("final") != str(live) or data.get("stage") != str(stage):
        return []
    # Names come from our own state file; still, never link outside the trees.
    # A lexical check (no symlink resolution: neither tree has links we did not
    # make), since connected.files.path_inside resolves each path on disk and
    # costs about a millisecond per name.
    return [name for name in data.get("kept", []) if _plain_relative(name)]


def _plain_relative(name: str) -> bool:
    if not isinstance(name, str) or not name or "\0" in name or os.path.isabs(name):
        return False
    return ".." not in Path(name).parts


def _tree_names(root: Path, name: str) -> list[str]:
    base = root / name
    if base.is_file():
        return [name]
    return [str(p.relative_to(root)) for p in base.rglob("*") if p.is_file()] if base.is_dir() else []


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries in one step (Linux renameat2 RENAME_EXCHANGE).
    False where the system or the filesystem does not offer it."""
    if sys.platform != "linux":
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _exchange_in(new: Path, target: Path) -> None:
    """Make `new` the tree at `target` in one rename: a reader sees the old site or
    the new one, and a kill at any instant leaves one of them at `target`."""
    if not target.exists():
        os.replace(new, target)
        return
    if _rename_exchange(new, target):
        _retire(new, target)  # `new` now names the previous tree
        return
    # Fallback: two renames. A kill between them leaves output/ missing and the
    # old tree at output.prev, which recover() puts back before the next build.
    prev = _sibling(target, "prev")
    os.replace(target, prev)
    os.replace(new, target)
    _retire(prev, target)


def _retire(path: Path, base: Path) -> None:
    """Rename a tree out of the way at once (as base.retired-…) and delete it in
    the background."""
    retired = base.with_name(f"{base.name}.retired-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.replace(path, retired)
    except OSError:
        _remove(path)
        return
    _delete_in_background(retired)


def _delete_in_background(path: Path) -> None:
    # The old tree is mostly hard links to the live one: deleting it only drops
    # names, but it is still thousands of unlink calls nobody needs to wait for.
    rm = shutil.which("rm")
    if rm:
        try:
            subprocess.Popen(
                [rm, "-rf", "--", str(path)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return
        except OSError:
            pass
    threading.Thread(target=_remove, args=(path,), daemon=True).start()


def _swap_in(new: Path, target: Path) -> None:
    """Put the directory `new` where `target` is (used for the email editions)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _exchange_in(new, target)


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


def parse_extra(items: list[str]) -> dict:
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
        prog="python -m scripts build",
        description="Build the site into a staging directory and swap it into output/ "
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
    parser.add_argument("--fresh", action="store_true", help="render every page again instead of keeping unchanged ones")
    parser.add_argument("--debug", action="store_true", help="show Pelican's log and tracebacks")
    args = parser.parse_args(argv)
    configure_logging(args.debug)

    try:
        overrides = parse_extra(args.extra_settings)
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
        print("Build stopped; nothing in output/ was changed.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Build interrupted; nothing in output/ was changed.", file=sys.stderr)
        return 130

    drafts = f" ({plural(result.drafts, 'draft')})" if result.drafts else ""
    print(
        f"Built {plural(result.articles, 'post')}, {plural(result.pages, 'page')}{drafts} "
        f"in {result.seconds:.1f} s → {_shown(result.output)}"
    )
    if args.debug and result.seeded:
        print(f"({result.linked} unchanged files kept from the previous output in {result.seed_seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
