"""The email editions against caniemail's support data (tests/data/email_support.json).

Real editions: every single-post edition and a digest of a real Pelican build of the
sample, with the writer's photo (face_site) and without (plain_site). Their HTML and
CSS are read by scripts/email_features.py (lxml, tinycss2) and looked up per client by
scripts/email_support.py. Gmail and Apple Mail may lack only what is listed in
PROGRESSIVE (dark mode, the phone layout) and support in part only what is listed in
PARTIAL, each with why that part does not touch us; Outlook for Windows may lack only
what OUTLOOK_COSMETIC lists, each with why it is cosmetic there. A listed feature no
edition uses any more fails too, so the lists stay the truth (docs/email.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest
import tinycss2

from scripts import email_support
from scripts.email_features import MAPPED_FEATURES, edition_features
from scripts.email_support import CLIENTS, OUTLOOK_WINDOWS, findings, load_table
from tests.browser.site_pages import SIGNUP_FORM
from tests.conftest import ROOT, read_project_settings
from tests.theme.conftest import FACE_PROFILE

GMAIL_APPLE = ("gmail-web", "gmail-android", "gmail-ios", "apple-mail-macos", "apple-mail-ios")

# Gmail and Apple Mail: features they lack, allowed because they only add to an edition
# that reads well without them.
PROGRESSIVE = {
    "css-at-media-prefers-color-scheme": "dark mode: without it the light edition shows (Gmail darkens it itself)",
    "html-meta-color-scheme": "a dark-mode hint; a client that ignores it shows the light edition",
}
# Gmail and Apple Mail: features they support in part; caniemail's note, and why it misses us.
PARTIAL = {
    "css-at-media": "#1/#6/#7: no nested or height-based queries, none with non-Google accounts; ours are two flat width/colour queries and the edition is fluid without them",
    "css-important": "#1/#2: lowercase only, and only in <style> for Google accounts; ours are lowercase and only in the @media rules",
    "css-margin": "#1: negative values unsupported; the edition has none",
    "css-selector-class": "#1: <style> rules ignored with non-Google accounts; only the progressive @media rules use selectors",
    "css-selector-descendant": "#1: as css-selector-class",
    "css-selector-grouping": "#1: as css-selector-class",
    "css-selector-type": "#1: as css-selector-class",
    "css-text-align": "#3/#5: match-parent unsupported; the edition uses left, center and right",
    "css-text-decoration": "#1: not with non-Google accounts; only underline/none on links, which are underlined by default",
    "css-white-space": "#1/#2: not with non-Google accounts, and not the value pre; we use pre-wrap, and <pre> keeps its lines without it",
    "css-word-wrap": "#1: Gmail applies break-word everywhere, which is what we ask for in code blocks",
    "html-body": "#1: <body> becomes a <div>; the background colour is also on the wrapper table",
    "html-lists": "#1: list margins are reset by the client; lists still read as lists",
    "html-style": "#1/#2/#6: only in <head>, not with non-Google accounts, at most 16 KB; ours is in <head>, small, and holds only the @media rules",
}
# Outlook for Windows (Word engine): what remains, and why it is only cosmetic there.
OUTLOOK_COSMETIC = {
    "css-at-media": "the phone layout and dark mode are for other clients; Outlook for Windows is a desktop client and shows the light layout",
    "css-at-media-prefers-color-scheme": "as css-at-media: Outlook applies its own dark mode",
    "html-meta-color-scheme": "a dark-mode hint Outlook ignores",
    "css-border-radius": "square corners on the card, the button, the photo and the initials",
    "css-max-width": "the MSO conditional 600px table holds the column; images also carry width/height attributes",
    "css-white-space": "long code lines do not wrap (<pre> keeps them on one line)",
    "css-word-wrap": "as css-white-space: long words in code blocks do not break",
    "html-doctype": "Word's engine ignores the doctype; nothing depends on the standards mode",
    "css-border": "#1/#2: at most 8px, unreliable on <p>/<div>; ours are 1-3px rules under the reply line and beside quotes",
    "css-display-none": "#1/#2: display:none does not reach nested tables; only the preheader uses it, and mso-hide:all hides it in Outlook",
    "css-font-size": "#1: rem unsupported; the edition uses px and em",
    "css-font-weight": "#2: numeric weights are rounded; the edition uses bold",
    "css-height": "#2: not on <p>/<div>/<span>; the only heights are on the monogram cell and images, which also carry height attributes",
    "css-important": "#4/#5: not inline; !important is used only in the @media rules Outlook ignores anyway",
    "css-letter-spacing": "the site name's slight letter spacing",
    "css-line-height": "#1: px/em line heights may differ a little; ours are unitless or px",
    "css-margin": "#1-#4: no negative or auto margins, none on <span>/<body>; the edition has none of those",
    "css-padding": "#1/#2: only on table cells; paddings on <p>/<pre>/<blockquote> are lost, the cells keep the layout",
    "css-text-align": "#1/#3: start/end and match-parent unsupported; the edition uses left, center and right (and align attributes)",
    "css-text-decoration": "#2/#3: no multiple values or overline; the edition uses underline and none",
    "css-text-transform": "the site name's capitals",
    "css-width": "#1: not on <img>/<p>/<div>; the column's width comes from the MSO table and width attributes",
    "html-height": "#1/#2: percentage sizes and 120 dpi scaling; the edition's heights are in pixels",
    "html-lists": "#1/#2: Outlook's own list indentation",
    "html-style": "#4: <style> must come before the rules are used; ours is in <head>",
    "html-width": "#1/#2: percentage widths on images and 120 dpi scaling; images carry pixel widths",
}


def _site_settings(site, *, photo: bool) -> dict:
    """The settings the fixture site was built with (tests/theme/conftest.py serve_build)."""
    settings = read_project_settings(
        "publishconf.py",
        override={
            "PATH": str(site.root / "content"),
            "OUTPUT_PATH": str(site.output),
            "CACHE_PATH": str(site.root / "cache"),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "SITEURL": site.base_url,
        },
    )
    if photo:
        settings["AUTHOR_PROFILE"] = {**(settings.get("AUTHOR_PROFILE") or {}), **FACE_PROFILE}
        settings["SUBSCRIBE"] = {**(settings.get("SUBSCRIBE") or {}), **SIGNUP_FORM}
    return settings


def post_editions(site) -> dict[str, str]:
    """{slug: outbox HTML} of every single-post edition the build wrote."""
    manifest = json.loads((site.editions / "manifest.json").read_text(encoding="utf-8"))
    return {
        post["slug"]: (site.editions / post["files"]["outbox_html"]).read_text(encoding="utf-8")
        for post in manifest["posts"]
        if post.get("files")
    }


def digest_edition(site, *, photo: bool, sitename: str | None = None) -> str:
    """The outbox HTML of a digest of the build's three newest posts (the real renderer).

    sitename: a SITENAME other than the writer's name, which adds the site's name
    above the title (the sample's SITENAME is the name, which hides it)."""
    from plugins.newsletter.digest import render_digest
    from plugins.newsletter.render import make_context

    manifest = json.loads((site.editions / "manifest.json").read_text(encoding="utf-8"))
    posts = [post for post in manifest["posts"] if post.get("digest")][:3]
    assert len(posts) == 3
    settings = _site_settings(site, photo=photo)
    if sitename:
        settings["SITENAME"] = sitename
    ctx = make_context(settings)
    return render_digest(posts, ctx, subject="3 new posts", since_display="2 November 2026").outbox_html


@pytest.fixture(scope="module")
def editions(face_site, plain_site) -> dict[str, str]:
    """{name: outbox HTML}: every post edition and a digest, with and without the photo."""
    out = {}
    for label, site, photo in (("photo", face_site, True), ("monogram", plain_site, False)):
        for slug, html in post_editions(site).items():
            out[f"{label}/{slug}"] = html
        out[f"{label}/digest"] = digest_edition(site, photo=photo)
    out["monogram/digest-named-site"] = digest_edition(plain_site, photo=False, sitename="Notes on careers")
    assert "Notes on careers</p>" in out["monogram/digest-named-site"]
    return out


@pytest.fixture(scope="module")
def table() -> dict:
    return load_table()


def test_the_editions_are_the_real_ones(editions):
    """Both kinds with both mastheads: the photo or the initials, in posts and digests."""
    for name, html in editions.items():
        doc = lxml.html.document_fromstring(html)
        photo = doc.xpath("//td[@class='masthead-photo']//img")
        monogram = doc.xpath("//td[@class='masthead-monogram']")
        assert (len(photo), len(monogram)) == ((1, 0) if name.startswith("photo/") else (0, 1)), name
    assert {name.split("/")[1].startswith("digest") for name in editions} == {True, False}


def test_every_used_feature_is_mapped_and_in_the_table(editions, table):
    for name, html in editions.items():
        used = edition_features(html)
        assert used.unmapped == set(), name
        for slug in used.for_client(outlook_windows=True):
            assert slug in table["features"], (name, slug)


def test_gmail_and_apple_mail_lack_only_progressive_features(editions, table):
    seen_progressive, seen_partial = set(), set()
    for name, html in editions.items():
        per_client = findings(edition_features(html), table)
        for client in GMAIL_APPLE:
            for finding in per_client[client]:
                where = (name, client, finding.feature, finding.places)
                if finding.support == "n":
                    assert finding.feature in PROGRESSIVE, where
                    seen_progressive.add(finding.feature)
                else:
                    assert finding.feature in PARTIAL, where
                    seen_partial.add(finding.feature)
    # No stale entries: every allowance is still needed by some edition.
    assert seen_progressive == set(PROGRESSIVE)
    assert seen_partial == set(PARTIAL)


def test_outlook_for_windows_lacks_only_cosmetic_features(editions, table):
    seen = set()
    for name, html in editions.items():
        for finding in findings(edition_features(html), table)[OUTLOOK_WINDOWS]:
            assert finding.feature in OUTLOOK_COSMETIC, (name, finding)
            seen.add(finding.feature)
    assert seen == set(OUTLOOK_COSMETIC)


def _stylesheet_rules(html: str):
    doc = lxml.html.document_fromstring(html)
    css = "".join(style.text or "" for style in doc.iter("style"))
    return css, tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)


def test_the_reasons_hold(editions):
    """What the PARTIAL and OUTLOOK_COSMETIC reasons claim about the editions, checked."""
    for name, html in editions.items():
        doc = lxml.html.document_fromstring(html)
        css, rules = _stylesheet_rules(html)
        assert len(css.encode()) < 16_000, name  # Gmail's <style> limit
        assert all(style.getparent().tag == "head" for style in doc.iter("style")), name
        for rule in rules:
            # Only flat @media rules (width or colour scheme) stay in <style>.
            assert rule.type == "at-rule" and rule.lower_at_keyword == "media", name
            prelude = tinycss2.serialize(rule.prelude)
            assert "height" not in prelude and "@media" not in tinycss2.serialize(rule.content), name
        declarations = []
        for element in doc.iter():
            if isinstance(element.tag, str) and element.get("style"):
                declarations += tinycss2.parse_blocks_contents(element.get("style"), skip_whitespace=True)
        assert declarations, name
        for item in declarations:
            if item.type != "declaration":
                continue
            value = tinycss2.serialize(item.value).strip().lower()
            assert not item.important, (name, item.name)  # !important only in @media
            if item.lower_name == "display":
                assert value == "none", (name, value)
            if item.lower_name.startswith("margin"):
                assert "-" not in value and "auto" not in value, (name, value)
            if item.lower_name == "font-size":
                assert value.endswith(("px", "em")) and not value.endswith("rem"), (name, value)
            if item.lower_name == "font-weight":
                assert value in {"bold", "normal"}, (name, value)
            if item.lower_name == "white-space":
                assert value == "pre-wrap", (name, value)
            if item.lower_name == "text-align":
                assert value in {"left", "center", "right"}, (name, value)
            if item.lower_name.startswith("border") and "radius" not in item.lower_name:
                widths = [t.value for t in item.value if t.type == "dimension"]
                assert all(w <= 3 for w in widths), (name, item.name, value)
        # Outlook: the MSO 600px table holds the column; the preheader is hidden by mso-hide.
        assert "<!--[if mso]><table" in html and 'width="600"' in html, name
        (preheader,) = doc.xpath("//div[@class='preheader']")
        assert "mso-hide: all" in preheader.get("style"), name


def test_outlook_reads_what_is_inside_mso_comments_only():
    html = (
        "<!DOCTYPE html><html><head><style>@media (prefers-color-scheme: dark) { .a.b > p { color: red } }"
        "</style></head><body><!--[if mso]><table width=\"600\"><tr><td style=\"mso-line-height-rule: exactly;"
        ' float: left"><v:roundrect></v:roundrect></td></tr></table><![endif]-->'
        '<div class="row" style="display: flex; position: absolute; background-image: url(x.webp); margin: -4px">'
        '<img src="a.PNG?x=1" srcset="a.png 2x"><a href="mailto:me@example.com">me</a></div></body></html>'
    )
    used = edition_features(html)
    assert {"css-float"} <= set(used.outlook_only) and "css-float" not in used.everywhere
    assert {
        "css-display-flex", "css-position", "css-background-image", "css-margin", "css-at-media",
        "css-at-media-prefers-color-scheme", "css-selector-chaining", "css-selector-child",
        "css-selector-type", "image-png", "html-srcset", "html-mailto-links", "html-doctype", "html-comments",
    } <= set(used.everywhere)  # fmt: skip
    assert used.unmapped == set()
    rows = {f.feature: f for f in findings(used, load_table())[OUTLOOK_WINDOWS]}
    assert rows["css-display-flex"].support == "n" and rows["css-float"].support == "n"
    assert rows["css-position"].support == "n" and rows["css-at-media"].support == "n"
    assert "css-float" not in {f.feature for f in findings(used, load_table())["gmail-web"]}
    # An unknown element, attribute or property is reported, never skipped.
    odd = edition_features('<html><body><blink foo="1" style="zoom: 2">x</blink></body></html>')
    assert odd.unmapped == {"element <blink>", "attribute foo on <blink>", "property zoom in blink style"}


def test_the_committed_table_covers_what_the_checker_names(table):
    assert "MIT licence" in table["source"] and "caniemail" in table["source"]
    assert len(table["caniemail_commit"]) == 40
    assert set(table["features"]) == set(MAPPED_FEATURES)
    assert list(table["clients"]) == list(CLIENTS)
    for slug in ("css-border-radius", "css-at-media", "html-table"):
        assert set(table["features"][slug]["support"]) == set(CLIENTS), slug
    outlook = table["features"]["css-border-radius"]["support"][OUTLOOK_WINDOWS]
    assert email_support.support_letter(outlook) == "n"


def _page(slug: str, outlook: str) -> str:
    # A caniemail page as its authors write it: tabs, and a note holding "---".
    return (
        f'---\ntitle: "{slug}"\ncategory: css\nlast_test_date: "2024-01-02"\nstats: {{\n'
        '\tgmail: {\n\t\tdesktop-webmail: {\n\t\t\t"2019-08":"n",\n\t\t\t"2020-01":"a #2"\n\t\t}\n\t},\n'
        f'    outlook: {{\n        windows: {{\n            "2013":"n",\n            "2016":"y",\n{outlook}        }}\n    }}\n'
        '}\nnotes_by_num: {\n    "2": "See https://example.com/a---b for more."\n}\n---\n\nBody text.\n'
    )


def test_the_table_is_derived_from_a_caniemail_checkout(tmp_path):
    features = tmp_path / "caniemail" / "_features"
    features.mkdir(parents=True)
    for slug in MAPPED_FEATURES:
        (features / f"{slug}.md").write_text(_page(slug, '            "2019":"a #3",\n'), encoding="utf-8")
    (features / "css-border-radius.md").write_text(_page("css-border-radius", '            "2019":"n #1",\n'), encoding="utf-8")
    out = tmp_path / "table.json"
    assert email_support.main(["table", str(tmp_path / "caniemail"), "-o", str(out)]) == 0
    table = json.loads(out.read_text(encoding="utf-8"))
    radius = table["features"]["css-border-radius"]
    assert radius["support"] == {"gmail-web": "a #2", OUTLOOK_WINDOWS: "n #1"}  # latest; worst since 2016
    assert table["features"]["css-width"]["support"][OUTLOOK_WINDOWS] == "a #3"
    assert radius["url"] == "https://www.caniemail.com/features/css-border-radius/"
    assert "Body text" not in out.read_text(encoding="utf-8") and "example.com" not in out.read_text(encoding="utf-8")
    # A page missing: one line naming it, nothing written.
    (features / "css-width.md").unlink()
    out.unlink()
    with pytest.raises(email_support.SupportDataError, match=r"lacks feature page\(s\) css-width: update the checkout"):
        email_support.derive_table(tmp_path / "caniemail")
    assert email_support.main(["table", str(tmp_path / "caniemail"), "-o", str(out)]) == 1
    assert not out.exists()


def test_report_lists_per_client(tmp_path, capsys, editions):
    path = tmp_path / "edition.html"
    path.write_text(editions["monogram/digest"], encoding="utf-8")
    assert email_support.main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Gmail (web): 2 not supported, ")
    assert "Outlook for Windows (2016, 2019, 365): " in out and "  n css-border-radius: " in out
    assert email_support.main(["report", str(tmp_path / "missing.html")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"email_support: no such edition file {tmp_path / 'missing.html'}: give a built edition "
        "(build/editions/<uuid>/outbox.html)"
    )


def test_docs_give_the_counts(table):
    doc = (ROOT / "docs" / "email.md").read_text(encoding="utf-8")
    for label in table["clients"].values():
        assert f"| {label} |" in doc, label
    assert Path(email_support.__file__).name in doc
