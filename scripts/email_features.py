"""Which caniemail features an email edition uses: its HTML read with lxml, its CSS with tinycss2.

`edition_features(html)` returns an `EditionFeatures`: for every caniemail feature slug
(`css-border-radius`, `html-valign`, `css-at-media-prefers-color-scheme`, …) the places
that use it. What sits inside an `<!--[if mso]>…<![endif]-->` block is kept apart
(`outlook_only`): only Outlook for Windows reads it. Anything the maps below do not
know lands in `unmapped`, so a new element or property cannot slip past the check
(tests/theme/test_email_support.py). scripts/email_support.py holds the support data
side and the command line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
import tinycss2

# --- HTML ------------------------------------------------------------------------

ELEMENT_FEATURES = {
    **dict.fromkeys(("table", "tr", "td", "th", "tbody", "thead", "tfoot", "caption", "col", "colgroup"), "html-table"),
    **dict.fromkeys(("ul", "ol", "li", "dl", "dt", "dd"), "html-lists"),
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "html-h1-h6"),
    **dict.fromkeys(
        ("article", "aside", "details", "figcaption", "figure", "footer", "header", "main", "mark",
         "nav", "section", "summary", "time"),
        "html-semantics",
    ),
    **dict.fromkeys(("s", "strike"), "html-strike"),
    **dict.fromkeys(("picture", "source"), "html-picture"),
    "div": "html-div", "p": "html-p", "span": "html-span", "img": "html-img",
    "blockquote": "html-blockquote", "pre": "html-pre", "code": "html-code", "hr": "html-hr",
    "strong": "html-strong", "small": "html-small", "abbr": "html-abbr", "acronym": "html-acronym",
    "address": "html-address", "del": "html-del", "dfn": "html-dfn", "bdi": "html-bdi",
    "wbr": "html-wbr", "ruby": "html-ruby", "rt": "html-rt", "rp": "html-rp",
    "audio": "html-audio", "video": "html-video", "svg": "html-svg", "object": "html-object",
    "form": "html-form", "select": "html-select", "textarea": "html-textarea",
    "marquee": "html-marquee", "meter": "html-meter", "progress": "html-progress",
    "dialog": "html-dialog", "link": "html-link", "base": "html-base", "body": "html-body",
    "style": "html-style",
}  # fmt: skip
# Elements caniemail has no entry for: plain HTML every client shows.
PLAIN_ELEMENTS = frozenset(
    {"html", "head", "meta", "title", "a", "em", "i", "b", "u", "br", "sup", "sub", "cite", "q",
     "kbd", "samp", "var", "tt", "ins", "bdo", "center", "hgroup", "track"}
)  # fmt: skip

ATTRIBUTE_FEATURES = {
    "align": "html-align", "valign": "html-valign", "width": "html-width", "height": "html-height",
    "cellpadding": "html-cellpadding", "cellspacing": "html-cellspacing",
    "background": "html-background", "lang": "html-lang", "dir": "html-dir", "role": "html-role",
    "aria-hidden": "html-aria-hidden", "aria-label": "html-aria-label",
    "aria-labelledby": "html-aria-labelledby", "aria-describedby": "html-aria-describedby",
    "aria-live": "html-aria-live", "target": "html-target", "srcset": "html-srcset",
    "sizes": "html-srcset", "loading": "html-loading-attribute", "hidden": "html-hidden",
    "required": "html-required", "popover": "html-popover", "inert": "css-inert-attribute",
}  # fmt: skip
PLAIN_ATTRIBUTES = frozenset(
    {"class", "id", "href", "src", "alt", "title", "border", "bgcolor", "colspan", "rowspan",
     "headers", "scope", "abbr", "name", "content", "charset", "http-equiv", "start", "reversed",
     "type", "value", "cite", "datetime", "hreflang", "span", "decoding", "controls", "preload",
     "poster", "kind", "srclang", "label", "default", "open", "media", "style", "xmlns:o", "xmlns:v"}
)  # fmt: skip
IMAGE_FORMATS = {
    "jpg": "image-jpg", "jpeg": "image-jpg", "png": "image-png", "gif": "image-gif",
    "webp": "image-webp", "avif": "image-avif", "svg": "image-svg", "bmp": "image-bmp",
    "ico": "image-ico", "tif": "image-tiff", "tiff": "image-tiff", "heic": "image-heif",
    "heif": "image-heif", "apng": "image-apng",
}  # fmt: skip
COLOR_SCHEME_META = frozenset({"color-scheme", "supported-color-schemes"})

# --- CSS -------------------------------------------------------------------------

_SAME_NAME = (
    "border-radius", "border-collapse", "border-spacing", "border-image", "background-color",
    "background-image", "background-position", "background-repeat", "background-size",
    "background-clip", "background-origin", "background-blend-mode", "font-size", "font-weight",
    "font-kerning", "font-stretch", "font-size-adjust", "line-height", "letter-spacing",
    "word-spacing", "text-align", "text-align-last", "text-decoration", "text-decoration-line",
    "text-decoration-color", "text-decoration-style", "text-decoration-thickness",
    "text-decoration-skip-ink", "text-transform", "text-indent", "text-shadow", "text-overflow",
    "text-underline-offset", "text-underline-position", "text-emphasis", "text-emphasis-position",
    "text-wrap", "text-justify", "text-orientation", "white-space", "white-space-collapse",
    "word-break", "word-wrap", "overflow-wrap", "hyphens", "hyphenate-character",
    "hyphenate-limit-chars", "tab-size", "vertical-align", "visibility", "width", "height",
    "max-width", "max-height", "min-width", "min-height", "display", "float", "clear",
    "position", "inset", "z-index", "overflow", "opacity", "box-shadow", "box-sizing",
    "transform", "transition", "animation", "filter", "cursor", "direction", "writing-mode",
    "list-style", "list-style-type", "list-style-position", "list-style-image", "table-layout",
    "caption-side", "empty-cells", "object-fit", "object-position", "outline", "outline-offset",
    "aspect-ratio", "gap", "flex-direction", "flex-wrap", "align-items", "justify-content",
    "column-count", "user-select", "resize", "mix-blend-mode", "clip-path", "mask-image",
    "backdrop-filter", "accent-color", "color-scheme", "orphans", "widows", "inline-size",
    "background", "border", "margin", "padding", "font", "font-size", "max-inline-size",
    "min-inline-size", "max-block-size", "min-block-size", "shape-margin", "shape-outside",
)
PROPERTY_FEATURES = {name: f"css-{name}" for name in _SAME_NAME}
PROPERTY_FEATURES.update(
    {
        **{f"margin-{side}": "css-margin" for side in ("top", "right", "bottom", "left")},
        **{f"padding-{side}": "css-padding" for side in ("top", "right", "bottom", "left")},
        **{f"border-{part}": "css-border" for part in ("width", "style", "color")},
        **{f"border-{side}": "css-border" for side in ("top", "right", "bottom", "left")},
        **{
            f"border-{side}-{part}": "css-border"
            for side in ("top", "right", "bottom", "left")
            for part in ("width", "style", "color")
        },
        **{
            f"border-{v}-{h}-radius": "css-border-radius"
            for v in ("top", "bottom")
            for h in ("left", "right")
        },
        **dict.fromkeys(("top", "right", "bottom", "left"), "css-left-right-top-bottom"),
        **dict.fromkeys(("overflow-x", "overflow-y"), "css-overflow"),
        **dict.fromkeys(("row-gap", "column-gap"), "css-gap"),
        **dict.fromkeys(("grid-template", "grid-template-columns", "grid-template-rows", "grid-template-areas"), "css-grid-template"),
        **dict.fromkeys(("columns", "column-width", "column-rule", "column-span", "column-fill"), "css-column-layout-properties"),
        **dict.fromkeys(("block-size",), "css-block-inline-size"),
        **dict.fromkeys(("margin-inline", "margin-block"), "css-margin-inline-block"),
        **dict.fromkeys(("margin-inline-start", "margin-inline-end"), "css-margin-inline-start-end"),
        **dict.fromkeys(("margin-block-start", "margin-block-end"), "css-margin-block-start-end"),
        **dict.fromkeys(("padding-inline", "padding-block"), "css-padding-inline-block"),
        **dict.fromkeys(("padding-inline-start", "padding-inline-end"), "css-padding-inline-start-end"),
        **dict.fromkeys(("padding-block-start", "padding-block-end"), "css-padding-block-start-end"),
        **dict.fromkeys(("border-inline", "border-block"), "css-border-inline-block"),
        **dict.fromkeys(("scroll-snap-type", "scroll-snap-align"), "css-scroll-snap"),
    }
)
PROPERTY_FEATURES["inline-size"] = "css-inline-size"
# Properties caniemail has no entry for: every client reads them.
PLAIN_PROPERTIES = frozenset({"color", "font-family", "font-style", "font-variant"})
DISPLAY_VALUES = {"none": "css-display-none", "flex": "css-display-flex", "inline-flex": "css-display-flex",
                  "grid": "css-display-grid", "inline-grid": "css-display-grid"}  # fmt: skip
UNITS = {"px", "em", "rem", "pt", "pc", "vh", "vw", "vmin", "vmax", "ch", "ex", "cm", "mm", "in"}
FUNCTIONS = {
    "rgb": "css-rgb", "rgba": "css-rgba", "calc": "css-unit-calc", "var": "css-variables",
    "min": "css-function-min", "max": "css-function-max", "clamp": "css-function-clamp",
    "linear-gradient": "css-linear-gradient", "radial-gradient": "css-radial-gradient",
    "conic-gradient": "css-conic-gradient", "light-dark": "css-function-light-dark",
    **dict.fromkeys(("lch", "oklch", "lab", "oklab"), "css-modern-color"),
}  # fmt: skip
KEYWORDS = {"initial": "css-unit-initial", "system-ui": "css-sytem-ui"}
AT_RULES = {"media": "css-at-media", "font-face": "css-at-font-face", "import": "css-at-import",
            "keyframes": "css-at-keyframes", "supports": "css-at-supports"}  # fmt: skip
MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation",
    "hover": "css-at-media-hover",
    "-webkit-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-min-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "min-resolution": "css-at-media-device-pixel-ratio",
    "resolution": "css-at-media-device-pixel-ratio",
}
COMBINATORS = {">": "css-selector-child", "+": "css-selector-adjacent-sibling", "~": "css-selector-general-sibling"}
# Vendor hints (mso-hide, -webkit-text-size-adjust): read by the one client they
# name and ignored by the rest, so they are no support question.
VENDOR_PREFIXES = ("mso-", "-webkit-", "-ms-", "-moz-", "-apple-")

# Every slug the maps above can name: the support table (tests/data/) covers all of them.
MAPPED_FEATURES = frozenset(
    {*ELEMENT_FEATURES.values(), *ATTRIBUTE_FEATURES.values(), *IMAGE_FORMATS.values(),
     *PROPERTY_FEATURES.values(), *DISPLAY_VALUES.values(), *FUNCTIONS.values(), *KEYWORDS.values(),
     *AT_RULES.values(), *MEDIA_FEATURES.values(), *COMBINATORS.values(), *(f"css-unit-{u}" for u in UNITS),
     "css-display", "css-unit-percent", "css-important", "css-comments", "css-selector-class",
     "css-selector-type", "css-selector-id", "css-selector-attribute", "css-selector-universal",
     "css-selector-descendant", "css-selector-grouping", "css-selector-chaining",
     "css-pseudo-class-hover", "css-pseudo-class-first-child", "css-pseudo-class-last-child",
     "css-pseudo-class-not", "css-pseudo-class-nth-child", "css-pseudo-element-before",
     "css-pseudo-element-after", "html-doctype", "html-comments", "html-meta-color-scheme",
     "html-mailto-links", "html-anchor-links", "image-base64"}
)  # fmt: skip


@dataclass
class EditionFeatures:
    """slug -> the places that use it ("td.card", "@media (prefers-color-scheme: dark)")."""

    everywhere: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    outlook_only: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unmapped: set[str] = field(default_factory=set)

    def for_client(self, outlook_windows: bool) -> dict[str, set[str]]:
        """What one client reads: Outlook for Windows also reads the [if mso] blocks."""
        merged: dict[str, set[str]] = defaultdict(set)
        for source in (self.everywhere, self.outlook_only) if outlook_windows else (self.everywhere,):
            for slug, places in source.items():
                merged[slug] |= places
        return dict(merged)


def _where(element) -> str:
    classes = (element.get("class") or "").split()
    return element.tag + (f".{classes[0]}" if classes else "")


def _mso_block(comment_text: str) -> str | None:
    """The markup inside an `[if mso]>…<![endif]` comment, or None for another comment."""
    text = comment_text.strip()
    if not text.startswith("[if") or "mso" not in text[: text.find("]") + 1] or "!mso" in text[:12]:
        return None
    start, end = text.find("]>"), text.rfind("<![endif]")
    return text[start + 2 : end] if start != -1 and end > start else None


def edition_features(html: str) -> EditionFeatures:
    """Every caniemail feature the edition `html` uses, with where."""
    found = EditionFeatures()
    doc = lxml.html.document_fromstring(html)
    if doc.getroottree().docinfo.doctype:
        found.everywhere["html-doctype"].add("<!DOCTYPE>")
    _walk(doc.iter(), found, found.everywhere)
    return found


def _walk(elements, found: EditionFeatures, into: dict[str, set[str]]) -> None:
    for element in elements:
        if element.tag is lxml.etree.Comment:
            into["html-comments"].add("<!-- -->")
            inner = _mso_block(element.text or "")
            if inner and inner.strip():
                block = lxml.html.fragment_fromstring(inner, create_parent="div")
                _walk(block.iterdescendants(), found, found.outlook_only)
            continue
        if not isinstance(element.tag, str):
            continue
        _element(element, found, into)


def _element(element, found: EditionFeatures, into: dict[str, set[str]]) -> None:
    tag = element.tag.lower()
    if ":" in tag or (tag in {"xml", "noscript"} and into is found.outlook_only):
        return  # Office XML and VML (o:, v:) inside [if mso]: Outlook's own vocabulary
    where = _where(element)
    if tag in ELEMENT_FEATURES:
        into[ELEMENT_FEATURES[tag]].add(f"<{tag}>")
    elif tag not in PLAIN_ELEMENTS:
        found.unmapped.add(f"element <{tag}>")
    for name in element.attrib:
        name = name.lower()
        if name in ATTRIBUTE_FEATURES:
            into[ATTRIBUTE_FEATURES[name]].add(f"{where}[{name}]")
        elif name not in PLAIN_ATTRIBUTES and not name.startswith("data-"):
            found.unmapped.add(f"attribute {name} on <{tag}>")
    href = (element.get("href") or "").strip().lower()
    if tag == "a" and href.startswith("mailto:"):
        into["html-mailto-links"].add("a[href^=mailto:]")
    elif tag == "a" and href.startswith("#"):
        into["html-anchor-links"].add("a[href^=#]")
    if tag == "img":
        _image_format(element.get("src") or "", into)
    if tag == "meta" and (element.get("name") or "").lower() in COLOR_SCHEME_META:
        into["html-meta-color-scheme"].add(f"meta[name={element.get('name')}]")
    if element.get("style"):
        declarations = tinycss2.parse_blocks_contents(element.get("style"), skip_comments=True, skip_whitespace=True)
        _declarations(declarations, f"{where} style", found, into)
    if tag == "style":
        _stylesheet(element.text or "", found, into)


def _image_format(src: str, into: dict[str, set[str]]) -> None:
    src = src.strip()
    if src.lower().startswith("data:"):
        into["image-base64"].add("img[src^=data:]")
        return
    path = src.split("#", 1)[0].split("?", 1)[0]
    extension = path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    if extension in IMAGE_FORMATS:
        into[IMAGE_FORMATS[extension]].add(f"img[src$=.{extension}]")


def _declarations(items, where: str, found: EditionFeatures, into: dict[str, set[str]]) -> None:
    for item in items:
        if item.type == "comment":
            into["css-comments"].add(where)
            continue
        if item.type != "declaration":
            if item.type not in {"whitespace", "literal"}:
                found.unmapped.add(f"css {item.type} in {where}")
            continue
        name = item.lower_name
        if item.important:
            into["css-important"].add(where)
        if name.startswith("--"):
            into["css-variables"].add(where)
        elif name.startswith(VENDOR_PREFIXES):
            pass
        elif name == "display":
            # caniemail's "display" page covers block/inline values; none, flex and grid have their own.
            value = tinycss2.serialize(item.value).strip().lower()
            into[DISPLAY_VALUES.get(value, "css-display")].add(where)
        elif name in PROPERTY_FEATURES:
            into[PROPERTY_FEATURES[name]].add(where)
        elif name not in PLAIN_PROPERTIES:
            found.unmapped.add(f"property {name} in {where}")
        _values(item.value, where, into)


def _values(tokens, where: str, into: dict[str, set[str]]) -> None:
    for token in tokens:
        if token.type == "dimension" and token.lower_unit in UNITS:
            into[f"css-unit-{token.lower_unit}"].add(where)
        elif token.type == "percentage":
            into["css-unit-percent"].add(where)
        elif token.type == "ident" and token.lower_value in KEYWORDS:
            into[KEYWORDS[token.lower_value]].add(where)
        elif token.type == "function":
            if token.lower_name in FUNCTIONS:
                into[FUNCTIONS[token.lower_name]].add(where)
            _values(token.arguments, where, into)
        elif token.type in {"() block", "[] block"}:
            _values(token.content, where, into)


def _stylesheet(css: str, found: EditionFeatures, into: dict[str, set[str]], where: str = "<style>") -> None:
    for rule in tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=True):
        if rule.type == "comment":
            into["css-comments"].add(where)
        elif rule.type == "at-rule":
            prelude = " ".join(tinycss2.serialize(rule.prelude).split())
            place = f"@{rule.lower_at_keyword} {prelude}".strip()
            if rule.lower_at_keyword in AT_RULES:
                into[AT_RULES[rule.lower_at_keyword]].add(place)
            else:
                found.unmapped.add(f"at-rule @{rule.lower_at_keyword}")
            if rule.lower_at_keyword == "media":
                _media_features(rule.prelude, place, into)
                _stylesheet(tinycss2.serialize(rule.content or []), found, into, place)
        elif rule.type == "qualified-rule":
            _selectors(rule.prelude, where, found, into)
            contents = tinycss2.parse_blocks_contents(rule.content, skip_comments=False, skip_whitespace=True)
            _declarations(contents, where, found, into)
        elif rule.type == "error":
            found.unmapped.add(f"css parse error in {where}: {rule.message}")


def _media_features(prelude, where: str, into: dict[str, set[str]]) -> None:
    for token in prelude:
        if token.type == "() block":
            for inner in token.content:
                if inner.type == "ident" and inner.lower_value in MEDIA_FEATURES:
                    into[MEDIA_FEATURES[inner.lower_value]].add(where)
                    break


def _selectors(prelude, where: str, found: EditionFeatures, into: dict[str, set[str]]) -> None:
    """Selector features of one rule's prelude, one linear walk over its tokens.

    `.a.b` (two class, id or attribute parts in one compound) is caniemail's
    "chaining"; `td.card` (a type and a class) is not.
    """
    tokens = [t for t in prelude if t.type != "comment"]
    qualifiers = 0  # class, id and attribute parts in the current compound
    started = False  # the current selector has a compound to combine with
    space = False
    marker = None  # "." or ":" or "::" waiting for its name
    for token in tokens:
        kind, value = token.type, getattr(token, "value", None)
        if kind == "whitespace":
            space = started
            continue
        if kind == "literal" and value in {",", *COMBINATORS}:
            slug = "css-selector-grouping" if value == "," else COMBINATORS[value]
            into[slug].add(where)
            qualifiers, space, marker = 0, False, None
            started = False
            continue
        if space:
            into["css-selector-descendant"].add(where)
            qualifiers, space = 0, False
        if kind == "literal" and value in {".", ":"}:
            marker = "::" if marker == ":" and value == ":" else value
            continue
        if marker in {":", "::"} and kind in {"ident", "function"}:
            name = token.lower_value if kind == "ident" else token.lower_name
            slug = ("css-pseudo-element-" if marker == "::" else "css-pseudo-class-") + name
            if slug in MAPPED_FEATURES:
                into[slug].add(where)
            else:
                found.unmapped.add(f"selector {marker}{name}")
        elif marker == "." and kind == "ident":
            into["css-selector-class"].add(where)
            qualifiers += 1
        elif kind == "ident":
            into["css-selector-type"].add(where)
        elif kind == "hash":
            into["css-selector-id"].add(where)
            qualifiers += 1
        elif kind == "[] block":
            into["css-selector-attribute"].add(where)
            qualifiers += 1
        elif kind == "literal" and value == "*":
            into["css-selector-universal"].add(where)
        else:
            found.unmapped.add(f"selector part {tinycss2.serialize([token])!r}")
        if qualifiers > 1:
            into["css-selector-chaining"].add(where)
        marker, started = None, True
