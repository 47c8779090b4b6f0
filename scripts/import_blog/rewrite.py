"""Text changes the import makes to old posts (pure functions, linear scanners).

- Link targets written for the old layout (`{filename}images/x.png`,
  `|filename|/posts/a.rst`, `images/x.png` relative to an old `{slug}.html`,
  `/2015/01/old-post.html`) become `{static}/…` and `{filename}/…` links to
  the files' new places, which Pelican resolves under any URL scheme.
- Liquid tags that have a plain equivalent (`{% img %}`, `{% youtube %}`,
  `{% vimeo %}`, `{% gist %}`) become Markdown; the others are reported.
- Metadata lines the new site cannot honour (`Template:`, `Save_as:`) are
  dropped or replaced, one line at a time.

Every scanner finds literal openers with str.find and reads up to a
terminator it cannot contain, so each character is looked at a bounded number
of times: no backtracking regex touches post content.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin

from connected.liquid_tags import find_liquid_tags, provider

MARKERS = ("{filename}", "|filename|", "{static}", "|static|", "{attach}", "|attach|")
# A link target ends at any of these (so one target never contains another opener).
_STOP = set(" \t\r\n()<>\"'[]`")

CONVERTED_LIQUID = ("img", "youtube", "vimeo", "gist")
RST_EMBEDS = {
    "youtube": ("Watch the video on YouTube", "https://www.youtube.com/watch?v={id}"),
    "vimeo": ("Watch the video on Vimeo", "https://vimeo.com/{id}"),
}


@dataclass
class Resolver:
    """Where each old file and old URL lives now."""

    old_to_new: dict[str, str]  # old path (relative to the old content dir) -> new path under content/
    is_content: dict[str, bool]  # old path -> a post or page (else a static file)
    site_paths: dict[str, str]  # old output path or URL (no leading "/") -> old path
    siteurl_prefixes: tuple[str, ...] = ()  # old absolute site URLs ("https://old.example/")
    root_prefix: str = ""  # the old SITEURL's path ("blog/" when it was https://x/blog)

    def target(self, old_path: str, kind: str | None = None) -> str | None:
        new = self.old_to_new.get(old_path)
        if new is None:
            return None
        if kind is None:
            kind = "filename" if self.is_content.get(old_path) else "static"
        # Pelican reads %20 in a {filename}/{static} path as a space; a raw space would end the link.
        return "{" + kind + "}/" + new.replace(" ", "%20")

    def lookup_site_path(self, path: str) -> str | None:
        path = unquote(path)
        candidates = [path]
        if path == "" or path.endswith("/"):
            candidates.append(path + "index.html")
        else:
            candidates += [path + "/", path + "/index.html"]
        for candidate in candidates:
            if candidate in self.site_paths:
                return self.site_paths[candidate]
        return None

    def rewrite(self, url: str, source_old: str, base_url: str) -> tuple[str | None, str | None]:
        """(new url or None when unchanged, problem or None) for one link target."""
        cut = len(url)
        for sep in "?#":
            index = url.find(sep)
            if index != -1:
                cut = min(cut, index)
        path, suffix = url[:cut], url[cut:]
        for marker in MARKERS:
            if path.startswith(marker):
                kind = marker[1:-1]
                rest = path[len(marker):]
                if rest.startswith("/"):
                    old = posixpath.normpath(unquote(rest.lstrip("/")))
                else:
                    old = posixpath.normpath(posixpath.join(posixpath.dirname(source_old), unquote(rest)))
                new = self.target(old, None if kind == "filename" else kind)
                if new is None:
                    return None, f"{url} (no such file in the old blog)"
                new += suffix
                return (new if new != url else None), None
        if not path or url.startswith("#") or url.startswith("//"):
            return None, None
        lowered = path.lower()
        absolute = next((p for p in self.siteurl_prefixes if lowered.startswith(p.lower())), None)
        if absolute is not None:
            site_path = path[len(absolute):].lstrip("/")
        elif ":" in path.split("/", 1)[0]:
            return None, None  # https:, mailto:, data: … (another site)
        elif path.startswith("/"):
            site_path = path.lstrip("/")
            if self.root_prefix and site_path.startswith(self.root_prefix):
                site_path = site_path[len(self.root_prefix):]
        else:
            joined = urljoin("http://old.invalid/" + base_url, path)
            site_path = joined[len("http://old.invalid/"):]
        old = self.lookup_site_path(site_path)
        if old is None:
            if absolute is None and "." in posixpath.basename(path):
                return None, f"{url} (not a file or page of the old blog)"
            return None, None
        new = self.target(old)
        return (new + suffix if new else None), None


# --- Scanners -------------------------------------------------------------------------------


def _lines(text: str):
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def fenced_code_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``` / ~~~ fenced code blocks (Markdown)."""
    ranges, start, fence = [], None, ""
    for offset, line in _lines(text):
        stripped = line.lstrip()
        if start is None:
            for mark in ("```", "~~~"):
                if stripped.startswith(mark):
                    start, fence = offset, mark
                    break
        elif stripped.startswith(fence):
            ranges.append((start, offset + len(line)))
            start = None
    if start is not None:
        ranges.append((start, len(text)))
    return ranges


def _inside(position: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in ranges)


def _run(text: str, start: int, stops=_STOP) -> int:
    end = start
    length = len(text)
    while end < length and text[end] not in stops:
        end += 1
    return end


def link_spans(text: str, fmt: str) -> list[tuple[int, int]]:
    """(start, end) of every link/image target in `text` (Markdown, reST or HTML).

    Each scanner below walks the text once with str.find and a character run (no regex),
    so the whole is linear in the length of the post.
    """
    spans: set[tuple[int, int]] = set()
    # HTML attributes, in every format (raw HTML is common in Markdown and reST posts).
    _html_attribute_spans(text, spans)
    if fmt == "markdown":
        _markdown_inline_spans(text, spans)
        _markdown_reference_spans(text, spans)
    elif fmt == "rst":
        _rst_inline_spans(text, spans)
        _rst_line_spans(text, spans)
    return sorted(spans)


_BLANKS = frozenset(" \t")
_WORD_STOPS = frozenset(" \t\r\n")
_ANGLE_WORD_STOPS = _WORD_STOPS | {"<", ">"}


def _word_after_blanks(text: str, start: int, spans: set, *, in_angles: bool = False) -> None:
    """Add the target after the blanks at `start` (up to white space), if not empty.

    in_angles: Markdown's `[ref]: <url>` form, where one leading '<' is skipped and '<'/'>' end it.
    """
    length = len(text)
    while start < length and text[start] in _BLANKS:
        start += 1
    stops = _WORD_STOPS
    if in_angles:
        stops = _ANGLE_WORD_STOPS
        if start < length and text[start] == "<":
            start += 1
    end = _run(text, start, stops)
    if end > start:
        spans.add((start, end))


def _html_attribute_spans(text: str, spans: set) -> None:
    """src="…" / href='…' (either case), up to the closing quote on the same line."""
    length = len(text)
    for name in ("src=", "href=", "SRC=", "HREF="):
        for quote in "\"'":
            opener = name + quote
            pos = text.find(opener)
            while pos != -1:
                start = pos + len(opener)
                end = _run(text, start, (quote, "\n", "<", ">"))
                if end < length and text[end] == quote and end > start:
                    spans.add((start, end))
                pos = text.find(opener, end)


def _markdown_inline_spans(text: str, spans: set) -> None:
    """[label](target) and [label](<target>)."""
    length = len(text)
    pos = text.find("](")
    while pos != -1:
        start = pos + 2
        if start < length and text[start] == "<":
            end = _run(text, start + 1, set("<>\n"))
            if end < length and text[end] == ">":
                spans.add((start + 1, end))
        else:
            end = _run(text, start)
            if end > start:
                spans.add((start, end))
        pos = text.find("](", max(end, pos + 2))


def _markdown_reference_spans(text: str, spans: set) -> None:
    """Reference definitions: a line `[name]: target` (or `<target>`)."""
    for offset, line in _lines(text):
        stripped = line.lstrip()
        if not stripped.startswith("["):
            continue
        close = stripped.find("]:")
        if close > 1:
            start = offset + (len(line) - len(stripped)) + close + 2
            _word_after_blanks(text, start, spans, in_angles=True)


def _rst_inline_spans(text: str, spans: set) -> None:
    """`label <target>`_ : the target between < and >, followed by a backquote."""
    length = len(text)
    pos = text.find("<")
    while pos != -1:
        end = _run(text, pos + 1, set("<>\n"))
        if end < length and text[end] == ">" and text[end + 1 : end + 2] == "`" and end > pos + 1:
            spans.add((pos + 1, end))
        pos = text.find("<", max(end, pos + 1))


def _rst_line_spans(text: str, spans: set) -> None:
    """`.. image::`, `.. figure::`, `:target:` and `.. _name: target` lines."""
    for offset, line in _lines(text):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        for prefix in (".. image::", ".. figure::", ":target:"):
            if stripped.startswith(prefix):
                _word_after_blanks(text, offset + indent + len(prefix), spans)
        if stripped.startswith(".. _") and not stripped.startswith(".. __"):
            colon = stripped.find(": ", 4)
            if colon != -1:
                _word_after_blanks(text, offset + indent + colon + 2, spans)


@dataclass
class FileChanges:
    text: str
    links: int = 0
    converted: list[str] = field(default_factory=list)  # "{% img %} → Markdown image"
    problems: list[str] = field(default_factory=list)  # links that could not be resolved
    liquid_needs: dict[str, str] = field(default_factory=dict)  # tag -> provider
    directives: dict[str, str] = field(default_factory=dict)  # unknown reST directive -> advice
    header_edits: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # "2014-10-1 → 2014-10-01"
    roles: list[str] = field(default_factory=list)  # unknown reST roles, declared as code


def rewrite_links(changes: FileChanges, fmt: str, resolver: Resolver, source_old: str, base_url: str) -> None:
    text = changes.text
    code = fenced_code_ranges(text) if fmt == "markdown" else []
    pieces, last = [], 0
    for start, end in link_spans(text, fmt):
        if start < last or _inside(start, code):
            continue
        new, problem = resolver.rewrite(text[start:end], source_old, base_url)
        if problem:
            changes.problems.append(problem)
        if new is not None:
            pieces += [text[last:start], new]
            last = end
            changes.links += 1
    changes.text = "".join(pieces) + text[last:]


# --- Liquid tags and reST directives ----------------------------------------------------------


def _split_quoted(rest: str) -> list[str]:
    """`"a b" "c"` → ["a b", "c"]; unquoted text → [text]."""
    rest = rest.strip()
    if not rest.startswith(("\"", "'")):
        return [rest] if rest else []
    parts, pos = [], 0
    while pos < len(rest):
        quote = rest[pos]
        if quote not in "\"'":
            parts.append(rest[pos:].strip())
            break
        close = rest.find(quote, pos + 1)
        if close == -1:
            parts.append(rest[pos + 1 :])
            break
        parts.append(rest[pos + 1 : close])
        pos = close + 1
        while pos < len(rest) and rest[pos] == " ":
            pos += 1
    return parts


def _img_markdown(args: str, rewrite) -> str | None:
    tokens = args.split()
    index = next(
        (i for i, t in enumerate(tokens) if t.startswith(("http://", "https://", "/", "{", "|")) or "/" in t or "." in t),
        None,
    )
    if index is None:
        return None
    src = tokens[index]
    rest = tokens[index + 1 :]
    while rest and rest[0].isdigit():
        rest = rest[1:]
    texts = _split_quoted(" ".join(rest))
    title = texts[0] if texts else ""
    alt = texts[1] if len(texts) > 1 else title
    src = rewrite(src) or src
    alt = alt.replace("[", "(").replace("]", ")")
    title_part = f' "{title.replace(chr(34), chr(39))}"' if title else ""
    return f"![{alt}]({src}{title_part})"


def convert_liquid(changes: FileChanges, rewrite) -> None:
    """Convert the liquid tags we can, note the others (Markdown and HTML posts)."""
    text = changes.text
    code = fenced_code_ranges(text)
    pieces, last = [], 0
    for tag in find_liquid_tags(text):
        if _inside(tag.start, code):
            continue
        replacement = None
        words = tag.args.split()
        if tag.name == "img":
            replacement = _img_markdown(tag.args, rewrite)
        elif tag.name in ("youtube", "vimeo") and words:
            label, pattern = RST_EMBEDS[tag.name]
            replacement = f"[{label}]({pattern.format(id=words[0])})"
        elif tag.name == "gist" and words:
            replacement = f"[See the code on GitHub Gist](https://gist.github.com/{words[0]})"
        if replacement is not None:
            pieces += [text[last : tag.start], replacement]
            last = tag.end
            changes.converted.append(f"{{% {tag.name} %}}")
        else:
            changes.liquid_needs[tag.name] = provider(tag.name)
    changes.text = "".join(pieces) + text[last:]


def known_rst_directives() -> set[str]:
    """Names of the reST directives a build can read: docutils' own and those registered
    (Pelican's code-block and sourcecode)."""
    import pelican.rstdirectives  # noqa: F401  (registers code-block, sourcecode)
    from docutils.parsers.rst import directives

    # docutils lists its directives only in these two tables: its public `directive()` looks
    # one name up and needs a parsed document to report to.
    builtin = directives._directive_registry  # noqa: SLF001 - no public list of built-in directives
    registered = directives._directives  # noqa: SLF001 - nor of registered ones
    return set(builtin) | set(registered)


def convert_rst_directives(changes: FileChanges, known: set[str]) -> None:
    """`.. youtube:: ID` / `.. vimeo:: ID` become links; other unknown directives are noted."""
    out, skipping = [], False
    for _, line in _lines(changes.text):
        stripped = line.lstrip()
        if skipping:
            if not stripped.strip() or line[:1] in " \t":
                continue  # the directive's options and body
            skipping = False
        if stripped.startswith(".. ") and "::" in stripped:
            name = stripped[3 : stripped.find("::")].strip()
            if name and " " not in name and name.lower() not in known and not name.startswith(("_", "|")):
                arg = stripped[stripped.find("::") + 2 :].strip()
                if name.lower() in RST_EMBEDS and arg:
                    label, pattern = RST_EMBEDS[name.lower()]
                    indent = line[: len(line) - len(stripped)]
                    out.append(f"{indent}`{label} <{pattern.format(id=arg.split()[0])}>`__\n\n")
                    changes.converted.append(f".. {name}::")
                    skipping = True
                    continue
                changes.directives[name] = "needs a reST directive we do not load"
        out.append(line)
    changes.text = "".join(out)


def known_rst_roles() -> set[str]:
    """Names of the reST roles a build can read: docutils' own (canonical and English
    names) and those registered by Pelican (abbr). Asked before any old file is parsed:
    a document's own `.. role::` lands in the same process-wide table."""
    import pelican.rstdirectives  # noqa: F401  (registers abbr)
    from docutils.parsers.rst import roles
    from docutils.parsers.rst.languages import en

    # No public list here either: the registry tables are docutils' only record.
    return set(roles._role_registry) | set(roles._roles) | set(en.roles)  # noqa: SLF001


_ROLE_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+:")


def rst_roles_used(text: str) -> list[str]:
    """Role names written `:name:`text`` (or `:domain:name:`) in a reST text, in order
    of first use. From each colon-backquote the name is read backwards, at most 64
    characters, so every character is looked at a bounded number of times."""
    names: dict[str, None] = {}
    index = text.find(":`")
    while index != -1:
        start = index - 1
        while start >= 0 and index - start <= 64 and text[start] in _ROLE_NAME:
            start -= 1
        # text[start] is what precedes the role (or start is -1: the text's start)
        if index - start <= 64 and text[start + 1] == ":" and start + 2 < index:
            name = text[start + 2 : index]
            if name[0].isalnum():
                names.setdefault(name, None)
        index = text.find(":`", index + 2)
    return list(names)


def declare_rst_roles(changes: FileChanges, known: set[str]) -> None:
    """Roles the old blog's plugins provided (`:py:`x = 1``) are declared as code roles
    (`.. role:: py(code)`) after the file's field list: the text keeps its markup and
    renders as <code>, where an unknown role stops the build."""
    text = changes.text
    defined = {line.strip()[len(".. role::"):].split("(")[0].strip() for line in text.splitlines()
               if line.strip().startswith(".. role::")}
    unknown = [n for n in rst_roles_used(text) if n.lower() not in known and n not in defined]
    if not unknown:
        return
    spans = header_line_spans(text, "rst", None)
    if not spans:
        changes.directives.update({f"role :{n}:": "needs a reST role we do not load" for n in unknown})
        return
    end = spans[-1][1]
    newline = "\r\n" if text[spans[-1][0] : end].endswith("\r\n") else "\n"
    lead = "" if text[end - len(newline) : end] == newline else newline
    block = lead + newline + "".join(f".. role:: {n}(code){newline}" for n in unknown)
    changes.text = text[:end] + block + text[end:]
    changes.roles.extend(unknown)


def normal_date(value: str) -> str | None:
    """A Date:/Modified: value Pelican reads but our build refuses (`2014-10-1`,
    `2014-06-06 2:00`), written in the ISO form both read the same; None when the
    value is fine as it is, or when Pelican could not read it either."""
    from pelican.utils import get_date

    from plugins.post_checks.values import check_date

    if check_date("Date", value) is None:
        return None
    try:
        moment = get_date(value.strip())
    except (ValueError, OverflowError, TypeError):
        return None
    text = moment.strftime("%Y-%m-%d")
    if ":" in value or moment.hour or moment.minute or moment.second:
        text += moment.strftime(" %H:%M") + (moment.strftime(":%S") if moment.second else "")
    offset = moment.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        text += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return text if check_date("Date", text) is None else None


def date_edits(changes: FileChanges, fmt: str, header_end: int | None) -> dict:
    """edit_header() edits that rewrite each Date:/Modified: line normal_date() can fix."""
    edits = {}
    text = changes.text
    for start, end, key in header_line_spans(text, fmt, header_end):
        if key not in ("date", "modified"):
            continue
        line = text[start:end]
        value = line[line.find(":", 1) + 1 :] if fmt == "rst" else line.partition(":")[2]
        fixed = normal_date(value)
        if fixed is not None:
            edits[key] = (key.capitalize(), fixed)
            changes.dates.append(f"{value.strip()} → {fixed}")
    return edits


# --- Metadata lines ---------------------------------------------------------------------------


def header_line_spans(text: str, fmt: str, header_end: int | None) -> list[tuple[int, int, str]]:
    """(start, end, key) of each metadata line: Markdown up to header_end; reST field lines
    of the document's opening field list."""
    spans = []
    if fmt == "markdown":
        for offset, line in _lines(text[: header_end or 0]):
            key, sep, _ = line.partition(":")
            if sep and key.strip() and line[:1] not in " \t":
                spans.append((offset, offset + len(line), key.strip().lower()))
    elif fmt == "rst":
        seen_field = False
        for offset, line in _lines(text):
            if line.startswith(":") and line.find(":", 1) > 1:
                seen_field = True
                spans.append((offset, offset + len(line), line[1 : line.find(":", 1)].strip().lower()))
            elif seen_field and line.strip() and line[:1] not in " \t":
                break
            elif offset > 4000:
                break
    return spans


def edit_header(
    changes: FileChanges, fmt: str, header_end: int | None, edits: dict[str, tuple[str, str] | None]
) -> None:
    """Drop (None) or replace with (Key, value) the metadata lines whose key is in `edits`."""
    text = changes.text
    pieces, last = [], 0
    for start, end, key in header_line_spans(text, fmt, header_end):
        if key not in edits:
            continue
        replacement = edits[key]
        newline = "\r\n" if text[start:end].endswith("\r\n") else "\n"
        line = ""
        if replacement:
            name, value = replacement
            line = (f":{name.lower()}: {value}" if fmt == "rst" else f"{name}: {value}") + newline
        pieces += [text[last:start], line]
        last = end
        changes.header_edits.append(
            f"{text[start:end].strip()} → {line.strip()}" if line else f"{text[start:end].strip()} dropped"
        )
    changes.text = "".join(pieces) + text[last:]
