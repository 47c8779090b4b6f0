"""Embeds the page CSP blocks become links at build time; the CSP setting allows named hosts."""

from __future__ import annotations

import time

import pytest

from tests.conftest import pelican_plugin

# As Pelican imports it (by its own name, from PLUGIN_PATHS), so its exception classes
# are the build's.
pelican_plugin("link_checks")
from link_checks.csp import CSPSettingsError, allows, csp_options, policy  # noqa: E402
from link_checks.embeds import replace_blocked  # noqa: E402
from link_checks.references import references, srcset_urls  # noqa: E402

DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def csp_of(doc) -> dict[str, list[str]]:
    (content,) = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
    return {d.split()[0]: d.split()[1:] for d in content.split(";") if d.strip()}


def prose(doc):
    (body,) = doc.xpath("//div[@class='prose']")
    return body


def test_blocked_embeds_become_links_and_the_build_names_the_post(site):
    lines = site.run()
    body = prose(site.page("2026/embeds"))
    assert body.xpath(".//iframe | .//script | .//img") == []
    links = {a.get("href"): a.text_content() for a in body.xpath(".//a[@class='embed-link']")}
    assert links == {
        "https://www.youtube-nocookie.com/embed/abc123": "Our talk at PyCon",
        "https://gist.github.com/alex/0123abcd": "gist.github.com",
        "https://images.example.com/chart.png": "Chart of replies",
    }
    embeds = [line for line in lines if line.startswith("posts/embeds.md")]
    assert embeds[0] == (
        "posts/embeds.md:9: iframe from www.youtube-nocookie.com is blocked by the page's "
        "Content-Security-Policy — shown as a link to it; to embed it, add "
        "'www.youtube-nocookie.com' to CSP['EMBED_HOSTS'] in pelicanconf.py"
    )
    assert embeds[1].startswith("posts/embeds.md:13: script from gist.github.com is blocked")
    assert embeds[2].startswith("posts/embeds.md:15: image from images.example.com is blocked")
    assert embeds[3] == (
        'posts/embeds.md:17: inline style="color: red" on <p> is ignored: the page\'s '
        "Content-Security-Policy blocks inline styles — use a class from the theme's CSS, or remove it"
    )
    assert " ".join(csp_of(site.page("2026/embeds"))["img-src"]) == "'self' data:"


def test_the_default_csp_is_the_strict_one(site):
    site.run()
    (content,) = site.page("2026/good-links").xpath(
        "//head/meta[@http-equiv='Content-Security-Policy']/@content"
    )
    assert content == DEFAULT_CSP


def test_allowed_hosts_keep_their_embeds_and_reach_the_csp(site):
    lines = site.run(CSP={"EMBED_HOSTS": ["www.youtube-nocookie.com", "gist.github.com"]})
    doc = site.page("2026/embeds")
    body = prose(doc)
    assert [f.get("src") for f in body.xpath(".//iframe")] == ["https://www.youtube-nocookie.com/embed/abc123"]
    assert [s.get("src") for s in body.xpath(".//script")] == ["https://gist.github.com/alex/0123abcd.js"]
    # IMAGE_HOSTS is still empty: the external image is still a link.
    assert body.xpath(".//img") == []
    csp = csp_of(doc)
    for directive in ("frame-src", "script-src", "style-src"):
        assert csp[directive] == ["'self'", "www.youtube-nocookie.com", "gist.github.com"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    embeds = [line for line in lines if line.startswith("posts/embeds.md")]
    assert not [line for line in embeds if "iframe" in line or "script" in line]
    assert [line for line in embeds if "image from images.example.com" in line]


def test_a_bad_host_stops_the_build_naming_the_key(site):
    with pytest.raises(CSPSettingsError, match=r"CSP\['EMBED_HOSTS'\] has 'youtube.com; script-src \*'"):
        site.run(CSP={"EMBED_HOSTS": ["youtube.com; script-src *"]})


@pytest.mark.parametrize(
    ("setting", "fix"),
    [
        ({"EMBED_HOST": []}, r"CSP\['EMBED_HOST'\] is not a CSP setting"),
        ({"EMBED_HOSTS": "player.vimeo.com"}, r"must be a list of host names"),
        ({"IMAGE_HOSTS": ["*"]}, r"CSP\['IMAGE_HOSTS'\] has '\*'"),
        (["player.vimeo.com"], r"CSP in pelicanconf.py is a list: write a dict"),
    ],
)
def test_csp_setting_errors(setting, fix):
    with pytest.raises(CSPSettingsError, match=fix):
        csp_options({"CSP": setting})


def test_policy_and_allows_agree():
    assert policy(csp_options({})) == DEFAULT_CSP
    assert policy(csp_options({}), "https://x.list-manage.com").endswith(
        "form-action 'self' https://x.list-manage.com"
    )
    options = csp_options({"CSP": {"EMBED_HOSTS": ["*.vimeo.com", "http://127.0.0.1:8765"],
                                    "IMAGE_HOSTS": ["Images.Example.com"]}})  # fmt: skip
    assert allows(options, "frame", "https://player.vimeo.com/video/1")
    assert not allows(options, "frame", "https://vimeo.com/video/1")  # *. is subdomains only
    assert not allows(options, "frame", "http://player.vimeo.com/video/1")  # bare host: https
    assert allows(options, "frame", "http://127.0.0.1:8765/embed.html")
    assert not allows(options, "frame", "http://127.0.0.1:8766/embed.html")
    assert allows(options, "image", "https://images.example.com/a.png")
    assert not allows(options, "frame", "https://images.example.com/a.png")
    assert not allows(options, "object", "https://player.vimeo.com/x.swf")


def test_replacement_keeps_the_rest_of_the_post():
    html = (
        '<p>Before &amp; <code>&lt;iframe src="https://x.example/"&gt;</code></p>\n'
        '<iframe src="https://www.youtube.com/embed/1" title="A &quot;talk&quot;"><p>fallback</p></iframe>\n'
        "<p>After <img src='https://cdn.example/a.png'> and <img src=\"/images/ok.png\" alt=\"ok\"></p>"
    )
    new, embeds, styles = replace_blocked(html, csp_options({}))
    assert new == (
        '<p>Before &amp; <code>&lt;iframe src="https://x.example/"&gt;</code></p>\n'
        '<a class="embed-link" href="https://www.youtube.com/embed/1">A "talk"</a>\n'
        '<p>After <a class="embed-link" href="https://cdn.example/a.png">cdn.example</a> and '
        '<img src="/images/ok.png" alt="ok"></p>'
    )
    assert [e.tag for e in embeds] == ["iframe", "img"] and styles == []
    # Nothing blocked: the very same string, whatever its bytes.
    untouched = "<p>Odd  <b>markup<br/>  &copy; <img src='/images/ok.png'></p>"
    assert replace_blocked(untouched, csp_options({}))[0] is untouched


def test_srcset_candidates():
    assert srcset_urls("a.png 1x, b.png 2x") == ["a.png", "b.png"]
    # As browsers split it: a comma inside a URL belongs to the URL, a trailing one ends it.
    assert srcset_urls(" a.png, b.png 640w , c,d.png, e.png") == ["a.png", "b.png", "c,d.png", "e.png"]
    assert srcset_urls("data:image/png;base64,AAAA 1x, /x.png 2x") == [
        "data:image/png;base64,AAAA",
        "/x.png",
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 100_000 + "](" * 10_000,
        "<a href=" + '"' * 50_000,
        "<img src='x' " * 20_000,
        "<iframe src='https://x.example/'>" * 5_000,
        "<p style='" + "a" * 100_000,
        '<img srcset="' + "a.png 1x, " * 20_000 + '">',
    ],
)
def test_scanners_are_linear_on_hostile_input(hostile):
    started = time.perf_counter()
    references(hostile, hostile)
    replace_blocked(hostile, csp_options({}))
    assert time.perf_counter() - started < 2.0


def test_inline_code_and_style_elements_are_noted():
    html = (
        "<style>p { color: red }</style><p>x</p><script>alert(1)</script>"
        '<script type="application/ld+json">{"a": 1}</script>'
    )
    new, embeds, notes = replace_blocked(html, csp_options({}))
    assert new is html and embeds == []
    assert [(n.tag, n.style) for n in notes] == [("style", ""), ("script", "")]


# Pieces a post's HTML is made of, and the ones that make a URL leave the site
# ("//", a scheme, an entity, a backslash, a tab urlsplit drops, blank before it).
_PIECES = [
    '<img src="', "<IMG SRC='", "<img src=", '<img alt=x src = "', "<img data-src='", "http://",
    "HTTPS://", "//", "/\\", "\\\\", "/", "/&#47;", "&#x2F;", "&#104;ttp://", "ht\ttp://", "/\t/",
    "evil.example", "a.png", "{static}/a.png", "images/a.png", "./a.png", "\t", "\n", " ", '"', "'",
    ">", ":", "javascript:", "data:", "style", ' style="color:red"', " STYLE =", "<p>", "x", "src",
    "=", "&", "?", "#", ".", "-", "é", "\x0b", "\xa0", "<!--", "-->", "<style", "<Script",
]


@pytest.mark.parametrize("seed", range(4))
def test_the_pre_check_never_skips_a_post_the_parser_would_change(seed, monkeypatch):
    """A seeded fuzz: wherever the cheap pre-check skips a post, the full lxml
    pass (pre-check forced on) finds nothing to replace and no inline style."""
    import random

    import link_checks.embeds as embeds

    rng = random.Random(seed)
    options = csp_options({})
    skipped = 0
    for _ in range(3000):
        html = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 14)))
        if embeds.may_hold_embeds(html):
            continue
        skipped += 1
        with monkeypatch.context() as patched:
            patched.setattr(embeds, "may_hold_embeds", lambda _text: True)
            new, found, styles = embeds.replace_blocked(html, options)
        assert (new, found, styles) == (html, [], []), repr(html)
    assert skipped > 300  # the check does skip posts (else it would be pointless)


def test_a_post_with_local_images_and_outbound_links_is_not_parsed():
    """The common post: its own images, links to elsewhere, the word "style" in prose."""
    import link_checks.embeds as embeds

    html = (
        '<p>My style of writing. <a href="https://example.org/x">A guide</a></p>\n'
        '<p><img alt="A chart" src="{static}/images/chart.png"> <img src="/images/b.png"></p>'
    )
    assert not embeds.may_hold_embeds(html)
    for external in ('<img src="//cdn.example/a.png">', "<img src=https://cdn.example/a.png>",
                     '<img style="x" src="/a.png">', '<img src=" https://cdn.example/a.png">',
                     "<img src='\fhttps://cdn.example/a.png'>"):
        assert embeds.may_hold_embeds(html + external)


def test_the_embed_pre_check_memo_clears_only_the_html_it_saw(site):
    """A second build reads the pre-check's answers from CACHE_PATH; a post whose
    HTML gains a blocked embed is not skipped on the strength of its old answer."""
    import json

    from connected.memo import hash_text

    first = site.run()
    memo_file = next(site.tmp_path.glob("**/link_checks/embeds-precheck.json"))
    answers = json.loads(memo_file.read_text(encoding="utf-8"))["values"]
    assert True in answers.values() and False in answers.values()  # embeds.md, and the plain posts
    assert site.run() == first  # the warm build finds what the cold one found

    post = next(p for p in site.content.rglob("*.md") if "<iframe" not in p.read_text(encoding="utf-8")
                and "Title:" in p.read_text(encoding="utf-8") and "pages" not in p.parts)  # fmt: skip
    before = set(answers)
    post.write_text(post.read_text(encoding="utf-8") + '\n\n<iframe src="https://evil.example/x"></iframe>\n',
                    encoding="utf-8")  # fmt: skip
    lines = site.run()
    assert any(line.startswith(f"{post.relative_to(site.content).as_posix()}:") and "evil.example" in line
               for line in lines), lines  # fmt: skip
    after = json.loads(memo_file.read_text(encoding="utf-8"))["values"]
    assert set(after) - before and all(isinstance(key, str) and len(key) == len(hash_text("")) for key in after)
