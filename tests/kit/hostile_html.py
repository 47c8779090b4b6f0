"""What "nothing executable" means, checked on parsed HTML (lxml), for the feed,
email and browser tests of the hostile fixture site (tests/data/hostile_site).

`executable_parts(html)` lists every element, attribute or URL in `html` that a
browser could run or that could load a document: script and friends, event
handlers, srcdoc, meta refresh, script URLs (javascript:, vbscript:, data:
other than raster images) in any URL-valued attribute or srcset candidate.
An empty list is the promise.
"""

from __future__ import annotations

import lxml.html

FIXTURE = "hostile_site"
PAYLOADS = "a1a1a1a1-1111-4111-8111-111111111111"
SUMMARY_PAYLOAD = "a2a2a2a2-2222-4222-8222-222222222222"
STRUCTURE = "a3a3a3a3-3333-4333-8333-333333333333"
ONLY_TAG = "a4a4a4a4-4444-4444-8444-444444444444"
REST = "a5a5a5a5-5555-4555-8555-555555555555"
# Text that survives sanitizing in the payload post: proof it was not dropped whole.
LAST_PARAGRAPH = "The last paragraph, after every payload."

# Elements that run script, load another document or change the page's base.
FORBIDDEN_IN_CONTENT = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "animate", "set", "animatetransform", "animatemotion", "meta", "base", "link", "form",
    "noscript", "template", "portal", "style",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "poster", "action", "formaction", "cite", "background", "data",
    "xlink:href", "values", "to", "from", "longdesc", "ping", "lowsrc", "dynsrc",
}  # fmt: skip


def _scheme(url: str) -> str:
    squashed = "".join(ch for ch in url if ch > " ").lower()
    scheme, sep, _ = squashed.partition(":")
    return scheme if sep and scheme.isalpha() else ""


def _bad_url(element: str, attribute: str, url: str) -> bool:
    scheme = _scheme(url)
    if scheme in ("javascript", "vbscript", "livescript"):
        return True
    if scheme == "data":
        raster = url.strip().lower().startswith("data:image/") and "svg" not in url.lower()[:40]
        return not (raster and element in ("img", "source") and attribute in ("src", "srcset"))
    return False


def executable_parts(html: str, *, whole_document: bool = False) -> list[str]:
    """Everything executable in `html` (empty when safe).

    whole_document=True is for an email edition: our template's own <meta>,
    <style> and <title> in <head> are allowed; everything else is checked.
    """
    if not html.strip():
        return []
    if whole_document:
        root = lxml.html.document_fromstring(html)
    else:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    found: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().rpartition("}")[2]
        in_head = whole_document and any(a.tag == "head" for a in el.iterancestors())
        if tag in FORBIDDEN_IN_CONTENT and not (in_head and tag in ("meta", "style", "title")):
            found.append(f"<{tag}>")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        for name, value in el.attrib.items():
            low = name.lower()
            if low.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif low == "srcdoc":
                found.append(f"<{tag} srcdoc>")
            elif low in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    url = candidate.strip().partition(" ")[0]
                    if url and _bad_url(tag, "srcset", url):
                        found.append(f"<{tag} srcset={url[:30]!r}>")
            elif low in URL_ATTRIBUTES or low.endswith(":href"):
                if _bad_url(tag, low, value):
                    found.append(f"<{tag} {name}={value[:30]!r}>")
            elif low == "style" and (
                "javascript" in value.lower() or "expression(" in value.lower()
            ):
                found.append(f"<{tag} style={value[:30]!r}>")
    return found
