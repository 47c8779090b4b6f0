"""`make init`: the sample becomes the writer's own site, in one command.

    make init                                   # asks, with the current values as defaults
    make init NAME="Sam Rivera" HEADLINE="…" EMAIL=sam@sam-rivera.dev \\
              SITEURL=https://sam-rivera.dev TIMEZONE=Europe/Lisbon \\
              ADDRESS="Sam Rivera, 12 Harbour Road, Leith EH6 6AA, UK" \\
              LINKEDIN=https://www.linkedin.com/in/sam-rivera/
    python -m scripts init --name "Sam Rivera" --siteurl https://sam-rivera.dev …

What it does (docs/getting-started.md):
- writes the answers into pelicanconf.py (AUTHOR_PROFILE, TIMEZONE) and
  publishconf.py (SITEURL), changing only those values (scripts/settings_edit.py);
  AUTHOR and SITENAME follow the profile's name unless the writer set them apart;
- removes the sample's posts and images (only files whose bytes are the
  shipped ones: an edited sample post is kept and named), writes an About page
  skeleton and, on a site with no posts left, one starter draft;
- resets send-record.json to an empty record (a record that exists counts as
  set up for `make publish`, so the writer's first post is mailed and nothing
  of the sample ever is); entries of the writer's own posts are kept; the
  sample's messages in outbox/ go too;
- redraws the default social image with the writer's name and site.

A second run changes only what it is given. Everything is checked before the
first file is written: bad answers exit 2 with one line each, naming the fix.

The Makefile passes make variables through the environment (quotes need no
escaping) and lists in CONNECTED_INIT_VARS which of them were given on the
make command line, so an EMAIL or NAME exported by the writer's shell for
other tools is never taken for an answer.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import stat
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connected.errors import ConnectedError
from connected.header import MARKDOWN_SUFFIXES, read_header
from connected.starter_text import ABOUT_WHY, ABOUT_WORK

ROOT = Path(__file__).resolve().parent.parent

# --- The sample as shipped ---------------------------------------------------------------------
SAMPLE_NAME = "Alex Morgan"
SAMPLE_DOMAIN = "your-name.example"
SAMPLE_VALUES = {
    "NAME": SAMPLE_NAME,
    "HEADLINE": "Engineering manager · writing about careers and professional networks",
    "EMAIL": "alex@your-name.example",
    "SITEURL": "https://your-name.example",
    "ADDRESS": "Alex Morgan, 100 Example Street, Springfield 12345, Freedonia",
    "LINKEDIN": "https://www.linkedin.com/in/your-name-example/",
}
SAMPLE_SUBTITLE = "Notes on keeping a professional network alive"
SAMPLE_LINKS = [
    ("GitHub", "https://github.com/your-name-example"),
    ("Mastodon", "https://mastodon.example/@yourname"),
]
# Words that mark a value as the sample's, whatever else was changed around them.
SAMPLE_MARKERS = ("your-name.example", "your-name-example", "Example Street", "Freedonia")

# Every file of the sample's content/ that `make init` may remove, by the SHA-256 of
# its bytes (line endings normalised to LF, as a Windows checkout may convert them).
# tests/scripts/init/test_init.py checks this table against tests/data/sample_site/.
SAMPLE_POSTS = {
    "posts/asking-for-and-giving-referrals.md": "89a24e273f6d4bf3c5812e2dad30acaa730b843eb15cc964c87a58e11c9ba649",
    "posts/interview-follow-up.md": "3d948dfd426f4b8b71d32a82d04202aef91fd1ea62a33e614cc75d4bbfef5309",
    "posts/keeping-in-touch-with-former-colleagues.md": "cb3e2d3a31879f11819da56d9cdac42ba94c340e86ea0a0f41f16ff9f81003db",
    "posts/network-before-you-need-it.md": "35e6084478445af44dd03827a54094b83f505ec01aa5292224d825b44913963e",
    "posts/thank-you-at-end-of-project.md": "91cd0100d31e0924b8fe69a3816af0665b4e1659f366c30ecf2bf9bc90dad6ae",
    "posts/why-write-a-newsletter.md": "f21ddc1b2b73cfdf5cdc7d4b3a8e3b09fea7bf7bfc80c621aaa6f3b9398aaab9",
}
SAMPLE_IMAGES = {
    "images/network-map.png": "bed072b38bfa1875c0786cc73dee1aa4d818a79fdc2e9aab89a56f1705513e42",
    "images/network-map.svg": "c57ea6f268e92402b7b8d231679daa2b5e30a6a364a83e899433eaff009f2c13",
}
SAMPLE_ABOUT = ("pages/about.md", "bd960eb5dc32f554a1c058f826717ab92be222b6fa7a70c054c2c7be38a8ce5f")
SAMPLE_SOCIAL_IMAGE = ("images/social-default.png", "89f965aca4668dc35ce9f69a1b3741d7f2e25454aa06760aaee1c353da22ee5c")
# The Uuids of the sample's posts and About page: the send record's sample entries,
# and how an edited sample post is recognised (it is kept, and named).
SAMPLE_UUIDS = {
    "e5d93f7f-969d-4241-af59-ab32c42b87b3": "posts/asking-for-and-giving-referrals.md",
    "663f9ca7-471a-45a9-a666-51a68bc8ffc7": "posts/interview-follow-up.md",
    "fcb5124d-732d-495e-b793-6bdb6a2fe783": "posts/keeping-in-touch-with-former-colleagues.md",
    "ad157d09-3da1-4b4c-8313-33fe8da7e428": "posts/network-before-you-need-it.md",
    "20fa21ff-6001-461d-adca-66bce1008228": "posts/thank-you-at-end-of-project.md",
    "6f46c550-68e5-4e4e-8502-763a57d9955f": "posts/why-write-a-newsletter.md",
    "7949bb45-773e-493d-9a69-f410cd68c5c4": "pages/about.md",
}
STARTER_TITLE = "What I will write about here"

USAGE = (
    'make init NAME="Your Name" HEADLINE="What you do, in one line" EMAIL=you@your-domain.com '
    'SITEURL=https://your-domain.com TIMEZONE=Area/City ADDRESS="Your postal address" '
    "LINKEDIN=https://www.linkedin.com/in/you/"
)


class InitError(ConnectedError):
    """`make init` cannot go on; the message names the file or answer and the fix."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


# --- The questions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    var: str  # make variable
    flag: str  # --option of this script
    prompt: str
    where: str  # the setting it writes, for messages
    required: bool  # a sample (placeholder) value must be replaced


FIELDS = (
    Field("NAME", "--name", "Your name", "AUTHOR_PROFILE['NAME'] in pelicanconf.py", True),
    Field("HEADLINE", "--headline", "Headline (what you do, one line)", "AUTHOR_PROFILE['HEADLINE'] in pelicanconf.py", True),
    Field("EMAIL", "--email", "Email address (newsletter sender and reply-to)", "AUTHOR_PROFILE['EMAIL'] in pelicanconf.py", True),
    Field("SITEURL", "--siteurl", "Site URL (https://…)", "SITEURL in publishconf.py", True),
    Field("TIMEZONE", "--timezone", "Time zone (Area/City)", "TIMEZONE in pelicanconf.py", False),
    Field("ADDRESS", "--address", "Postal address (newsletter footer, required by law)", "AUTHOR_PROFILE['POSTAL_ADDRESS'] in pelicanconf.py", True),
    Field("LINKEDIN", "--linkedin", "LinkedIn profile URL (- for none)", "AUTHOR_PROFILE['LINKEDIN_URL'] in pelicanconf.py", True),
)
NONE_WORDS = ("-", "none")


def is_sample(var: str, value: str) -> bool:
    """Whether an answer (or current value) is still the sample's placeholder."""
    if var == "TIMEZONE":
        return False
    if var == "LINKEDIN" and value == "":
        return False  # no LinkedIn link is the writer's choice
    return not value or value == SAMPLE_VALUES.get(var) or any(m in value for m in SAMPLE_MARKERS)


def _one_line(var: str, value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{var}: use one line of text, without tabs or line breaks.")
    return " ".join(value.split())


_EXAMPLES = {
    "NAME": 'NAME="Sam Rivera"',
    "HEADLINE": 'HEADLINE="Product designer · writing about design careers"',
    "EMAIL": "EMAIL=sam@sam-rivera.dev",
    "SITEURL": "SITEURL=https://sam-rivera.dev",
    "ADDRESS": 'ADDRESS="Sam Rivera, 12 Harbour Road, Leith EH6 6AA, UK"',
    "LINKEDIN": "LINKEDIN=https://www.linkedin.com/in/sam-rivera/",
}


def validate(var: str, raw: str) -> str:
    """The normalised answer; ValueError with one line naming the variable and the fix."""
    value = _one_line(var, raw.strip())
    example = _EXAMPLES.get(var, "")
    if var == "LINKEDIN" and (not value or value.lower() in NONE_WORDS):
        # Empty is no LinkedIn link: what an earlier run wrote for "-", and what
        # LINKEDIN= on the command line says (a second run must not refuse it).
        return ""
    if is_sample(var, value):
        if not value:
            raise ValueError(f"{var} is empty: give your own, e.g. {example}.")
        raise ValueError(f"{var}={value!r} is the sample's: give your own, e.g. {example}.")
    if var == "EMAIL":
        _check_email(value, example)
    elif var in ("SITEURL", "LINKEDIN"):
        value = _checked_https_url(var, value, example)
    elif var == "TIMEZONE":
        _check_timezone(value)
    return value


def _check_email(value: str, example: str) -> None:
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain or " " in value or any(c in value for c in "<>,;"):
        raise ValueError(f"EMAIL={value!r} is not an email address: write it as name@domain, e.g. {example}.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        raise ValueError(
            f"EMAIL={value!r} has no domain ({domain or 'nothing'} after the @): "
            f"use an address with a full domain, e.g. {example}."
        )


def _checked_https_url(var: str, value: str, example: str) -> str:
    """SITEURL (without its trailing slash) or LINKEDIN (a linkedin.com address)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        host, parts = "", urlsplit("")
    if parts.scheme.lower() != "https" or "." not in host:
        raise ValueError(
            f"{var}={value!r} is not an absolute https:// URL: write the full address, e.g. {example}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{var}={value!r}: drop the ?query, #fragment or user@ part, e.g. {example}.")
    if var == "SITEURL":
        # Pelican joins SITEURL and page paths with "/": no trailing slash.
        return value.rstrip("/")
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        raise ValueError(
            f"LINKEDIN={value!r} is not a LinkedIn address: use your profile's URL, e.g. {example} "
            "(or LINKEDIN=- for none)."
        )
    return value


def _check_timezone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    known = available_timezones()
    try:
        ZoneInfo(value)
        ok = not known or value in known
    except (ZoneInfoNotFoundError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"TIMEZONE={value!r} is not an IANA time zone: use Area/City, e.g. TIMEZONE=Europe/Lisbon "
            "or TIMEZONE=America/New_York (see `timedatectl list-timezones`)."
        )


# --- The project as it is ----------------------------------------------------------------------
@dataclass
class Project:
    root: Path
    pelicanconf: Path
    publishconf: Path
    settings: dict[str, Any]
    publish_settings: dict[str, Any]
    content: Path
    record_path: Path
    outbox_path: Path | None = None

    def current(self) -> dict[str, str]:
        profile = self.settings.get("AUTHOR_PROFILE") or {}
        return {
            "NAME": str(profile.get("NAME") or ""),
            "HEADLINE": str(profile.get("HEADLINE") or ""),
            "EMAIL": str(profile.get("EMAIL") or ""),
            "SITEURL": str(self.publish_settings.get("SITEURL") or ""),
            "TIMEZONE": str(self.settings.get("TIMEZONE") or ""),
            "ADDRESS": str(profile.get("POSTAL_ADDRESS") or ""),
            "LINKEDIN": str(profile.get("LINKEDIN_URL") or ""),
        }


def _read_settings_file(path: Path) -> dict[str, Any]:
    from pelican.settings import get_settings_from_file

    # A publishconf.py written as `from pelicanconf import *` (Pelican's quickstart style)
    # would get a cached module: read this project's.
    for name in ("pelicanconf", "publishconf"):
        sys.modules.pop(name, None)
    try:
        return get_settings_from_file(str(path))
    except Exception as exc:  # noqa: BLE001 - the writer's own Python: report, never a traceback
        raise InitError(f"{path.name} does not load ({type(exc).__name__}: {exc}): fix it, then run `make init` again.") from exc


def load_project(root: Path) -> Project:
    from connected.newsletter_settings import SettingsError, newsletter_settings

    pelicanconf, publishconf = root / "pelicanconf.py", root / "publishconf.py"
    for path in (pelicanconf, publishconf):
        if not path.is_file():
            raise InitError(f"{path} not found: run `make init` in the project's directory.")
    settings = _read_settings_file(pelicanconf)
    publish_settings = _read_settings_file(publishconf)
    content = Path(settings.get("PATH") or "content")
    if not content.is_absolute():
        content = root / content
    cwd = Path.cwd()
    try:
        os.chdir(root)  # newsletter_settings resolves relative paths from the current directory
        newsletter = newsletter_settings(settings)
        record_path, outbox_path = newsletter["RECORD_PATH"], newsletter["OUTBOX_PATH"]
    except SettingsError:
        # A NEWSLETTER setting make init is about to fix (an empty EMAIL, say) must not
        # stop it: the record's and the outbox's paths are all it needs from there.
        paths = []
        for key, default in (("RECORD_PATH", "send-record.json"), ("OUTBOX_PATH", "outbox")):
            raw = (settings.get("NEWSLETTER") or {}).get(key) or default
            paths.append(Path(raw) if Path(raw).is_absolute() else root / raw)
        record_path, outbox_path = paths
    finally:
        os.chdir(cwd)
    return Project(root, pelicanconf, publishconf, settings, publish_settings, content, Path(record_path), Path(outbox_path))


# --- Gathering the answers ---------------------------------------------------------------------
def given_answers(args: argparse.Namespace, environ: dict[str, str]) -> dict[str, str]:
    given: dict[str, str] = {}
    from_make = environ.get("CONNECTED_INIT_VARS", "").split()
    for f in FIELDS:
        if f.var in from_make and f.var in environ:
            given[f.var] = environ[f.var]
        option = getattr(args, f.flag.lstrip("-"))
        if option is not None:
            given[f.var] = option
    return given


def ask(current: dict[str, str], given: dict[str, str], *, ask_all: bool, read=input, say=print) -> dict[str, str]:
    """Prompt on the terminal, re-asking until each answer is valid."""
    answers: dict[str, str] = {}
    say("Make this site your own. Press Enter to keep the value in [brackets].")
    for f in FIELDS:
        default = given.get(f.var, current[f.var])
        needed = f.var not in given and (ask_all or (f.required and is_sample(f.var, current[f.var])))
        if not needed:
            try:
                answers[f.var] = validate(f.var, default)
                continue
            except ValueError as exc:
                say(str(exc))
                default = current[f.var]  # Enter must not submit the refused value again
        while True:
            shown = default if default and not is_sample(f.var, default) else ""
            if f.var == "LINKEDIN" and current[f.var] == "" and f.var not in given:
                shown = "-"
            try:
                typed = read(f"{f.prompt} [{shown}]: " if shown else f"{f.prompt}: ")
            except EOFError:
                raise InitError("make init stopped: no answer (end of input); nothing was changed.", 2) from None
            answer = typed.strip() or shown
            try:
                answers[f.var] = validate(f.var, answer)
                break
            except ValueError as exc:
                say(str(exc))
    return answers


def collect(current: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """Without a terminal: every answer from the command line or the current settings."""
    missing = [
        f.var for f in FIELDS if f.var not in given and f.required and is_sample(f.var, current[f.var])
    ]
    if missing:
        names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
        verb, it = ("is", "it") if len(missing) == 1 else ("are", "them")
        raise InitError(
            f"make init: {names} {verb} missing (there is no terminal to ask, and the current "
            f"value{'s are' if len(missing) > 1 else ' is'} the sample's): give {it} as make variables, "
            f"e.g.\n  {USAGE}\nNothing was changed.",
            2,
        )
    answers, problems = {}, []
    for f in FIELDS:
        value = given.get(f.var, current[f.var])
        try:
            answers[f.var] = validate(f.var, value)
        except ValueError as exc:
            where = "" if f.var in given else f" (the current {f.where})"
            problems.append(f"{exc}{where}")
    if problems:
        raise InitError("\n".join(problems) + "\nNothing was changed.", 2)
    return answers


# --- The plan: everything decided before the first write -----------------------------------------
@dataclass
class Plan:
    writes: dict[Path, bytes] = field(default_factory=dict)
    modes: dict[Path, int] = field(default_factory=dict)
    deletes: list[Path] = field(default_factory=list)
    record: dict | None = None
    starter: bool = False
    lines: list[str] = field(default_factory=list)  # what changed, for the writer
    notes: list[str] = field(default_factory=list)  # what was left alone, and why


def digest(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix.lower() in (".md", ".markdown", ".txt", ".svg", ".html"):
        data = data.replace(b"\r\n", b"\n")
    return hashlib.sha256(data).hexdigest()


def _shown(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return str(path)


def plan_settings(project: Project, answers: dict[str, str], plan: Plan) -> None:
    from scripts.settings_edit import COMPUTED, SettingsEditError, SettingsSource

    current = project.current()
    try:
        conf = SettingsSource(project.pelicanconf.read_text(encoding="utf-8"), "pelicanconf.py")
        pub = SettingsSource(project.publishconf.read_text(encoding="utf-8"), "publishconf.py")
        profile_keys = {"NAME": "NAME", "HEADLINE": "HEADLINE", "EMAIL": "EMAIL", "ADDRESS": "POSTAL_ADDRESS", "LINKEDIN": "LINKEDIN_URL"}
        for var, key in profile_keys.items():
            if answers[var] != current[var]:
                conf.set_in_dict("AUTHOR_PROFILE", key, answers[var])
                plan.lines.append(f"pelicanconf.py: AUTHOR_PROFILE['{key}'] = {answers[var]!r}")
        if answers["TIMEZONE"] != current["TIMEZONE"]:
            conf.set("TIMEZONE", answers["TIMEZONE"])
            plan.lines.append(f"pelicanconf.py: TIMEZONE = {answers['TIMEZONE']!r}")
        links_node, _ = conf.dict_value_node("AUTHOR_PROFILE", "LINKS")
        if links_node is not None and conf.current(links_node) in (SAMPLE_LINKS, [list(p) for p in SAMPLE_LINKS]):
            conf.set_in_dict("AUTHOR_PROFILE", "LINKS", [])
            plan.lines.append(
                "pelicanconf.py: AUTHOR_PROFILE['LINKS'] = [] (the sample's GitHub and Mastodon links; "
                'add yours as ("Label", "https://…") pairs)'
            )
        # AUTHOR and SITENAME follow the profile's name unless the writer set them apart.
        profile_line = conf.line_of("AUTHOR_PROFILE")
        for name in ("AUTHOR", "SITENAME"):
            node = conf.value_node(name)
            value = conf.current(node)
            if node is None or value is COMPUTED:
                continue
            follows = value in (current["NAME"], SAMPLE_NAME)
            if follows and value != answers["NAME"]:
                if profile_line is not None and profile_line < node.lineno:
                    conf.set_expression(name, 'AUTHOR_PROFILE["NAME"]')
                    plan.lines.append(f"pelicanconf.py: {name} = AUTHOR_PROFILE[\"NAME\"] (follows your name)")
                else:
                    conf.set(name, answers["NAME"])
                    plan.lines.append(f"pelicanconf.py: {name} = {answers['NAME']!r}")
            elif not follows:
                plan.notes.append(f"pelicanconf.py: {name} stays {value!r} (you set it apart from your name).")
        subtitle = conf.value_node("SITESUBTITLE")
        if conf.current(subtitle) == SAMPLE_SUBTITLE:
            conf.set("SITESUBTITLE", "")
            plan.lines.append(
                "pelicanconf.py: SITESUBTITLE = '' (it was the sample's; write your site's one-line description there)"
            )
        if answers["SITEURL"] != current["SITEURL"].rstrip("/") or pub.value_node("SITEURL") is None:
            pub.set("SITEURL", answers["SITEURL"], append_comment="The address your site is served from (make init).")
            plan.lines.append(f"publishconf.py: SITEURL = {answers['SITEURL']!r}")
    except SettingsEditError as exc:
        raise InitError(f"{exc} Nothing was changed.") from None
    new_conf, new_pub = conf.result(), pub.result()
    _verify(project, new_conf, new_pub, answers)
    for path, text in ((project.pelicanconf, new_conf), (project.publishconf, new_pub)):
        if text != path.read_text(encoding="utf-8"):
            plan.writes[path] = text.encode("utf-8")
            plan.modes[path] = stat.S_IMODE(path.stat().st_mode)


def _verify(project: Project, conf_text: str, pub_text: str, answers: dict[str, str]) -> None:
    """Load the edited files and check that every answer took effect: a value set again
    further down, in a way the edit could not see, stops the run instead of being
    silently ignored. They are loaded from a directory of their own inside the project,
    under their own names, so the edited publishconf.py reads the edited pelicanconf.py
    beside it (connected/site_settings.settings_in)."""
    import importlib.util
    import shutil

    check_dir = project.root / f".init-check-{os.getpid()}"
    conf_path = check_dir / "pelicanconf.py"
    pub_path = check_dir / "publishconf.py"
    saved = {name: sys.modules.get(name) for name in ("pelicanconf", "publishconf")}
    try:
        check_dir.mkdir(exist_ok=True)
        conf_path.write_text(conf_text, encoding="utf-8")
        pub_path.write_text(pub_text, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("pelicanconf", conf_path)
        conf = importlib.util.module_from_spec(spec)
        sys.modules["pelicanconf"] = conf
        spec.loader.exec_module(conf)
        spec = importlib.util.spec_from_file_location("publishconf", pub_path)
        pub = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(pub)
    except Exception as exc:  # noqa: BLE001
        raise InitError(f"The edited settings do not load ({type(exc).__name__}: {exc}); nothing was changed.") from exc
    finally:
        shutil.rmtree(check_dir, ignore_errors=True)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    profile = getattr(conf, "AUTHOR_PROFILE", {}) or {}
    checks = [
        ("pelicanconf.py", "AUTHOR_PROFILE['NAME']", profile.get("NAME"), answers["NAME"]),
        ("pelicanconf.py", "AUTHOR_PROFILE['HEADLINE']", profile.get("HEADLINE"), answers["HEADLINE"]),
        ("pelicanconf.py", "AUTHOR_PROFILE['EMAIL']", profile.get("EMAIL"), answers["EMAIL"]),
        ("pelicanconf.py", "AUTHOR_PROFILE['POSTAL_ADDRESS']", profile.get("POSTAL_ADDRESS"), answers["ADDRESS"]),
        ("pelicanconf.py", "AUTHOR_PROFILE['LINKEDIN_URL']", profile.get("LINKEDIN_URL") or "", answers["LINKEDIN"]),
        ("pelicanconf.py", "TIMEZONE", getattr(conf, "TIMEZONE", None), answers["TIMEZONE"]),
        ("publishconf.py", "SITEURL", (getattr(pub, "SITEURL", "") or "").rstrip("/"), answers["SITEURL"]),
        ("publishconf.py", "AUTHOR_PROFILE['NAME']", (getattr(pub, "AUTHOR_PROFILE", {}) or {}).get("NAME"), answers["NAME"]),
    ]
    for filename, what, got, wanted in checks:
        if got != wanted:
            raise InitError(
                f"{filename}: {what} is set again somewhere make init cannot change (it would be {got!r}, "
                f"not {wanted!r}): set it by hand, or remove the later assignment. Nothing was changed."
            )
    for name in ("AUTHOR", "SITENAME"):
        value = getattr(conf, name, None)
        if value == SAMPLE_NAME or (any(m in str(value) for m in SAMPLE_MARKERS)):
            raise InitError(
                f"pelicanconf.py: {name} is still the sample's {value!r} and is computed where make init "
                f"cannot change it: set {name} = AUTHOR_PROFILE[\"NAME\"]. Nothing was changed."
            )


def about_skeleton(name: str, headline: str, page_uuid: str) -> str:
    return (
        "Title: About\n"
        "Slug: about\n"
        "Template: about\n"
        f"Uuid: {page_uuid}\n"
        f"Summary: {name} — {headline}\n"
        "\n"
        f"I'm **{name}**. {headline}\n"
        "\n"
        "## What I work on\n"
        "\n"
        f"{ABOUT_WORK}\n"
        "\n"
        "## Why I write\n"
        "\n"
        f"{ABOUT_WHY}\n"
    )


def _uuid_of(path: Path) -> str | None:
    """The Uuid in a Markdown file's header (read by connected/header.py; None if unreadable)."""
    found = read_header(path).values("uuid")
    return found[0].strip().lower() if found else None


def plan_content(project: Project, answers: dict[str, str], plan: Plan) -> None:
    content = project.content
    markdown = sorted(p for p in content.rglob("*") if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES)
    about_path = content / SAMPLE_ABOUT[0]
    kept_sources = _plan_sample_posts(project, [p for p in markdown if p != about_path], plan)
    if about_path.exists():  # the writer removed it: a page they deleted is not theirs to get back unasked
        kept_sources += _plan_about(project, about_path, answers, plan)
    _plan_sample_images(project, kept_sources, plan)
    _plan_social_image(project, answers, plan)

    # One starter draft in place of the sample's posts, when none of the writer's is left.
    deleted = set(plan.deletes)
    left = [p for p in markdown if p not in deleted and p != about_path and p.is_relative_to(content / "posts")]
    replaced_sample = any(p.suffix.lower() == ".md" for p in deleted)
    plan.starter = replaced_sample and not left


def _plan_sample_posts(project: Project, posts: list[Path], plan: Plan) -> list[Path]:
    """Delete the sample's untouched posts; the posts that stay."""
    kept: list[Path] = []
    for path in posts:
        if digest(path) in SAMPLE_POSTS.values():
            plan.deletes.append(path)
            plan.lines.append(f"removed the sample post {_shown(project, path)}")
            continue
        kept.append(path)
        page_uuid = _uuid_of(path)
        if page_uuid in SAMPLE_UUIDS:
            plan.notes.append(
                f"{_shown(project, path)} is a sample post you have edited (Uuid {page_uuid}), so it was kept: "
                "delete it yourself if it is not yours."
            )
    return kept


def _plan_about(project: Project, about_path: Path, answers: dict[str, str], plan: Plan) -> list[Path]:
    """The About page: the sample's text, or an untouched skeleton of an earlier run, is rewritten.

    Returns [about_path] when the page is the writer's own (it stays a source), else [].
    """
    current = project.current()
    old_uuid = _uuid_of(about_path) or ""
    text = about_path.read_text(encoding="utf-8", errors="replace")
    if digest(about_path) == SAMPLE_ABOUT[1]:
        about_text = about_skeleton(answers["NAME"], answers["HEADLINE"], str(uuid.uuid4()))
        plan.writes[about_path] = about_text.encode("utf-8")
        plan.lines.append(f"replaced the sample's About text: {_shown(project, about_path)} (fill it in)")
        return []
    if text == about_skeleton(current["NAME"], current["HEADLINE"], old_uuid):
        new = about_skeleton(answers["NAME"], answers["HEADLINE"], old_uuid)
        if new.encode("utf-8") != about_path.read_bytes():
            plan.writes[about_path] = new.encode("utf-8")
            plan.lines.append(f"updated the About page skeleton: {_shown(project, about_path)}")
        return []
    if old_uuid in SAMPLE_UUIDS or SAMPLE_NAME in text:
        plan.notes.append(
            f"{_shown(project, about_path)} is the sample's About page with your edits, so it was kept: "
            f"it still mentions the sample's author; rewrite it."
        )
    return [about_path]


def _plan_sample_images(project: Project, kept_sources: list[Path], plan: Plan) -> None:
    """The sample's images, unless a post that stays uses them."""
    texts = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in kept_sources)
    for rel, sha in SAMPLE_IMAGES.items():
        path = project.content / rel
        if path.is_file() and digest(path) == sha:
            if Path(rel).name in texts:
                plan.notes.append(f"{_shown(project, path)} is the sample's, kept because a post of yours uses it.")
            else:
                plan.deletes.append(path)
                plan.lines.append(f"removed the sample image {_shown(project, path)}")


def _plan_social_image(project: Project, answers: dict[str, str], plan: Plan) -> None:
    """The default social image: drawn again when it is the sample's or one we drew."""
    from scripts.social_image import is_generated, render

    profile = project.settings.get("AUTHOR_PROFILE") or {}
    image_rel = str(profile.get("DEFAULT_IMAGE") or SAMPLE_SOCIAL_IMAGE[0])
    image = project.content / image_rel
    host = urlsplit(answers["SITEURL"]).netloc + urlsplit(answers["SITEURL"]).path
    if image.suffix.lower() != ".png":
        plan.notes.append(f"AUTHOR_PROFILE['DEFAULT_IMAGE'] is {image_rel}, not a PNG: left as it is.")
    elif not image.exists() or digest(image) == SAMPLE_SOCIAL_IMAGE[1] or is_generated(image):
        data = render(answers["NAME"], answers["HEADLINE"], host)
        if not image.exists() or image.read_bytes() != data:
            plan.writes[image] = data
            plan.lines.append(f"drew the link-preview image {_shown(project, image)} (1200×630) with your name and {host}")
    else:
        plan.notes.append(f"{_shown(project, image)} is your own image (not the sample's): left as it is.")


def _remaining_posts(project: Project, plan: Plan) -> set[str]:
    """The Markdown files of content/ (relative, as SAMPLE_UUIDS names them) the plan keeps."""
    return {p.relative_to(project.content).as_posix() for p in project.content.rglob("*.md") if p not in plan.deletes}


def plan_record(project: Project, plan: Plan) -> None:
    from connected.send_record import RecordError, empty_record, load_record

    try:
        record = load_record(project.record_path)
    except RecordError as exc:
        raise InitError(f"{exc} Nothing was changed.") from None
    shown = _shown(project, project.record_path)
    if record is None:
        plan.record = empty_record()
        plan.lines.append(f"wrote an empty send record {shown}: your first published post is mailed, nothing of the sample")
        return
    remaining = _remaining_posts(project, plan)
    sample_entries = [
        u for u in record["posts"] if u in SAMPLE_UUIDS and SAMPLE_UUIDS[u] not in remaining
    ]
    if not sample_entries:
        return
    record = {**record, "posts": {u: e for u, e in record["posts"].items() if u not in sample_entries}}
    pending = {u: e for u, e in (record.get("pending") or {}).items() if u not in sample_entries}
    record.pop("pending", None)
    if pending:
        record["pending"] = pending
    plan.record = record
    if record["posts"]:
        plan.lines.append(f"removed the sample's {len(sample_entries)} entries from {shown}; yours are kept")
    else:
        plan.lines.append(f"reset {shown} to an empty record: your first published post is mailed, nothing of the sample")


def plan_outbox(project: Project, plan: Plan) -> None:
    """The sample's messages in outbox/ (a first `make publish` on the sample writes one) go
    with the sample's posts: the outbox then holds only what this site sent."""
    if project.outbox_path is None or not project.outbox_path.is_dir():
        return
    remaining = _remaining_posts(project, plan)
    gone = [u for u, path in SAMPLE_UUIDS.items() if path not in remaining]
    messages = sorted(
        path for path in project.outbox_path.iterdir()
        if path.suffix == ".eml" and path.is_file() and any(u in path.name for u in gone)
    )  # fmt: skip
    if messages:
        plan.deletes.extend(messages)
        plan.lines.append(
            f"removed the sample's {len(messages)} message(s) from {_shown(project, project.outbox_path)}/"
        )


# --- Doing it --------------------------------------------------------------------------------------
def apply(project: Project, plan: Plan) -> Path | None:
    from connected.files import write_atomic
    from connected.send_record import save_record

    for path, data in plan.writes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Keep a replaced file's permission bits (write_atomic's temp file has 0o600).
        mode = plan.modes.get(path) or (stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        write_atomic(path, data, mode=mode)
    for path in plan.deletes:
        path.unlink(missing_ok=True)
    if plan.record is not None:
        save_record(project.record_path, plan.record)
    if plan.starter:
        from scripts.newpost import NewPostError, create_draft

        try:
            return create_draft(STARTER_TITLE, posts_dir=project.content / "posts", settings_file=project.pelicanconf)
        except NewPostError as exc:
            plan.notes.append(f"no starter draft: {exc}")
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts init",
        description="Make the sample site your own: your name, address, site URL; the sample's posts removed.",
        epilog=f"With make: {USAGE}",
    )
    for f in FIELDS:
        parser.add_argument(f.flag, metavar=f.var, help=f"{f.prompt} → {f.where}")
    parser.add_argument("--root", default=str(ROOT), help="project directory (default: this checkout)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, *, environ: dict[str, str] | None = None, stdin=None) -> int:
    args = parse_args(argv)
    environ = dict(os.environ if environ is None else environ)
    stdin = stdin or sys.stdin
    root = Path(args.root).resolve()
    try:
        project = load_project(root)
        current = project.current()
        given = given_answers(args, environ)
        if stdin.isatty():
            answers = ask(current, given, ask_all=not given)
        else:
            answers = collect(current, given)
        plan = Plan()
        plan_settings(project, answers, plan)
        plan_content(project, answers, plan)
        plan_record(project, plan)
        plan_outbox(project, plan)
        starter = apply(project, plan)
    except InitError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("make init interrupted: nothing more was changed; run it again.", file=sys.stderr)
        return 130
    if starter is not None:
        plan.lines.append(f"wrote a starter draft {_shown(project, starter)}")
    if not plan.lines:
        print("make init: nothing to change: the site already has these values.")
    else:
        print(f"make init: this is now {answers['NAME']}'s site ({answers['SITEURL']}).")
        for line in plan.lines:
            print(f"  - {line}")
    for note in plan.notes:
        print(f"  Note: {note}")
    if plan.lines:
        print(
            "Next: `make serve` to look at it, `make newpost TITLE=\"…\"` to write, "
            "`make publish CHECK=1` then `make publish`. Commit the changes (git add -A && git commit)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
