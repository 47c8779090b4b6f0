"""A site whose posts carry the hostile header values of issue 11 item 2, built
with plugins/post_checks switched off: the theme alone must keep them inert
(the second wall behind validation). Shared by tests/theme/test_theme_second_wall.py
and tests/browser/test_hostile_metadata_browser.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lxml import html as lxml_html

from tests.conftest import DATA, read_project_settings, run_cli, sample_settings

# slug of the file -> header lines (Title, Date, Uuid are added)
HOSTILE_POSTS = {
    "slug-breakout": ['Slug: x"><script>alert(1)</script>'],
    "slug-attribute": ['Slug: y" onmouseover="alert(2)'],
    "lang-breakout": ["Slug: lang-post", 'Lang: "><script>alert(3)</script>'],
    "original-js": ["Slug: original-js", "Original_url: javascript:alert(4)"],
    "summary-html": [
        "Slug: summary-html",
        "Summary: <img src=x onerror=alert(5)> <!--><script>alert(6)</script><!-- --> "
        '<a href="javascript:alert(7)">x</a>',
    ],
    "image-js": ["Slug: image-js", "Image: javascript:alert(8)"],
    "url-js": ["Url: javascript:alert(9)", "Save_as: url-js.html"],
}
SUBSCRIBE = {"FORM_URL": "javascript:alert(10)", "HONEYPOT_NAME": '"><script>alert(11)</script>'}
PROFILE = {"LINKEDIN_URL": "javascript:alert(12)", "LINKS": [("Evil", 'javascript:alert(13)')]}


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "content", "srcset", "poster", "data")


def write_posts(content: Path) -> None:
    for number, (name, lines) in enumerate(sorted(HOSTILE_POSTS.items())):
        header = [
            f"Title: Hostile {name}",
            f"Date: 2026-10-{number + 2:02d} 10:00",
            "Tags: escaping",
            f"Uuid: 5e5e5e5e-0000-4000-8000-{number:012d}",
            *lines,
        ]
        (content / "posts" / f"{name}.md").write_text("\n".join(header) + "\n\nBody.\n", encoding="utf-8")


def build_hostile_site(tmp: Path, siteurl: str) -> Path:
    """Build theme_hostile plus HOSTILE_POSTS (post_checks off) into tmp/output.

    In a subprocess (the build CLI): Pelican connects plugins' handlers to
    process-wide signals, so an in-process build after any other would still
    run post_checks."""
    shutil.copytree(DATA / "theme_hostile", tmp / "content")
    write_posts(tmp / "content")
    # The sample's settings as shipped, never the working copy's (a writer's own site).
    settings_file = sample_settings(tmp / "project", "publishconf.py")
    plugins = read_project_settings("publishconf.py")["PLUGINS"]
    # The newsletter is off too: it refuses (raises on) a post URL that is not absolute.
    plugins = [p for p in plugins if p not in ("post_checks", "newsletter")]
    overrides = {
        "SITEURL": siteurl,
        "PLUGINS": plugins,
        "SUBSCRIBE": SUBSCRIBE,
        "AUTHOR_PROFILE": PROFILE,
        "CACHE_PATH": str(tmp / "cache"),
        "NEWSLETTER": {"EDITIONS_PATH": str(tmp / "build" / "editions")},
    }
    args = ["-m", "scripts.build", "-s", str(settings_file), "--content", str(tmp / "content"),
            "--output", str(tmp / "output"), "--fresh"]  # fmt: skip
    for key, value in overrides.items():
        args += ["-e", f"{key}={json.dumps(value)}"]
    result = run_cli(*args)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    return tmp / "output"


def executable_bits(doc, path: str, own_script: str) -> list[str]:
    """What in a parsed page could run: scripts but ours and the JSON-LD, on*
    attributes, javascript:/data:text URLs, frames. The post's own prose (the
    writer's HTML, guarded by the CSP) is left out."""
    found = []
    for prose in doc.xpath("//div[contains(concat(' ', @class, ' '), ' prose ')]"):
        prose.getparent().remove(prose)  # the writer's own HTML (guarded by the CSP)
    for script in doc.xpath("//script"):
        if script.get("type") == "application/ld+json":
            json.loads(script.text or "{}")  # must stay valid JSON
            continue
        if script.get("src") != own_script:
            found.append(f"{path}: script {lxml_html.tostring(script)[:80]!r}")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{path}: <{element.tag} {name}=…>")
            if name.lower() in URL_ATTRIBUTES:
                probe = "".join(ch for ch in value if ch > " ").lower()
                if probe.startswith(("javascript:", "vbscript:", "data:text")) or "url=javascript:" in probe:
                    found.append(f"{path}: <{element.tag} {name}={value[:60]!r}>")
        if element.tag in ("iframe", "object", "embed", "base"):
            found.append(f"{path}: <{element.tag}>")
    return found
