"""Liquid tags (`{% photo x.jpg %}`): the one scanner, and which plugin provided each.

Old Pelican blogs used pelican-liquid-tags and pelican-photos; we load neither,
so their tags would show as raw text. `make import` converts what has a plain
equivalent and names the rest; the build (plugins/markup_fixes) warns about the
ones left in a post. Tag names of template languages (`{% block %}` in a post
about Jinja) are not liquid tags.
"""

from __future__ import annotations

from dataclasses import dataclass

PHOTOS = 'pelican-photos (pip install pelican-photos; PLUGINS += ["pelican.plugins.photos"])'
PROVIDERS = {"photo": PHOTOS, "gallery": PHOTOS, "lightbox": PHOTOS}
for _name in (
    "notebook", "include_code", "video", "audio", "b64img", "flickr", "giphy", "soundcloud",
    "spotify", "graphviz", "diag", "literal", "generic", "twitter", "img", "youtube", "vimeo", "gist",
):
    PROVIDERS[_name] = (
        "pelican-liquid-tags (pip install pelican-liquid-tags; PLUGINS += "
        f'["pelican.plugins.liquid_tags"]; LIQUID_TAGS = ["{_name}"])'
    )
UNKNOWN_PROVIDER = "a plugin of the old site's own (no public plugin we know of provides it)"
TEMPLATE_WORDS = frozenset({
    "block", "endblock", "for", "endfor", "if", "elif", "else", "endif", "set", "endset",
    "raw", "endraw", "extends", "include", "import", "from", "macro", "endmacro", "call",
    "endcall", "filter", "endfilter", "with", "endwith", "load", "url", "static", "csrf_token",
    "comment", "endcomment", "trans", "blocktrans", "endblocktrans", "autoescape", "endautoescape",
    "assign", "capture", "endcapture", "highlight", "endhighlight", "unless", "endunless", "case",
    "when", "endcase", "cycle", "tablerow", "endtablerow", "break", "continue", "verbatim",
})


@dataclass(frozen=True)
class LiquidTag:
    start: int
    end: int  # just past "%}"
    name: str  # lower case
    args: str


def provider(name: str) -> str:
    return PROVIDERS.get(name, UNKNOWN_PROVIDER)


def providers(names: list[str]) -> list[str]:
    """What the tags `names` need, each plugin once: pelican-liquid-tags with every one of
    its tags in one LIQUID_TAGS list, rather than the plugin once per tag."""
    liquid = [n for n in names if PROVIDERS.get(n, "").startswith("pelican-liquid-tags")]
    needs = sorted({provider(n) for n in names if n not in liquid})
    if liquid:
        listed = ", ".join(f'"{n}"' for n in liquid)
        needs.append('pelican-liquid-tags (pip install pelican-liquid-tags; PLUGINS += '
                     f'["pelican.plugins.liquid_tags"]; LIQUID_TAGS = [{listed}])')
    return needs


def find_liquid_tags(text: str) -> list[LiquidTag]:
    """Every `{% name args %}` on one line, in order (template-language words left out).

    Linear: the next newline and the next "%}" are found once and reused until
    passed, so even one line of a million "{%" is a single pass.
    """
    found = []
    line_end = close = -1
    pos = text.find("{%")
    while pos != -1:
        if line_end < pos:
            line_end = text.find("\n", pos)
            line_end = len(text) if line_end == -1 else line_end
        if close < pos + 2:
            close = text.find("%}", pos + 2)
            close = len(text) if close == -1 else close
        if close >= line_end:
            pos = text.find("{%", pos + 2)
            continue
        name, _, args = text[pos + 2 : close].strip().partition(" ")
        name = name.strip().lower()
        end = close + 2
        if name and name not in TEMPLATE_WORDS and name.replace("_", "").isalnum():
            found.append(LiquidTag(pos, end, name, args.strip()))
        pos = text.find("{%", end)
    return found
