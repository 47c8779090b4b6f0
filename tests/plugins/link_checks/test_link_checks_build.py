"""Real builds of tests/data/links_site: every broken internal link and image is
reported once, as file:line with the fix; good ones are not; warm builds say it again."""

from __future__ import annotations

import json

from tests.plugins.link_checks.linkkit import BROKEN, EMBEDS, GOOD, summary_records

BROKEN_LINES = [
    "posts/broken.md:7: image 'images/team.jpg' is not in the site — write "
    "{static}/images/team.jpg (the file is content/images/team.jpg)",
    "posts/broken.md:9: image '/images/logo.png' is not in the site — put it in content/images/ "
    "and write {static}/images/logo.png",
    "posts/broken.md:11: image '{static}/images/nope.png' is not in the site — there is no "
    "content/images/nope.png: add the file or fix the path",
    "posts/broken.md:13: link '{filename}deleted-post.md' is not in the site — there is no post "
    "or page content/posts/deleted-post.md: fix the path (it is read from the post's folder, or "
    "from the content folder with a leading /) or remove the link",
    "posts/broken.md:15: image '/images/gone-2x.png' in srcset is not in the site — put it in "
    "content/images/ and write /images/gone-2x.png",
]


def test_each_broken_link_and_image_is_one_line_with_the_fix(site):
    lines = site.run()
    assert [line for line in lines if line.startswith("posts/broken.md")] == BROKEN_LINES
    # The good post (static, root-relative, relative, srcset, <source>, poster,
    # {filename}, listing pages, the feed, fragments, mailto, external) has none.
    assert not [line for line in lines if line.startswith(("posts/good.md", "pages/"))]
    head = summary_records(site.caplog.records)[0].getMessage().split("\n")[0]
    assert head == (
        f"link_checks: {len(lines)} problems in 2 posts (5 broken links or images keep 1 post "
        "out of the newsletter):"
    )


def test_pelicans_own_warnings_become_ours(site):
    site.run()
    messages = site.messages()
    assert not [m for m in messages if "skipping url replacement" in m], messages
    assert not [m for m in messages if "Cannot get modification stamp" in m], messages


def test_manifest_carries_blockers_per_post(site):
    site.run()
    manifest = site.manifest()
    assert manifest[BROKEN]["blockers"] == BROKEN_LINES
    assert manifest[GOOD]["blockers"] == []
    assert manifest[EMBEDS]["blockers"] == []  # embeds shown as links do not stop the email


def test_development_build_reports_the_same(site):
    lines = site.run("pelicanconf.py")
    assert [line for line in lines if line.startswith("posts/broken.md")] == BROKEN_LINES


def test_problems_are_reported_again_on_a_warm_build(site):
    first = site.run()
    page = site.output / "2026" / "broken-links" / "index.html"
    before = page.stat().st_mtime_ns
    second = site.run()
    # fast_build reused the page (so Pelican warned about nothing this time)…
    assert page.stat().st_mtime_ns == before
    assert not [m for m in site.messages() if "skipping url replacement" in m]
    # …and the summary is the same, from the per-post findings cache.
    assert second == first
    cache = json.loads((site.tmp_path / "cache" / "link_checks" / "findings.json").read_text())
    assert [line for line, _ in cache["posts"]["posts/broken.md"]["broken"]] == [7, 9, 11, 13, 15]


def test_files_left_from_an_earlier_build_do_not_count(site):
    site.run()
    # Delete an image and a post: the earlier output still holds both files.
    (site.content / "images" / "photo-2x.png").unlink()
    (site.content / "posts" / "good.md").unlink()
    (site.content / "pages" / "about.md").write_text(
        "Title: About\nSlug: about\nUuid: a1a1a1a1-0000-4000-8000-0000000000a0\n\n"
        "See [the good post]({filename}/posts/good.md) and [its address](/2026/good-links/),\n"
        "and ![the big photo](/images/photo-2x.png).\n",
        encoding="utf-8",
    )
    assert (site.output / "images" / "photo-2x.png").is_file()
    lines = site.run()
    about = [line for line in lines if line.startswith("pages/about.md")]
    assert about == [
        "pages/about.md:5: link '{filename}/posts/good.md' is not in the site — there is no post "
        "or page content/posts/good.md: fix the path (it is read from the post's folder, or from "
        "the content folder with a leading /) or remove the link",
        "pages/about.md:5: link '/2026/good-links/' is not in the site — link posts and pages "
        "with {filename}/<folder>/<file>.md, so the address follows the post",
        "pages/about.md:6: image '/images/photo-2x.png' is not in the site — put it in "
        "content/images/ and write {static}/images/photo-2x.png",
    ]


def test_fixing_the_post_clears_its_problems_and_its_blockers(site):
    site.run()
    post = site.content / "posts" / "broken.md"
    header = post.read_text(encoding="utf-8").split("\n\n", 1)[0]
    post.write_text(header + "\n\nAll fixed: ![Team]({static}/images/team.jpg)\n", encoding="utf-8")
    lines = site.run()
    assert not [line for line in lines if line.startswith("posts/broken.md")]
    assert site.manifest()[BROKEN]["blockers"] == []


def test_oversize_emails_join_the_summary_on_every_build(site):
    # The email masthead and signature (issue 15) put every edition near 7.5 KB; good.md is the long one.
    for _ in range(2):
        lines = site.run(NEWSLETTER={"MAX_HTML_BYTES": 8000})
        oversize = [line for line in lines if "the email edition is" in line]
        assert len(oversize) == 1 and oversize[0].startswith("posts/good.md: the email edition is ")
        assert "over NEWSLETTER['MAX_HTML_BYTES'] = 8000" in oversize[0]


def test_a_broken_link_in_a_summary_is_still_said(site):
    site.run()
    post = site.content / "posts" / "good.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace(
            "Summary: Every link and image here resolves.",
            "Summary: See [the gone post]({filename}gone-post.md).",
        ),
        encoding="utf-8",
    )
    lines = site.run()
    assert (
        "posts/good.md:4: link '{filename}gone-post.md' is not in the site — there is no post or "
        "page content/posts/gone-post.md: fix the path (it is read from the post's folder, or from "
        "the content folder with a leading /) or remove the link"
    ) in lines
    assert not [line for line in lines if "Pelican could not resolve" in line]
    assert not [m for m in site.messages() if "skipping url replacement" in m]
    assert site.manifest()[GOOD]["blockers"] != []


def test_a_link_to_a_draft_is_broken_in_production(site):
    site.run()  # copies the fixture into tmp_path on the first build
    (site.content / "posts" / "draft.md").write_text(
        "Title: Not yet\nDate: 2026-03-05 09:00\nStatus: draft\nSummary: Soon.\n"
        "Uuid: a1a1a1a1-0000-4000-8000-000000000005\n\nSoon.\n",
        encoding="utf-8",
    )
    about = site.content / "pages" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nComing: [next]({filename}/posts/draft.md).\n")
    lines = site.run()
    assert (
        "pages/about.md:7: link '{filename}/posts/draft.md' points to content/posts/draft.md, which "
        "this build does not publish (a draft, or dated in the future) — publish it first or "
        "remove the link"
    ) in lines
    # A development build writes drafts under drafts/: the link works there.
    assert not [line for line in site.run("pelicanconf.py") if "draft.md" in line]


def test_root_relative_paths_miss_a_site_below_a_path(site):
    lines = site.run(SITEURL="https://example.com/blog")
    good = [line for line in lines if line.startswith("posts/good.md")]
    assert good[:2] == [
        "posts/good.md:7: image '/images/photo.png' points outside the site "
        "(https://example.com/blog/) — write {static}/images/photo.png (the file is "
        "content/images/photo.png)",
        "posts/good.md:7: image '/images/photo.png' in srcset points outside the site "
        "(https://example.com/blog/) — write /blog/images/photo.png (the file is "
        "content/images/photo.png)",
    ]
    assert (
        "posts/good.md:19: link '/archives/' points outside the site (https://example.com/blog/) "
        "— write /blog/archives/"
    ) in good
    assert (
        "posts/good.md:19: link '/feeds/all.atom.xml' points outside the site "
        "(https://example.com/blog/) — write /blog/feeds/all.atom.xml"
    ) in good
    # {static}, {filename} and relative paths follow SITEURL and stay good.
    assert not [line for line in good if "{static}/images/photo.png'" in line or "../../" in line]


def test_an_unchanged_post_is_checked_again_when_what_it_links_to_goes(site):
    """A post's findings are reused only while the site they were made against is
    the same: deleting the post that an unchanged page links to breaks its link."""
    site.run()
    site.run()
    cache = json.loads((site.tmp_path / "cache" / "link_checks" / "findings.json").read_text())
    about = cache["posts"]["pages/about.md"]
    assert about["broken"] == [] and isinstance(about["site"], str)  # reusable
    # good.md links to the feed, which the build writes outside Pelican's writer:
    # looked up on disk, so never reused.
    assert cache["posts"]["posts/good.md"]["site"] is None
    (site.content / "posts" / "good.md").unlink()
    lines = site.run()
    assert [line for line in lines if line.startswith("pages/about.md")] == [
        "pages/about.md:5: link '{filename}/posts/good.md' is not in the site — there is no post "
        "or page content/posts/good.md: fix the path (it is read from the post's folder, or from "
        "the content folder with a leading /) or remove the link"
    ]


def test_a_link_found_on_disk_is_never_reused_whichever_post_checked_it_first(site):
    """Two posts link a file the build wrote outside Pelican's writer (the feed): each
    check looks at the disk, so neither post's findings are reused next time."""
    site.run()
    (site.content / "posts" / "also-feed.md").write_text(
        "Title: Also the feed\nDate: 2026-03-05 09:00\nSlug: also-feed\n"
        "Uuid: a1a1a1a1-0000-4000-8000-000000000009\n\nThe [feed](/feeds/all.atom.xml).\n",
        encoding="utf-8",
    )
    site.run()
    cache = json.loads((site.tmp_path / "cache" / "link_checks" / "findings.json").read_text())
    assert cache["posts"]["posts/good.md"]["site"] is None
    assert cache["posts"]["posts/also-feed.md"]["site"] is None


def test_a_changed_url_setting_checks_unchanged_posts_again(site):
    """ARTICLE_URL changed without ARTICLE_SAVE_AS: the About page's {filename} link
    now points where no page is written, though neither file changed."""
    site.run()
    lines = site.run(ARTICLE_URL="posts/{slug}/")
    assert [line for line in lines if line.startswith("pages/about.md")], lines
