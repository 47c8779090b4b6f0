"""Bring an existing Pelican blog into this site: `make import FROM=<old content dir>`.

    python -m scripts import --from OLD_CONTENT [--settings OLD_PELICANCONF] [--yes]
                                  [--keep-urls] [--home page|keep] [--templates drop|keep|NAME]

The Makefile passes FROM=, SETTINGS=, YES=1, KEEP_URLS=1, HOME= and TEMPLATES= through
the environment. The import works out everything first (plan.py), shows a unified
diff of every file it changes and of the settings, and writes nothing unless the
writer confirms (or YES=1). Then it copies posts, pages and static files into
content/, adds Uuids (scripts/uuids.py), writes the redirects data file for
plugins/redirects, and ends with the baseline of `make publish BASELINE=all`
(scripts/publish.py's own steps) so nothing from the archive is mailed.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from connected.console import plural
from connected.errors import ConnectedError
from connected.files import path_inside, write_atomic
from connected.header import MARKDOWN_SUFFIXES, RST_SUFFIXES, read_header

from .old_settings import OldSettingsError, read_old_settings
from .plan import (
    BLOCK_START,
    NOTEBOOK_PLUGIN,
    Options,
    Plan,
    PlanError,
    make_plan,
    our_templates,
    replace_block,
)

ROOT = Path(__file__).resolve().parent.parent.parent
REDIRECTS_FILE = "extra/redirects.json"
USAGE = "usage: make import FROM=<old blog's content folder> [SETTINGS=<old pelicanconf.py>] [YES=1] [KEEP_URLS=1]"


class ImportBlogError(ConnectedError):
    """The import stopped; the message says why and what to do."""


# --- The diff shown before anything changes ---------------------------------------------------
def diff_text(plan: Plan, settings_path: Path, settings_before: str, settings_after: str) -> str:
    chunks = []
    for item in plan.items:
        if item.new_text is None:
            continue
        before = item.data.decode("utf-8").splitlines(keepends=True)
        after = item.new_text.splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(before, after, f"old/{item.old}", f"content/{item.new}"))
    chunks.extend(
        difflib.unified_diff(
            settings_before.splitlines(keepends=True),
            settings_after.splitlines(keepends=True),
            settings_path.name,
            settings_path.name,
        )
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def summary_lines(plan: Plan) -> list[str]:
    posts = [i for i in plan.items if i.kind == "post"]
    by_fmt = {}
    for item in posts:
        by_fmt[item.fmt] = by_fmt.get(item.fmt, 0) + 1
    formats = ", ".join(f"{n} {fmt}" for fmt, n in sorted(by_fmt.items()))
    changed = [i for i in plan.items if i.new_text is not None]
    links = sum(i.changes.links for i in plan.items if i.changes)
    converted = sum(len(i.changes.converted) for i in plan.items if i.changes)
    lines = [
        f"Posts: {len(posts)}" + (f" ({formats})" if formats else ""),
        f"Pages: {plan.count('page')}",
        f"Static files (images, extras): {plan.count('static')}",
        f"Notebooks (copied, not built): {plan.count('notebook')}",
        f"Other files (copied, not published by the old blog either): {plan.count('extra')}",
        f"Links rewritten: {links} in {plural(len(changed), 'file')}; embeds/liquid tags converted: {converted}",
        f"Redirect pages from old URLs: {len(plan.redirects)} posts and pages, "
        f"{len(plan.listing_redirects)} category and tag pages",
    ]
    if plan.dates:
        # Pelican read these; our build takes ISO dates only. The same moment, written out.
        lines.append(f"Dates written in ISO form (the same date and time): {plural(len(plan.dates), 'file')}")
        lines += [f"    {line}" for line in plan.dates[:20]]
        if len(plan.dates) > 20:
            lines.append(f"    … and {len(plan.dates) - 20} more")
    for name, files in sorted(plan.roles.items()):
        # The old blog's plugins provided these; declared as code roles they render as <code>.
        lines.append(f":{name}: reST role in {plural(len(files), 'post')}, declared as a code role "
                     f"(`.. role:: {name}(code)` after the header) — the text shows as code")
    return lines


def carry_over_lines(plan: Plan, options: Options) -> list[str]:
    """What the import could not carry over, each with what to do."""
    lines = []
    if plan.notebooks:
        lines.append(f"{plural(len(plan.notebooks), 'notebook post')} not built (we load no notebook reader) — "
                     f"enable {NOTEBOOK_PLUGIN}:")
        lines += [f"    {path}" for path in plan.notebooks]
    for tag, providers in sorted(plan.liquid.items()):
        for provider, files in providers.items():
            lines.append(f"{{% {tag} %}} liquid tag in {plural(len(files), 'post')}, shown as raw text — needs {provider}:")
            lines += [f"    {path}" for path in files]
    for name, files in sorted(plan.directives.items()):
        lines.append(f".. {name}:: reST directive in {plural(len(files), 'post')} — the build reports these files; "
                     "remove the directive or add the plugin that provided it:")
        lines += [f"    {path}" for path in files]
    if plan.templates:
        action = {
            "drop": "the Template: line was dropped (they use our article/page template); "
                    "TEMPLATES=keep keeps them (add the templates to theme/templates/), TEMPLATES=page maps them to ours",
            "keep": "kept: add each template to theme/templates/ or run again with TEMPLATES=drop",
        }.get(options.templates, f"mapped to our {options.templates!r} template")
        count = sum(len(v) for v in plan.templates.values())
        lines.append(f"{plural(count, 'file')} used custom templates our theme does not have — {action}:")
        for name, files in sorted(plan.templates.items()):
            lines.append(f"    Template: {name} — {', '.join(files)}")
    for path, save_as in plan.special_pages:
        if options.home == "keep":
            lines.append(f"{path}: Save_as: {save_as} kept — it replaces our {save_as} (HOME_PAGE=keep)")
        elif save_as == "index.html":
            lines.append(f"{path}: Save_as: index.html dropped — our post list stays the home page and this page "
                         "is at its own URL; HOME_PAGE=keep keeps it as the home page (the post list moves to blog/)")
        else:
            lines.append(f"{path}: Save_as: 404.html replaced by Status: hidden — our theme's 404 page stays; "
                         "HOME_PAGE=keep keeps yours")
    if plan.clashing_extra:
        lines.append("Old EXTRA_PATH_METADATA entries left out (this site already writes those paths; "
                     "the old file is copied, not published there — merge it into ours by hand):")
        lines += [f"    {entry}" for entry in plan.clashing_extra]
    if plan.unread:
        lines.append(f"{plural(len(plan.unread), 'file')} could not be read with the old settings (copied; "
                     "no redirect for them):")
        lines += [f"    {line}" for line in plan.unread]
    if plan.unresolved:
        lines.append(f"{plural(len(plan.unresolved), 'link')} point at nothing in the old blog (left as written):")
        lines += [f"    {line}" for line in plan.unresolved[:50]]
        if len(plan.unresolved) > 50:
            lines.append(f"    … and {len(plan.unresolved) - 50} more")
    if plan.skipped_settings:
        lines.append("Old settings computed by code, not read (set them by hand if they matter): "
                     + ", ".join(plan.skipped_settings))
    return lines


# --- Applying the plan -------------------------------------------------------------------------
def copy_files(plan: Plan) -> tuple[int, list[str]]:
    """Write every planned file; never overwrite a different existing file."""
    written, conflicts = 0, []
    for item in plan.items:
        target = path_inside(plan.content, item.new)
        data = item.new_bytes
        if target.exists():
            if target.is_file() and _already_imported(target, data):
                continue
            conflicts.append(f"content/{item.new} already exists and differs from {item.old}: kept ours; merge by hand")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data, mode=0o644)
        written += 1
    return written, conflicts


def _already_imported(target: Path, data: bytes) -> bool:
    """`target` holds `data`, or `data` plus the Uuid a previous import's `make uuids` added."""
    existing = target.read_bytes()
    if existing == data:
        return True
    from scripts.uuids import add_uuid, syntax_of

    found = file_uuid(target)
    try:
        return bool(found) and add_uuid(data, found, syntax_of(target)) == existing
    except (ValueError, UnicodeDecodeError):
        return False


def add_uuids(plan: Plan, ours: dict) -> tuple[int, list[str]]:
    """Run `make uuids` on the site (scripts/uuids.py owns the header writer)."""
    from scripts import uuids

    out, err = io.StringIO(), io.StringIO()
    subdirs = list(ours["ARTICLE_PATHS"]) + list(ours["PAGE_PATHS"])
    uuids.run(plan.content, subdirs, out=out, err=err)
    added = sum(1 for line in out.getvalue().splitlines() if ": added Uuid" in line)
    return added, [line for line in err.getvalue().splitlines() if line.strip()]


def file_uuid(path: Path) -> str | None:
    """The Uuid a post now carries (its Markdown or reST header, read by connected/header.py;
    None for an HTML post, or a file that cannot be read as UTF-8 text)."""
    found = read_header(path).values("uuid")
    return found[0] if found else None


def write_redirects(plan: Plan) -> int:
    if not plan.redirects and not plan.listing_redirects:
        return 0
    path = path_inside(plan.content, REDIRECTS_FILE)
    entries = {}
    try:
        for entry in json.loads(path.read_text(encoding="utf-8")).get("redirects", []):
            entries[entry["from"]] = entry
    except (FileNotFoundError, ValueError, KeyError, AttributeError):
        pass
    for entry in plan.listing_redirects:
        entries[entry["from"]] = dict(entry)
    for entry in plan.redirects:
        entry = dict(entry)
        if entry["source"].endswith((*MARKDOWN_SUFFIXES, *RST_SUFFIXES)):
            entry["uuid"] = file_uuid(plan.content / entry["source"])
        entries[entry["from"]] = entry
    data = {"version": 1, "redirects": [entries[k] for k in sorted(entries)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o644)
    return len(plan.redirects) + len(plan.listing_redirects)


def baseline(root: Path, say, kept: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """`make publish BASELINE=all` without deploying: build, then mark every post as sent —
    but for the posts in `kept` (source paths under content/ that were there before the
    import) when a send record exists: those the writer has not sent yet stay unsent.
    Returns the record's path and the source paths left out."""
    from connected.console import Console
    from connected.publishing import sendable as sendable_posts
    from connected.send_record import empty_record, load_record, record_lock, save_record
    from scripts import publish
    from scripts.context import load_context

    ctx = load_context(root, "publishconf.py", Console([]), {})
    with record_lock(ctx.record_path):
        record = load_record(ctx.record_path)
        publish.build(ctx)
        posts = publish.load_manifest(ctx)
        left: list[str] = []
        if record is None:
            record = empty_record()  # no record yet: nothing was ever chosen to be sent
        else:
            # What `make publish` would send of the writer's own posts (the record's one rule,
            # connected.publishing.sendable): left out of the baseline, and named.
            own = [p for p in posts if p["source_path"] in kept]
            found = sendable_posts(record, own, dry_run=True)
            left = sorted(p["source_path"] for p in found.new + found.withheld)
            posts = [p for p in posts if p["source_path"] not in kept]
        if publish.apply_baseline(ctx, record, posts, "all", dry_run=False):
            save_record(ctx.record_path, record)
    return str(ctx.record_path), left


def timezone_note(old_zone, our_zone, own: list[str]) -> str | None:
    """The old blog's TIMEZONE replaces the site's (the archive's dates were written in it):
    say what that does to the writer's own posts, whose dates were written in ours."""
    if not own or not old_zone or not our_zone or str(old_zone) == str(our_zone):
        return None
    return (
        f"Note: TIMEZONE becomes the old blog's {old_zone!r} instead of {our_zone!r}: of the "
        f"{plural(len(own), 'post')} already in content/, those whose Date: has no offset and that have "
        f"no Timezone: line move by the difference — add 'Timezone: {our_zone}' to them, or an offset to "
        "their Date:, to keep their times"
    )


def _record_path(settings: dict) -> Path | None:
    from connected.newsletter_settings import newsletter_settings

    try:
        return newsletter_settings(settings)["RECORD_PATH"]
    except Exception:  # noqa: BLE001 - a settings problem: the baseline build words it
        return None


def own_posts(plan: Plan, before: list[str]) -> list[str]:
    """The posts in content/ before this run that are not the archive: a file an import
    (this one, or an earlier run cut short before its baseline) writes is archive."""
    archive = {item.new: item for item in plan.items}
    own = []
    for name in before:
        item, target = archive.get(name), plan.content / name
        if item is not None and target.is_file() and _already_imported(target, item.new_bytes):
            continue
        own.append(name)
    return own


def record_exists(record_path: Path | None) -> bool:
    """Whether a send record is there (the baseline then leaves the writer's unsent posts out)."""
    return record_path is not None and record_path.is_file()


def content_folder(source: str | None, old_settings: Path | None, old_path) -> Path:
    """FROM, or the old PATH when FROM is the old project folder (or missing, with SETTINGS)."""
    if old_settings is not None and isinstance(old_path, str) and old_path:
        project = old_settings.parent.resolve()
        inside = Path(old_path) if Path(old_path).is_absolute() else project / old_path
        if source is None or Path(source).expanduser().resolve() == project:
            if inside.is_dir():
                return inside
    if source is None:
        raise ImportBlogError("FROM is missing — " + USAGE)
    return Path(source).expanduser()


def settings_without_import_block(settings_path: Path) -> dict:
    """The writer's settings as they are without a previous import's block (which this
    import replaces), read by Pelican from a temporary copy next to the original."""
    import tempfile

    from pelican.settings import get_settings_from_file

    text = settings_path.read_text(encoding="utf-8")
    if BLOCK_START not in text:
        return get_settings_from_file(str(settings_path))
    fd, tmp = tempfile.mkstemp(dir=settings_path.parent, prefix=".pelicanconf-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(replace_block(text, ""))
        return get_settings_from_file(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


def confirm(yes: bool, say) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        return False
    try:
        answer = input("Apply these changes? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace, out=sys.stdout) -> int:
    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    root = Path(args.root).resolve()
    settings_path = root / "pelicanconf.py"
    ours = settings_without_import_block(settings_path)
    old_settings = Path(args.settings).expanduser() if args.settings else None
    old = read_old_settings(old_settings)
    source = content_folder(args.source, old_settings, old.given.get("PATH"))
    options = Options(keep_urls=args.keep_urls, home=args.home, templates=args.templates)
    if options.templates not in ("drop", "keep") and options.templates not in our_templates(root):
        raise ImportBlogError(
            f"TEMPLATES={options.templates!r}: use drop, keep or one of our templates "
            f"({', '.join(sorted(our_templates(root)))})"
        )
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    plan = make_plan(source, old, root, ours, options, when)
    settings_before = settings_path.read_text(encoding="utf-8")
    settings_after = replace_block(settings_before, plan.settings_block)

    say(diff_text(plan, settings_path, settings_before, settings_after).rstrip("\n"))
    say()
    say(f"make import: from {source} into {plan.content}")
    if old.read:
        say("  Old settings read: " + ", ".join(str(p) for p in old.read))
    for line in summary_lines(plan):
        say("  " + line)
    carry = carry_over_lines(plan, options)
    if carry:
        say("Could not carry over:")
        for line in carry:
            say("  " + line)
    before = sorted(
        p.relative_to(plan.content).as_posix()
        for sub in ours["ARTICLE_PATHS"]
        for p in (plan.content / sub).rglob("*")
        if p.is_file() and p.suffix.lower() in (".md", ".rst", ".markdown", ".html")
    ) if (plan.content).is_dir() else []
    if before:
        say(f"Note: content/ already holds {plural(len(before), 'post')} (kept; delete the sample's posts "
            f"first if they are not yours): {', '.join(before[:5])}{' …' if len(before) > 5 else ''}")
    own = own_posts(plan, before)
    zone = timezone_note(old.given.get("TIMEZONE"), ours.get("TIMEZONE"), own)
    if zone:
        say(zone)
    if own and record_exists(_record_path(ours)):
        say(f"Not in the baseline: the posts already in content/ that the send record does not list as sent "
            f"({plural(len(own), 'post')} to look at) stay unsent, so the next `make publish` sends them; the "
            "report names them (`make publish BASELINE=all` after the import marks them as sent too)")
    if not confirm(args.yes, say):
        say("Nothing was changed. The diff above is what the import would do; run it again with YES=1 "
            "(make import FROM=… YES=1) to apply it.")
        return 1

    written, conflicts = copy_files(plan)
    write_atomic(settings_path, settings_after.encode("utf-8"), mode=settings_path.stat().st_mode & 0o7777)
    added, uuid_problems = add_uuids(plan, ours)
    redirects = write_redirects(plan)
    say()
    say("Import report")
    for line in summary_lines(plan):
        say("  " + line)
    say(f"  Files written: {written}; Uuids added: {added}; redirects in content/{REDIRECTS_FILE}: {redirects}")
    keys = [line.split(" ", 1)[0] for line in plan.settings_block.splitlines() if line[:1].isupper()]
    say(f"  Settings written to {settings_path.name} (the block marked '# --- Imported by `make import`'): "
        + (", ".join(keys) or "none"))
    for line in conflicts + uuid_problems:
        say("  " + line)
    if carry:
        say("  Could not carry over:")
        for line in carry:
            say("    " + line)
    say("Marking the imported posts as already sent (make publish BASELINE=all, without deploying) …")
    try:
        record, left = baseline(root, say, frozenset(own))
    except Exception as exc:  # noqa: BLE001 - one message, and what is safe to do
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportBlogError(
            f"the files were imported, but the baseline build failed ({message}). Fix that, then run "
            "`make publish BASELINE=all` before any other `make publish`, so the archive is not mailed."
        ) from None
    say(f"Baseline recorded in {record}: nothing from the archive will be mailed. Commit content/, "
        "pelicanconf.py and the send record.")
    if left:
        say(f"Left out of the baseline, so the next `make publish` sends them: {', '.join(left)}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m scripts import", description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", default=env.get("FROM") or None, help="the old blog's content folder")
    parser.add_argument("--settings", default=env.get("SETTINGS") or None, help="the old pelicanconf.py (read, never run)")
    parser.add_argument("--yes", action="store_true", default=_truthy(env.get("YES")), help="apply without asking")
    parser.add_argument("--keep-urls", action="store_true", default=_truthy(env.get("KEEP_URLS")),
                        help="keep the old URL scheme instead of writing redirect pages")
    parser.add_argument("--home", default=env.get("HOME_PAGE") or "page",
                        help="old pages saved as index.html/404.html: page (default) or keep")
    parser.add_argument("--templates", default=env.get("TEMPLATES") or "drop",
                        help="custom Template: values: drop (default), keep, or one of our templates")
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.source and not args.settings:
        parser.error("FROM is missing — " + USAGE)
    if args.home not in ("page", "keep"):
        parser.error(f"HOME_PAGE={args.home!r}: use page (default) or keep")
    return args


def _truthy(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("1", "yes", "true", "y")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from scripts.build import configure_logging

    configure_logging()
    try:
        return run(args)
    except (ImportBlogError, PlanError, OldSettingsError) as exc:
        print(f"make import stopped: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("make import was interrupted: run it again (files already copied are kept, never overwritten).",
              file=sys.stderr)
        return 130
