"""The reach report carries the site's palette, taken from the theme's site.css (one copy)."""

import tinycss2

from scripts.stats_report import site_palette
from tests.conftest import ROOT


def _declarations(css: str) -> dict[str, dict[str, str]]:
    """{"light"|"dark": {--name: value}} of the :root rules in `css`."""
    out: dict[str, dict[str, str]] = {"light": {}, "dark": {}}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        scheme, rules = "light", [rule]
        if rule.type == "at-rule":
            scheme = "dark" if "dark" in tinycss2.serialize(rule.prelude) else "other"
            rules = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
        for inner in rules:
            for decl in tinycss2.parse_declaration_list(inner.content, skip_comments=True, skip_whitespace=True):
                if decl.type == "declaration":
                    out.setdefault(scheme, {})[decl.name] = tinycss2.serialize(decl.value).strip()
    return out


def test_palette_is_the_site_root_rules_light_and_dark():
    palette = _declarations(site_palette(ROOT / "theme" / "static" / "css" / "site.css"))
    assert palette["light"]["--bg"] == "#fbfaf8"
    assert palette["dark"]["--bg"] == "#15181c"
    for name in ("--surface", "--text", "--muted", "--line", "--accent"):
        assert name in palette["light"] and name in palette["dark"]
    # Only custom properties and color-scheme: no rule of the site styles the report.
    assert all(n.startswith("--") or n == "color-scheme" for n in palette["light"])


def test_a_recoloured_site_recolours_the_palette(tmp_path):
    css = (ROOT / "theme" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    recoloured = tmp_path / "site.css"
    recoloured.write_text(css.replace("--accent: #14598c;", "--accent: #aa0000;", 1), encoding="utf-8")
    assert _declarations(site_palette(recoloured))["light"]["--accent"] == "#aa0000"
    assert "body" not in site_palette(recoloured)


def test_a_missing_site_css_gives_no_palette(tmp_path):
    assert site_palette(tmp_path / "nope.css") == ""
