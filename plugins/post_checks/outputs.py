"""Every file the build will write, and who claims it (plugins/post_checks).

Pelican overwrites silently when two outputs share a path (a `Save_as:
feeds/all.atom.xml` replaced the Atom feed with a post), and a post written
to `robots.txt/index.html` turns a file into a folder. Before anything is
written, this module lists every output path — posts, pages, drafts, direct
templates, tag/category pages and their pagination, feeds, the sitemap,
static and theme files — and reports any path claimed twice, or claimed as a
file by one and as a folder by another.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from connected.settings_schema import SCHEMA


@dataclass(frozen=True)
class Claim:
    path: str  # normalised, relative to the output directory, "/" separators
    owner: str  # "posts/a.md" or "the Atom feed of all posts"
    source: str | None = None  # relative source path for a content file
    cause: str = ""  # "Save_as: index.html", "Slug: ../x", "its title", ""


def normal(path: str) -> str:
    return os.path.normpath(str(path).replace("\\", "/")).replace(os.sep, "/").lstrip("/")


def content_claims(contents) -> list[Claim]:
    """contents: (relative source path, content) pairs."""
    claims = []
    for relative, content in contents:
        save_as = getattr(content, "save_as", "") or ""
        if not save_as:
            continue
        meta = getattr(content, "metadata", {}) or {}
        if str(meta.get("save_as") or "").strip():
            cause = f"Save_as: {str(meta['save_as']).strip()}"
        elif str(meta.get("slug") or "").strip() and _slug_written(content):
            cause = f"Slug: {meta['slug']}"
        else:
            cause = f"slug {getattr(content, 'slug', '')!r} from its title"
        claims.append(Claim(normal(save_as), relative, relative, cause))
    return claims


def _slug_written(content) -> bool:
    # Pelican puts a Slug: line into metadata; a slug made from the title is
    # only an attribute. (FILENAME_METADATA could also set it: then it is the file's.)
    return "slug" in (getattr(content, "metadata", {}) or {})


def generated_claims(generators, settings: dict) -> list[Claim]:
    """Everything but posts and pages: direct templates, listings, feeds, sitemap, static files."""
    from pelican.generators import ArticlesGenerator, StaticGenerator
    from pelican.paginator import Paginator

    claims: list[Claim] = []
    articles_gen = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    static_gen = next((g for g in generators if isinstance(g, StaticGenerator)), None)
    paginated = settings.get("PAGINATED_TEMPLATES") or {}

    def paginate(template: str, url: str, save_as: str, objects, owner: str) -> None:
        # As Pelican's writer does: the paginator is named after the output file.
        if template in paginated and objects:
            per_page = paginated[template] or settings.get("DEFAULT_PAGINATION")
            paginator = Paginator(save_as, url, list(objects), settings, per_page)
            for number in range(1, paginator.num_pages + 1):
                page_save_as = paginator.page(number).save_as
                label = owner if number == 1 else f"{owner}, page {number}"
                claims.append(Claim(normal(page_save_as), label))
        else:
            claims.append(Claim(normal(save_as), owner))

    articles = list(getattr(articles_gen, "articles", []) or []) if articles_gen else []
    for template in settings.get("DIRECT_TEMPLATES", []) or []:
        save_as = settings.get(f"{template.upper()}_SAVE_AS", f"{template}.html")
        if not save_as:
            continue
        url = settings.get(f"{template.upper()}_URL", f"{template}.html")
        paginate(template, url, save_as, articles, f"the {template} page")

    if articles_gen is not None:
        for tag, posts in _pairs(getattr(articles_gen, "tags", {})):
            if getattr(tag, "save_as", ""):
                paginate("tag", tag.url, tag.save_as, posts, f"the page of tag {tag.name!r}")
        for category, posts in _pairs(getattr(articles_gen, "categories", {})):
            if getattr(category, "save_as", ""):
                paginate(
                    "category", category.url, category.save_as, posts,
                    f"the page of category {category.name!r}",
                )  # fmt: skip
        claims.extend(_feed_claims(articles_gen, settings))

    if _has_plugin(settings, "sitemap"):
        fmt = str((settings.get("SITEMAP") or {}).get("format", "xml"))
        claims.append(Claim(f"sitemap.{fmt}", "the sitemap"))

    if static_gen is not None:
        for static in getattr(static_gen, "staticfiles", []) or []:
            if getattr(static, "save_as", ""):
                relative = static.get_relative_source_path()
                claims.append(Claim(normal(static.save_as), f"{_STATIC}{relative}"))
    claims.extend(_theme_claims(settings))
    return claims


def _pairs(groups) -> list:
    # ArticlesGenerator keeps tags as a dict and categories as a list of pairs.
    return sorted(groups.items() if isinstance(groups, dict) else groups, key=lambda p: p[0].slug)


def _has_plugin(settings: dict, name: str) -> bool:
    for plugin in settings.get("PLUGINS") or []:
        plugin_name = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")
        if plugin_name == name or plugin_name.endswith("." + name):
            return True
    return False


_FEED_LABELS = {
    "ALL_ATOM": "the Atom feed of all posts",
    "ALL_RSS": "the RSS feed of all posts",
    "ALL_JSON": "the JSON Feed of all posts",
}


def _feed_claims(articles_gen, settings: dict) -> list[Claim]:
    if not _has_plugin(settings, "site_feeds"):
        return []
    given = settings.get("SITE_FEEDS") or {}
    if not isinstance(given, dict):
        return []  # site_feeds reports a malformed dict itself
    paths = {key: spec.default for key, spec in SCHEMA["SITE_FEEDS"].items()}
    paths.update(given)
    claims = []
    for key, label in _FEED_LABELS.items():
        if isinstance(paths.get(key), str) and paths[key]:
            claims.append(Claim(normal(paths[key]), label))
    groups = (
        ("CATEGORY", [c for c, _ in _pairs(getattr(articles_gen, "categories", {}))], "category"),
        ("TAG", [t for t, _ in _pairs(getattr(articles_gen, "tags", {}))], "tag"),
    )
    for prefix, items, word in groups:
        for kind in ("ATOM", "RSS"):
            pattern = paths.get(f"{prefix}_{kind}")
            if not isinstance(pattern, str) or "{slug}" not in pattern:
                continue
            for item in items:
                claims.append(
                    Claim(
                        normal(pattern.replace("{slug}", item.slug)),
                        f"the {kind.title() if kind == 'ATOM' else kind} feed of {word} {item.name!r}",
                    )
                )
    return claims


def _theme_claims(settings: dict) -> list[Claim]:
    theme = Path(settings.get("THEME", ""))
    target = settings.get("THEME_STATIC_DIR", "theme")
    claims = []
    for folder in settings.get("THEME_STATIC_PATHS", ["static"]) or []:
        base = theme / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file():
                relative = path.relative_to(base).as_posix()
                claims.append(Claim(normal(f"{target}/{relative}"), f"the theme file {target}/{relative}"))
    return claims


_STATIC = "the static file "


def collision_problems(claims: list[Claim], shown) -> list[str]:
    """One line per contested output path. `shown(relative)` gives a file's display path."""
    by_path: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_path[claim.path].append(claim)
    problems = []
    # Only clashes a post or page takes part in: two generated outputs
    # clashing is a settings mistake, which the settings' owner reports
    # (plugins/site_feeds refuses two feeds on one path, naming the key).
    for path, owners in sorted(by_path.items()):
        if len(owners) > 1 and any(o.source is not None for o in owners):
            problems.append(_same_path(path, owners, shown))
        elif sum(o.owner.startswith(_STATIC) for o in owners) >= 2:
            # Two static files on one path (an imported static/robots.txt mapped over
            # extra/robots.txt): which one Pelican copies last changes from build to build.
            names = " and ".join(o.owner.removeprefix(_STATIC) for o in owners if o.owner.startswith(_STATIC))
            problems.append(
                f"{names}: would both be copied to {path}, and which one wins changes from build "
                "to build — delete one, or map one elsewhere in EXTRA_PATH_METADATA (pelicanconf.py)"
            )
    # A file claimed where another output needs a folder (robots.txt/index.html).
    files = set(by_path)
    for path, owners in sorted(by_path.items()):
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in files and (
                owners[0].source is not None or any(c.source is not None for c in by_path[folder])
            ):
                problems.append(_file_as_folder(folder, by_path[folder], path, owners[0], shown))
                break
    return problems


def _describe(claim: Claim, shown) -> str:
    if claim.source is None:
        return claim.owner
    return f"{shown(claim.source)} ({claim.cause})" if claim.cause else shown(claim.source)


def _fix(claim: Claim) -> str:
    if claim.cause.startswith("Save_as:"):
        return "change or delete its Save_as: line (the cause: Save_as sets the output file)"
    if claim.cause.startswith("Slug:"):
        return "give it a different Slug: (letters, digits and -)"
    return "give one of them a Slug: line of its own"


def _same_path(path: str, owners: list[Claim], shown) -> str:
    files = [o for o in owners if o.source is not None]
    others = [o for o in owners if o.source is None]
    if len(files) >= 2 and not others and not any(o.cause.startswith("Save_as:") for o in files):
        names = " and ".join(shown(o.source) for o in files)
        both = "both" if len(files) == 2 else "all"
        return f"{names}: would {both} be written to {path} — give one of them a different Slug:"
    if files:
        first, rest = files[0], [*files[1:], *others]
        return (
            f"{_describe(first, shown)}: would be written to {path}, which "
            f"{' and '.join(_describe(o, shown) for o in rest)} also "
            f"{'writes' if len(rest) == 1 else 'write'} — {_fix(first)}"
        )
    return (
        f"{' and '.join(o.owner for o in owners)}: would all be written to {path} — "
        "rename one in the settings (PAGE/ARTICLE/TAG/CATEGORY_SAVE_AS, SITE_FEEDS)"
    )


def _file_as_folder(folder: str, file_claims: list[Claim], path: str, inner: Claim, shown) -> str:
    if inner.source is not None:
        # The generated file (a feed, the theme's CSS) is named first: it is
        # what the post would break.
        others = sorted(file_claims, key=lambda c: c.source is not None)
        return (
            f"{_describe(inner, shown)}: would be written to {path}, which clashes with "
            f"{' and '.join(_describe(o, shown) for o in others)} ({folder} cannot be both a "
            f"file and a folder) — {_fix(inner)}"
        )
    culprit = next((c for c in file_claims if c.source is not None), None)
    if culprit is None:
        return (
            f"{file_claims[0].owner}: is written to {folder}, where {inner.owner} needs a folder "
            f"({path}) — rename one in the settings"
        )
    return (
        f"{_describe(culprit, shown)}: would be written to {folder}, which clashes with "
        f"{inner.owner} ({path} needs {folder} to be a folder) — {_fix(culprit)}"
    )
