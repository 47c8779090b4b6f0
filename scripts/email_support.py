"""An email edition against caniemail's support data, per mail client.

    python -m scripts email-support report build/editions/<uuid>/outbox.html …
        per client, the features the edition uses that the client supports only
        in part (a) or not at all (n), and where the edition uses them
    python -m scripts email-support table CANIEMAIL [-o tests/data/email_support.json]
        derive the support table from caniemail (github.com/hteumeuleu/caniemail):
        a checkout, or its git directory (what `fetch github:hteumeuleu/caniemail` brings)

The table holds facts only (a support letter, the versions it was read from, the
numbers of caniemail's notes) for the features scripts/email_features.py can name
and the clients in CLIENTS; it is committed so the tests run offline
(tests/theme/test_email_support.py). caniemail's data is MIT-licensed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from connected.errors import ConnectedError
from connected.files import write_atomic
from scripts.email_features import MAPPED_FEATURES, EditionFeatures, edition_features

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TABLE = ROOT / "tests" / "data" / "email_support.json"
OUTLOOK_WINDOWS = "outlook-windows"

# name -> (caniemail family, platform, label). Outlook for Windows is the desktop
# app of Office 2016, 2019 and Microsoft 365 (caniemail's versions 2016 and later).
CLIENTS = {
    "gmail-web": ("gmail", "desktop-webmail", "Gmail (web)"),
    "gmail-android": ("gmail", "android", "Gmail (Android)"),
    "gmail-ios": ("gmail", "ios", "Gmail (iOS)"),
    "apple-mail-macos": ("apple-mail", "macos", "Apple Mail (macOS)"),
    "apple-mail-ios": ("apple-mail", "ios", "Apple Mail (iOS)"),
    OUTLOOK_WINDOWS: ("outlook", "windows", "Outlook for Windows (2016, 2019, 365)"),
    "outlook-com": ("outlook", "outlook-com", "Outlook.com / Outlook on the web"),
    "yahoo-web": ("yahoo", "desktop-webmail", "Yahoo Mail (web)"),
    "samsung-email": ("samsung-email", "android", "Samsung Email"),
}
OUTLOOK_FIRST_YEAR = 2016
# Worst first: the support of a client over several versions is the worst one.
SUPPORT_ORDER = "nauy"
SOURCE_NOTE = (
    "Derived from caniemail (https://www.caniemail.com, https://github.com/hteumeuleu/caniemail), "
    "MIT licence, Copyright (c) 2019 Rémi Parmentier. Facts only: per feature and client the "
    "support letter (y supported, a partial, n not supported, u unknown) of the latest version "
    "tested (Outlook for Windows: the worst of 2016 and later) and the numbers of caniemail's "
    "notes, which the feature's page has. "
    "Regenerate: python -m scripts email-support table <caniemail checkout or git dir>."
)


class SupportDataError(ConnectedError):
    """The caniemail source or the derived table cannot be read."""


# --- reading caniemail -------------------------------------------------------------


def front_matter(text: str) -> str:
    """The YAML between a page's first two `---` lines (a note may hold `---` too)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError("no front matter")
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            # Jekyll's reader takes tabs as indentation; PyYAML does not.
            return "\n".join(lines[1:end]).replace("\t", "    ")
    raise ValueError("front matter is not closed")


def _feature_pages(source: Path) -> tuple[dict[str, str], str]:
    """{slug: page text} of caniemail's _features/, and the commit when known."""
    folder = source / "_features"
    if folder.is_dir():
        pages = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}
        commit = _git(["-C", str(source), "rev-parse", "HEAD"])
        return pages, commit.strip() if commit else ""
    names = _git(["--git-dir", str(source), "ls-tree", "--name-only", "HEAD", "_features/"])
    if names is None:
        raise SupportDataError(f"{source} has no _features/ folder and is no git directory: give a caniemail checkout")
    pages = {}
    for name in names.split():
        if name.endswith(".md"):
            pages[Path(name).stem] = _git(["--git-dir", str(source), "show", f"HEAD:{name}"]) or ""
    commit = (_git(["--git-dir", str(source), "rev-parse", "HEAD"]) or "").strip()
    return pages, commit


def _git(args: list[str]) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _letter_and_notes(raw) -> tuple[str, list[str]]:
    parts = str(raw).split()
    letter = parts[0].lower() if parts else "u"
    return (letter if letter in SUPPORT_ORDER else "u"), [p.lstrip("#") for p in parts[1:] if p.startswith("#")]


def client_support(stats: dict, family: str, platform: str) -> str | None:
    """One client's support in a feature's stats ("y", "a #2", "n #1"…), None if untested.

    The latest version listed (caniemail lists them oldest first); for Outlook
    for Windows the worst of the versions from 2016 on (Office 2016, 2019, 365).
    """
    versions = ((stats or {}).get(family) or {}).get(platform) or {}
    if not versions:
        return None
    items = [(str(k), v) for k, v in versions.items()]
    if family == "outlook" and platform == "windows":
        recent = [(k, v) for k, v in items if k[:4].isdigit() and int(k[:4]) >= OUTLOOK_FIRST_YEAR]
        items = recent or items[-1:]
    else:
        items = items[-1:]
    read = [_letter_and_notes(value) for _version, value in items]
    worst = min((letter for letter, _notes in read), key=SUPPORT_ORDER.index)
    notes = sorted({n for letter, ns in read if letter == worst for n in ns}, key=lambda n: (len(n), n))
    return " ".join([worst, *(f"#{n}" for n in notes)])


def support_letter(entry: str | None) -> str | None:
    """"n" of "n #1"; None stays None (the client was not tested)."""
    return entry.split()[0] if entry else None


def derive_table(source: Path) -> dict:
    """The support table for MAPPED_FEATURES × CLIENTS from a caniemail checkout."""
    pages, commit = _feature_pages(source)
    missing = sorted(MAPPED_FEATURES - set(pages))
    if missing:
        raise SupportDataError(f"caniemail at {source} lacks feature page(s) {', '.join(missing)}: update the checkout or scripts/email_features.py")
    features = {}
    for slug in sorted(MAPPED_FEATURES):
        try:
            meta = yaml.safe_load(front_matter(pages[slug]))
        except (ValueError, yaml.YAMLError) as error:
            raise SupportDataError(f"caniemail's _features/{slug}.md: cannot read its front matter ({error})") from None
        support = {}
        for client, (family, platform, _label) in CLIENTS.items():
            found = client_support(meta.get("stats") or {}, family, platform)
            if found:
                support[client] = found
        features[slug] = {
            "title": str(meta.get("title") or slug),
            "url": f"https://www.caniemail.com/features/{slug}/",
            "last_test_date": str(meta.get("last_test_date") or ""),
            "support": support,
        }
    return {
        "source": SOURCE_NOTE,
        "caniemail_commit": commit,
        "clients": {name: label for name, (_f, _p, label) in CLIENTS.items()},
        "features": features,
    }


def dump_table(table: dict) -> str:
    """The table as JSON with one line per feature, so a regenerated table diffs by feature."""
    head = {key: value for key, value in table.items() if key != "features"}
    lines = json.dumps(head, indent=1, ensure_ascii=False)[:-2].splitlines()
    lines[-1] += ","
    lines.append(' "features": {')
    rows = [f"  {json.dumps(slug)}: {json.dumps(entry, ensure_ascii=False)}" for slug, entry in table["features"].items()]
    lines.append(",\n".join(rows))
    lines.append(" }\n}\n")
    return "\n".join(lines)


# --- checking an edition -------------------------------------------------------------


def load_table(path: Path = DEFAULT_TABLE) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SupportDataError(f"{path}: cannot read the support table ({error}): regenerate it with python -m scripts email-support table") from None


@dataclass(frozen=True)
class Finding:
    feature: str
    support: str  # "n" or "a"
    places: tuple[str, ...]
    notes: tuple[str, ...] = ()


def findings(used: EditionFeatures, table: dict) -> dict[str, list[Finding]]:
    """Per client, the used features it does not fully support (n first, then a)."""
    out: dict[str, list[Finding]] = {}
    for client in table["clients"]:
        rows = []
        for slug, places in sorted(used.for_client(client == OUTLOOK_WINDOWS).items()):
            entry = table["features"].get(slug, {}).get("support", {}).get(client)
            letter = support_letter(entry)
            if letter in {"n", "a"}:
                notes = tuple(part.lstrip("#") for part in entry.split()[1:])
                rows.append(Finding(slug, letter, tuple(sorted(places)), notes))
        out[client] = sorted(rows, key=lambda f: (f.support != "n", f.feature))
    return out


def counts(rows: list[Finding]) -> tuple[int, int]:
    """(not supported, partial) feature counts of one client."""
    return sum(f.support == "n" for f in rows), sum(f.support == "a" for f in rows)


def report(paths: list[Path], table: dict) -> str:
    used = EditionFeatures()
    for path in paths:
        one = edition_features(path.read_text(encoding="utf-8"))
        for source, target in ((one.everywhere, used.everywhere), (one.outlook_only, used.outlook_only)):
            for slug, places in source.items():
                target[slug] |= places
        used.unmapped |= one.unmapped
    lines = []
    for client, rows in findings(used, table).items():
        no, partial = counts(rows)
        lines.append(f"{table['clients'][client]}: {no} not supported, {partial} partial")
        for row in rows:
            where = ", ".join(row.places[:4]) + (" …" if len(row.places) > 4 else "")
            lines.append(f"  {row.support} {row.feature}: {where}")
    if used.unmapped:
        lines.append("not mapped to a caniemail feature (scripts/email_features.py): " + "; ".join(sorted(used.unmapped)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts email-support", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("report", help="per client, what an edition uses that the client lacks")
    check.add_argument("html", nargs="+", type=Path)
    check.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    make = commands.add_parser("table", help="derive the support table from a caniemail checkout")
    make.add_argument("caniemail", type=Path)
    make.add_argument("-o", "--output", type=Path, default=DEFAULT_TABLE)
    args = parser.parse_args(argv)
    try:
        if args.command == "table":
            table = derive_table(args.caniemail)
            write_atomic(args.output, dump_table(table).encode("utf-8"), mode=0o644)
            print(f"{args.output}: {len(table['features'])} features × {len(table['clients'])} clients")
            return 0
        missing = [str(p) for p in args.html if not p.is_file()]
        if missing:
            print(f"email_support: no such edition file {missing[0]}: give a built edition (build/editions/<uuid>/outbox.html)", file=sys.stderr)
            return 2
        print(report(args.html, load_table(args.table)))
        return 0
    except SupportDataError as error:
        print(f"email_support: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
