"""connected.urls: absolutize_html / absolute_url, checked on parsed HTML."""

import lxml.html
import pytest

from connected.sanitize import sanitize_html
from connected.urls import absolute_url, absolutize_html, is_absolute

BASE = "https://s.example/2026/slug/"


def parse(fragment: str):
    return lxml.html.fragment_fromstring(fragment, create_parent="div")


def attr(fragment: str, xpath: str, name: str) -> str:
    (el,) = parse(fragment).xpath(xpath)
    return el.get(name)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("../images/x.png", "https://s.example/2026/images/x.png"),
        ("../../images/x.png", "https://s.example/images/x.png"),
        ("/images/x.png", "https://s.example/images/x.png"),
        ("x.png", "https://s.example/2026/slug/x.png"),
        ("?page=2", "https://s.example/2026/slug/?page=2"),
        ("", BASE),
        ("//cdn.example/a.js", "https://cdn.example/a.js"),
        ("https://other.example/a", "https://other.example/a"),
        ("mailto:a@b.example", "mailto:a@b.example"),
        ("tel:+44123", "tel:+44123"),
        ("data:image/png;base64,AAAA", "data:image/png;base64,AAAA"),
        ("#notes", "#notes"),
        ("*|UNSUB|*", "*|UNSUB|*"),
        ("*|ARCHIVE|*", "*|ARCHIVE|*"),
    ],
)
def test_absolute_url(url, expected):
    assert absolute_url(BASE, url) == expected


@pytest.mark.parametrize("base", ["", "/2026/slug/", "s.example/x", "../"])
def test_relative_base_is_refused_with_the_fix(base):
    with pytest.raises(ValueError, match="not absolute"):
        absolute_url(base, "x")
    with pytest.raises(ValueError, match="not absolute"):
        absolutize_html('<a href="x">x</a>', base)


def test_href_and_src_resolve_against_the_post_url():
    out = absolutize_html(
        '<p><a href="../other/">o</a><img src="../../images/x.png" alt=""></p>', BASE
    )
    assert attr(out, "//a", "href") == "https://s.example/2026/other/"
    assert attr(out, "//img", "src") == "https://s.example/images/x.png"


def test_srcset_each_candidate_resolved_descriptors_kept():
    src = '<img src="a.png" srcset="a-1x.png 1x, ../b,c.png 2x,d.png 640w , e.png">'
    out = absolutize_html(src, BASE)
    srcset = attr(out, "//img", "srcset")
    assert srcset == (
        "https://s.example/2026/slug/a-1x.png 1x, https://s.example/2026/b,c.png 2x,"
        "https://s.example/2026/slug/d.png 640w , https://s.example/2026/slug/e.png"
    )


def test_srcset_trailing_commas_end_a_candidate():
    out = absolutize_html('<img srcset="a.png,, b.png 2x">', BASE)
    assert attr(out, "//img", "srcset") == (
        "https://s.example/2026/slug/a.png,, https://s.example/2026/slug/b.png 2x"
    )


def test_picture_source_srcset_video_poster_audio_track():
    src = (
        '<picture><source srcset="w.webp" type="image/webp"><img src="w.png"></picture>'
        '<video poster="p.jpg" src="v.mp4"><source src="v.webm"><track src="c.vtt"></video>'
        '<audio src="a.mp3"></audio>'
    )
    tree = parse(absolutize_html(src, BASE))
    for el in tree.iter():
        for name in ("src", "srcset", "poster"):
            if el.get(name):
                assert el.get(name).startswith("https://s.example/2026/slug/"), (el.tag, name)
    assert tree.xpath("//video")[0].get("poster") == "https://s.example/2026/slug/p.jpg"


def test_link_object_form_and_style_urls():
    src = (
        '<link rel="stylesheet" href="../s.css"><object data="o.svg"></object>'
        '<form action="/subscribe"><button formaction="go">go</button></form>'
        '<div style="background: url(\'bg.png\')">x</div><style>.a{background:url("i.png")}</style>'
    )
    out = absolutize_html(src, BASE)
    tree = parse(out)
    assert tree.xpath("//link")[0].get("href") == "https://s.example/2026/s.css"
    assert tree.xpath("//object")[0].get("data") == "https://s.example/2026/slug/o.svg"
    assert tree.xpath("//form")[0].get("action") == "https://s.example/subscribe"
    assert tree.xpath("//button")[0].get("formaction") == "https://s.example/2026/slug/go"
    assert "url('https://s.example/2026/slug/bg.png')" in tree.xpath("//div[@style]")[0].get(
        "style"
    )
    assert "url('https://s.example/2026/slug/i.png')" in tree.xpath("//style")[0].text


def test_untouched_links_stay_byte_identical():
    src = (
        '<a href="mailto:me@x.example">m</a><a href="tel:+1555">t</a>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">'
        '<a href="#fn:1">1</a><a href="*|UNSUB|*">unsubscribe</a>'
        '<a href="*|ARCHIVE|*">view online</a><a href="https://x.example/?a=1&amp;b=2">abs</a>'
    )
    assert absolutize_html(src, BASE) == src


def test_scripts_event_handlers_and_javascript_urls_are_removed():
    # Script removal moved from the absolutizer to the sanitizer (one owner):
    # the promise is kept by sanitize_html(html, base), which runs both.
    src = (
        "<p>a</p><script>document.write('<a href=\"x\">')</script>"
        '<SCRIPT type="module" src="m.js"></SCRIPT >'
        '<p onclick="steal()" class="k">b</p>'
        '<a href=" JavaScript:alert(1)">c</a><a href="java\tscript:alert(2)">d</a>'
    )
    out = sanitize_html(src, BASE)
    tree = parse(out)
    assert tree.xpath("//script") == []
    assert "steal" not in out and "alert" not in out and "document.write" not in out
    assert tree.xpath("//p[@class='k']")[0].text == "b"
    assert [a.text for a in tree.xpath("//a")] == ["c", "d"]
    assert all(a.get("href") is None for a in tree.xpath("//a"))


def test_unclosed_script_drops_the_rest():
    assert sanitize_html("<p>a</p><script>evil()", BASE) == "<p>a</p>"


def test_absolutizer_alone_never_makes_a_url_more_dangerous():
    # urljoin would read "java\tscript:" as a clean "javascript:" URL.
    out = absolutize_html('<a href="java\tscript:alert(2)">d</a><a href=" vbscript:x">e</a>', BASE)
    assert all(a.get("href") is None for a in parse(out).xpath("//a"))


def test_entities_unicode_and_self_closing_tags_are_preserved():
    src = (
        "<p>Caf\u00e9 &amp; &nbsp;&mdash; &lt;tag&gt; \U0001f389 "
        '<img src="a.png" alt="&quot;q&quot; &amp; &lt;"/><br/>'
        '<svg viewBox="0 0 1 1"><path d="M0 0"/><path d="M1 1"/><use xlink:href="#i"/></svg></p>'
    )
    out = absolutize_html(src, BASE)
    expected = src.replace('src="a.png"', 'src="https://s.example/2026/slug/a.png"')
    assert out == expected


def test_ampersands_in_urls_decoded_once_and_reescaped():
    out = absolutize_html('<a href="p?a=1&amp;b=2&copy=3">x</a>', BASE)
    # &copy=3 without ";" is literal text in an attribute (HTML legacy rule).
    assert attr(out, "//a", "href") == "https://s.example/2026/slug/p?a=1&b=2&copy=3"


def test_unquoted_and_single_quoted_values():
    out = absolutize_html("<a href=x.html title='t'>x</a><img src='y.png'>", BASE)
    assert attr(out, "//a", "href") == "https://s.example/2026/slug/x.html"
    assert attr(out, "//a", "title") == "t"
    assert attr(out, "//img", "src") == "https://s.example/2026/slug/y.png"


def test_quoted_greater_than_does_not_end_the_tag():
    out = absolutize_html('<a title="a > b" href="x">x</a>', BASE)
    assert attr(out, "//a", "href") == "https://s.example/2026/slug/x"
    assert attr(out, "//a", "title") == "a > b"


def test_comments_and_raw_text_are_not_rewritten():
    src = '<!-- <a href="x"> --><textarea><a href="y"></textarea><a href="z">z</a>'
    out = absolutize_html(src, BASE)
    assert '<!-- <a href="x"> -->' in out and '<textarea><a href="y"></textarea>' in out
    assert 'href="https://s.example/2026/slug/z"' in out


def test_full_document_keeps_doctype_and_head():
    src = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="/favicon.ico"><script src="x.js"></script></head>'
        '<body><table><tr><td background="bg.png"><a href="*|UNSUB|*">u</a></td></tr></table>'
        "</body></html>"
    )
    out = absolutize_html(src, BASE)
    assert out.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    doc = lxml.html.document_fromstring(out)
    assert doc.xpath("//link")[0].get("href") == "https://s.example/favicon.ico"
    assert doc.xpath("//td")[0].get("background") == "https://s.example/2026/slug/bg.png"
    assert doc.xpath("//a")[0].get("href") == "*|UNSUB|*"
    # (Script removal is the sanitizer's duty now; see the test above.)


def test_no_markup_and_plain_text():
    assert absolutize_html("", BASE) == ""
    assert absolutize_html("a < b and c > d", BASE) == "a < b and c > d"


def test_is_absolute():
    assert is_absolute("https://x.example/")
    assert is_absolute("mailto:x@y")
    assert not is_absolute("../x")
    assert not is_absolute("//cdn.example/x")


def test_deterministic_and_idempotent():
    src = '<a href="a">a</a><img srcset="b 1x, c 2x">'
    once = absolutize_html(src, BASE)
    assert absolutize_html(src, BASE) == once
    assert absolutize_html(once, BASE) == once


def test_lookalike_attribute_names_are_not_rewritten():
    src = '<a hreflang="en" data-src="x.png" title="href=y" class="srcset">t</a>'
    assert absolutize_html(src, BASE) == src


def test_attribute_right_after_a_quoted_value():
    out = absolutize_html('<a title="t"href="x">t</a>', BASE)
    assert attr(out, "//a", "href") == "https://s.example/2026/slug/x"


def test_highlighted_code_is_left_byte_identical():
    code = (
        '<div class="highlight"><pre><span></span>'
        + (
            '<span class="k">def</span> <span class="nf">f</span><span class="p">():</span>\n'
            '    <span class="k">return</span> <span class="s2">&quot;&lt;a href=x&gt;&quot;</span>\n'
        )
        * 50
        + "</pre></div>"
    )
    src = code + '<p><a href="next/">next</a></p>'
    out = absolutize_html(src, BASE)
    assert out == code + '<p><a href="https://s.example/2026/slug/next/">next</a></p>'


def test_malformed_markup_is_left_alone():
    for src in ('<a href="x', "<p>a <b", '<img src="y" alt="unclosed>', "<!-- open"):
        assert absolutize_html(src, BASE) == src
