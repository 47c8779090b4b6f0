"""Render one post's email edition: pure functions of the article and settings.

`render_edition(article, settings)` returns an `RenderedEdition` (the Mailchimp
HTML, the outbox HTML, the plain text and the manifest fields); nothing here
writes files — plugins/newsletter/manifest.py does that.

Both HTML editions come from one template render and one CSS inlining: the
unsubscribe link and the address line are placeholders swapped afterwards, so
the two editions cannot drift apart and the costly step runs once per post.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import css_inline
import jinja2
from markupsafe import Markup
from pelican.utils import truncate_html_words

from connected.editions import edition_files
from connected.errors import ConnectedError
from connected.header import source_text
from connected.identity import post_uuid
from connected.newsletter_settings import newsletter_settings
from connected.pelican_content import resolve_links, resolved_html
from connected.sanitize import sanitize_html
from connected.settings_schema import EMAIL_MODES
from connected.site_settings import is_production
from connected.urls import absolute_url

from .body import prepare_body, static_image_lookup, with_newsletter_marker
from .masthead import masthead_fields
from .plaintext import html_to_text, plain_line, truncate

logger = logging.getLogger(__name__)

# A development build (SITEURL = "") has no absolute address; email links then
# point at `make serve`'s default address so a preview still works locally.
DEV_SITEURL = "http://localhost:8000"
MERGE_UNSUB = "*|UNSUB|*"
MERGE_ADDRESS = "*|LIST:ADDRESSLINE|*"
UNSUB_TOKEN = "@@connected-unsubscribe@@"
ADDRESS_TOKEN = "@@connected-address@@"
# Zero-width filler after the preheader keeps clients from pulling body text
# into the inbox preview line.
PREHEADER_SPACER = Markup("&#847;&zwnj;&nbsp;" * 30)
_TRUE = {"yes", "true", "on", "1"}
_FALSE = {"no", "false", "off", "0"}
_CHARSET = '<meta charset="utf-8">'
_TEMPLATE_FILES = ("_layout.html", "edition.html", "edition.txt", "email.css")


class EditionError(ConnectedError):
    """A post cannot get an email edition; the message names the post and the fix."""


@dataclass(frozen=True)
class RenderContext:
    """What every post's render needs, prepared once per build."""

    settings: dict
    nl: dict
    siteurl: str
    generated_for: str
    html_env: jinja2.Environment
    text_env: jinja2.Environment
    css: str
    inputs_digest: str
    image_size: Callable[[str], tuple[int, int] | None]
    inliner: css_inline.CSSInliner


@dataclass(frozen=True)
class RenderedEdition:
    """One post's edition as the renderer returns it: the bodies (text, not yet files) and
    the fields of its manifest entry. Written by manifest.write_edition; read back as a
    connected.editions.Edition (the one type the publishing side knows)."""

    uuid: str
    title: str
    url: str
    slug: str
    date: str
    source_path: str
    newsletter: bool
    subject: str
    preheader: str
    mode: str
    audience_tag: str | None
    mailchimp_html: str
    outbox_html: str
    text: str
    mailchimp_text: str
    warnings: tuple[str, ...] = field(default=())

    def manifest_entry(self) -> dict:
        """The post's entry in manifest.json (docs/ARCHITECTURE.md)."""
        return {
            "uuid": self.uuid,
            "title": self.title,
            "url": self.url,
            "slug": self.slug,
            "date": self.date,
            "source_path": self.source_path,
            "newsletter": self.newsletter,
            "subject": self.subject,
            "preheader": self.preheader,
            "mode": self.mode,
            "audience_tag": self.audience_tag,
            "files": edition_files(self.uuid),
        }


def site_url(settings: dict) -> tuple[str, str]:
    """(absolute site URL, "publishconf" | "pelicanconf") for these settings."""
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    if is_production(settings):
        return siteurl, "publishconf"
    return (siteurl if siteurl.startswith(("http://", "https://")) else DEV_SITEURL), "pelicanconf"


def make_context(settings: dict, image_size=None) -> RenderContext:
    """Validate settings and load templates once; raises SettingsError/EditionError."""
    nl = newsletter_settings(settings)
    siteurl, generated_for = site_url(settings)
    theme = Path(settings.get("THEME") or "theme")
    template_dir = theme / "templates" / "email"
    missing = [name for name in _TEMPLATE_FILES if not (template_dir / name).is_file()]
    if missing:
        raise EditionError(
            f"the theme {theme} lacks email template(s) {', '.join(missing)} in "
            f"{template_dir}: copy them from Connected's theme/templates/email/"
        )
    loader = jinja2.FileSystemLoader(str(template_dir))
    html_env = jinja2.Environment(loader=loader, autoescape=True, keep_trailing_newline=True)
    text_env = jinja2.Environment(
        loader=loader, autoescape=False, trim_blocks=True, keep_trailing_newline=True
    )
    digest = hashlib.sha256()
    connected = Path(__file__).resolve().parents[2] / "connected"
    code = sorted(Path(__file__).parent.glob("*.py")) + [
        connected / "urls.py",
        connected / "sanitize.py",  # the allow-list shapes every edition
    ]
    for path in [template_dir / name for name in _TEMPLATE_FILES] + code:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    relevant = {
        "nl": {key: str(value) for key, value in nl.items()},
        "siteurl": siteurl,
        "sitename": settings.get("SITENAME"),
        "lang": settings.get("DEFAULT_LANG"),
        "summary": [settings.get("SUMMARY_MAX_LENGTH"), settings.get("SUMMARY_END_SUFFIX")],
        "masthead": masthead_fields(settings, siteurl),
    }
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    return RenderContext(
        settings=settings,
        nl=nl,
        siteurl=siteurl,
        generated_for=generated_for,
        html_env=html_env,
        text_env=text_env,
        css=(template_dir / "email.css").read_text(encoding="utf-8"),
        inputs_digest=digest.hexdigest(),
        image_size=image_size or static_image_lookup(settings, siteurl),
        # keep_at_rules: @media (mobile, dark mode) stays in a <style> block,
        # everything else goes into style="" attributes.
        inliner=css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False),
    )


def _flag(article, key: str, value, allowed: set[str], default):
    text = str(value).strip().lower()
    if text in allowed:
        return text
    logger.warning(
        "newsletter: %s has %s: %r; expected one of %s — using %r",
        article.relative_source_path, key, value, ", ".join(sorted(allowed)), default,
    )  # fmt: skip
    return default


def post_fields(article, ctx: RenderContext) -> dict:
    """The manifest fields that come from metadata alone (cheap; no rendering)."""
    meta = article.metadata
    newsletter = True
    if "newsletter" in meta:
        # "now": mailed on its own at once even when NEWSLETTER["CADENCE"] makes digests.
        flag = _flag(article, "Newsletter", meta["newsletter"], _TRUE | _FALSE | {"now"}, "no")
        newsletter = flag in _TRUE or flag == "now"
    mode = ctx.nl["MODE"]
    if "email_mode" in meta:
        mode = _flag(article, "Email_mode", meta["email_mode"], set(EMAIL_MODES), mode)
    tag = " ".join(str(meta.get("audience_tag") or "").split()) or None
    title = plain_line(str(article.title), markup=False)
    subject = plain_line(str(meta["subject"]), markup=False) if meta.get("subject") else title
    return {
        "uuid": post_uuid(article),
        "title": title,
        "url": absolute_url(ctx.siteurl + "/", article.url),
        "slug": article.slug,
        "date": article.date.isoformat(),
        "source_path": str(article.relative_source_path).replace("\\", "/"),
        "newsletter": newsletter,
        "subject": truncate(subject or title),
        "mode": mode,
        "audience_tag": tag,
    }


@dataclass(frozen=True)
class PostInputs:
    """Everything one post's edition is rendered from, read once."""

    fields: dict
    body_html: str
    source: str
    digest: str


def gather_inputs(article, ctx: RenderContext) -> PostInputs:
    """Read a post's inputs and hash them, so an unchanged post can be skipped."""
    fields = post_fields(article, ctx)
    body_html = content_html(article, ctx.siteurl)
    source = _read_source(article)
    digest = hashlib.sha256(ctx.inputs_digest.encode())
    digest.update(json.dumps(fields, sort_keys=True).encode())
    digest.update(
        json.dumps({k: str(v) for k, v in article.metadata.items()}, sort_keys=True).encode()
    )
    digest.update(body_html.encode())
    digest.update(source.encode())
    return PostInputs(fields=fields, body_html=body_html, source=source, digest=digest.hexdigest())


def content_html(article, siteurl: str) -> str:
    """The post's HTML with {static}/{filename} links resolved against `siteurl`.

    Not `article.get_content()`: that is memoized, and a plugin reading
    `.content` before the static files are known caches unresolved links.
    At article_writer_finalized every file is known, so resolve afresh.
    """
    return resolved_html(article, siteurl)


def _read_source(article) -> str:
    return source_text(article.source_path)  # the build's one read of the file


def post_summary_html(article, ctx: RenderContext, body_html: str) -> str:
    # Pelican's own `summary` resolves links against the page being written
    # (relative when RELATIVE_URLS), so build it against the absolute site URL.
    summary = article.metadata.get("summary")
    if summary:
        return resolve_links(article, str(summary), ctx.siteurl)
    settings = ctx.settings
    if settings.get("SUMMARY_MAX_LENGTH") is None:
        return body_html
    return truncate_html_words(
        body_html, settings["SUMMARY_MAX_LENGTH"], settings.get("SUMMARY_END_SUFFIX", "…")
    )


def _render(ctx: RenderContext, fields: dict, preheader: str, body_html: str, excerpt: bool):
    """Return (inlined html with placeholders, text with placeholders)."""
    nl = ctx.nl
    common = {
        "lang": ctx.settings.get("DEFAULT_LANG") or "en",
        "subject": fields["subject"],
        "title": fields["title"],
        "preheader": preheader,
        # The edition's own links to the post carry the marker; the manifest keeps the plain URL.
        "post_url": with_newsletter_marker(fields["url"], ctx.siteurl),
        "site_name": ctx.settings.get("SITENAME") or "",
        "site_url": ctx.siteurl,
        "date_display": fields["date_display"],
        "excerpt": excerpt,
        "read_more_text": nl["READ_MORE_TEXT"],
        "reply_line": nl["REPLY_LINE"],
        "reply_to": nl["REPLY_TO"],
        "why_line": nl["WHY_LINE"],
        "unsubscribe_url": UNSUB_TOKEN,
        "address_line": ADDRESS_TOKEN,
        **masthead_fields(ctx.settings, ctx.siteurl),
    }
    page = ctx.html_env.get_template("edition.html").render(
        css=Markup(ctx.css),
        preheader_spacer=PREHEADER_SPACER,
        body_html=Markup(body_html),
        **common,
    )
    inlined = ctx.inliner.inline(page)
    # css-inline puts the kept @media block first in <head>; the charset
    # declaration must stay within the first 1024 bytes for browsers.
    if _CHARSET in inlined:
        inlined = inlined.replace(_CHARSET, "", 1).replace("<head>", "<head>" + _CHARSET, 1)
    return inlined, common


def render_edition(
    article,
    settings: dict | None = None,
    ctx: RenderContext | None = None,
    inputs: PostInputs | None = None,
) -> RenderedEdition:
    """Render `article`'s email edition (see the module docstring)."""
    if ctx is None:
        ctx = make_context(settings if settings is not None else article.settings)
    if inputs is None:
        inputs = gather_inputs(article, ctx)
    fields = dict(inputs.fields)
    fields["date_display"] = getattr(article, "locale_date", fields["date"])
    post_url = fields["url"]
    body_html = inputs.body_html
    summary_html = post_summary_html(article, ctx, body_html)
    meta_preheader = article.metadata.get("preheader")
    preheader = (
        plain_line(str(meta_preheader), markup=False)
        if meta_preheader
        else plain_line(sanitize_html(summary_html))
    )
    preheader = truncate(preheader)
    warnings: list[str] = []
    limit = ctx.nl["MAX_HTML_BYTES"]

    mode = fields["mode"]
    html_page = common = None
    for attempt in ("as asked", "fallback"):
        excerpt = mode == "excerpt"
        body = prepare_body(summary_html if excerpt else body_html, post_url, ctx.image_size,
                            ctx.siteurl)
        html_page, common = _render(ctx, fields, preheader, body, excerpt)
        size = max(
            len(fill_html(html_page, MERGE_UNSUB, MERGE_ADDRESS).encode()),
            len(
                fill_html(html_page, ctx.nl["UNSUBSCRIBE_URL"], ctx.nl["POSTAL_ADDRESS"]).encode()
            ),
        )
        if size <= limit:
            break
        if excerpt or attempt == "fallback":
            message = (
                f"{fields['source_path']}: the email edition is {size} bytes even as an excerpt, "
                f"over NEWSLETTER['MAX_HTML_BYTES'] = {limit}: shorten its Summary"
            )
            logger.warning("newsletter: %s", message)
            warnings.append(message)
            break
        message = (
            f"{fields['source_path']}: the email edition is {size} bytes, over "
            f"NEWSLETTER['MAX_HTML_BYTES'] = {limit} (Gmail clips at 102 KB): sending it as an "
            "excerpt with a link to the web; set 'Email_mode: excerpt' to silence this"
        )
        logger.warning("newsletter: %s", message)
        warnings.append(message)
        mode = "excerpt"

    # The text part is the HTML part's own body (sanitized, absolute, embeds
    # as links) read as text, so the two parts always say the same thing.
    body_text = html_to_text(body, base_url=post_url)
    text = ctx.text_env.get_template("edition.txt").render(body_text=body_text.strip(), **common)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return RenderedEdition(
        uuid=fields["uuid"],
        title=fields["title"],
        url=post_url,
        slug=fields["slug"],
        date=fields["date"],
        source_path=fields["source_path"],
        newsletter=fields["newsletter"],
        subject=fields["subject"],
        preheader=preheader,
        mode=mode,
        audience_tag=fields["audience_tag"],
        mailchimp_html=fill_html(html_page, MERGE_UNSUB, MERGE_ADDRESS),
        outbox_html=fill_html(html_page, ctx.nl["UNSUBSCRIBE_URL"], ctx.nl["POSTAL_ADDRESS"]),
        text=fill_text(text, ctx.nl["UNSUBSCRIBE_URL"], ctx.nl["POSTAL_ADDRESS"]),
        mailchimp_text=fill_text(text, MERGE_UNSUB, MERGE_ADDRESS),
        warnings=tuple(warnings),
    )


def fill_html(page: str, unsubscribe: str, address: str) -> str:
    # Merge tags are kept verbatim; real values are escaped for HTML.
    if "*|" not in unsubscribe:
        unsubscribe = html_lib.escape(unsubscribe, quote=True)
    if "*|" not in address:
        address = html_lib.escape(address, quote=False)
    return page.replace(UNSUB_TOKEN, unsubscribe).replace(ADDRESS_TOKEN, address)


def fill_text(text: str, unsubscribe: str, address: str) -> str:
    return text.replace(UNSUB_TOKEN, unsubscribe).replace(ADDRESS_TOKEN, address)
