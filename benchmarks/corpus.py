"""Deterministic benchmark corpus: N realistic Markdown posts plus a page and images.

The same (posts, seed) always gives byte-identical files, so runs on different
machines build the same site. Dates lie in the past (from a fixed base, never
"now"), every post carries a Uuid and an explicit Summary, and bodies mix the
Markdown features a career blog uses: headings, lists, tables, fenced code,
internal `{filename}` links, external links and images.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import uuid
import zlib
from pathlib import Path

BASE_DATE = dt.datetime(2012, 1, 2, 8, 0)
# Posts the send record lacks: the newest few, as on a site that has been sending for years.
UNSENT_POSTS = 3
BENCH_SITEURL = "https://your-name.example"

CATEGORIES = ["Career", "Networking", "Writing", "Interviews", "Leadership", "Newsletter"]
TAGS = [
    "follow-up",
    "linkedin",
    "mentoring",
    "hiring",
    "interviews",
    "remote-work",
    "writing",
    "newsletter",
    "conferences",
    "introductions",
    "side-projects",
    "feedback",
    "promotion",
    "management",
    "salary",
    "portfolio",
    "public-speaking",
    "habits",
    "email",
    "coffee-chats",
    "alumni",
    "recruiters",
    "references",
    "negotiation",
]
WORDS = (
    "network colleague follow-up interview recruiter referral conversation coffee "
    "introduction message thank-you mentor manager team project career growth "
    "promotion feedback writing newsletter subscriber reader weekly monthly habit "
    "calendar reminder contact relationship trust generous specific concrete short "
    "useful honest question answer offer help share learn notice remember before "
    "after often rarely always never quickly slowly carefully simply clearly kind"
).split()
LANGS = ["python", "bash", "yaml", "json", "text"]
CODE = {
    "python": [
        "def follow_up(contact, days=7):",
        '    """Return the date to write again."""',
        "    last = contact.last_message_at",
        "    return last + timedelta(days=days)",
        "",
        "for person in sorted(people, key=lambda p: p.name):",
        "    if person.needs_follow_up():",
        '        print(f"Write to {person.name} about {person.topic}")',
    ],
    "bash": [
        "#!/bin/sh",
        "set -eu",
        'grep -c "Status: draft" content/posts/*.md || true',
        "make newpost TITLE='Notes from the meetup'",
    ],
    "yaml": ["reminders:", "  - name: quarterly check-in", "    every: 90d", "    notify: email"],
    "json": ['{"contact": "Sam", "last": "2024-03-01", "next": "2024-03-08"}'],
    "text": ["Hi Sam,", "", "Thanks again for the chat on Tuesday.", "", "Best, Alex"],
}


def _sentence(rng: random.Random, words: int | None = None) -> str:
    n = words or rng.randint(8, 18)
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", "!"])


def _paragraph(rng: random.Random, links: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(3, 6)):
        s = _sentence(rng)
        roll = rng.random()
        if roll < 0.15 and links:
            s += f" See [{rng.choice(WORDS)} notes]({{filename}}/posts/{rng.choice(links)}.md)."
        elif roll < 0.3:
            s += f" More in [this guide](https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 999)})."
        elif roll < 0.4:
            s = (
                s[:-1]
                + f", with *{rng.choice(WORDS)}* and **{rng.choice(WORDS)}** and `{rng.choice(WORDS)}`."
            )
        parts.append(s)
    return " ".join(parts)


def _table(rng: random.Random) -> str:
    rows = ["| Contact | Last message | Next step |", "|---|---|---|"]
    for i in range(rng.randint(3, 6)):
        rows.append(
            f"| {rng.choice(WORDS).title()} {i} | {rng.randint(1, 28)} days ago | {_sentence(rng, 4)} |"
        )
    return "\n".join(rows)


def _code(rng: random.Random) -> str:
    lang = rng.choice(LANGS)
    return "```" + lang + "\n" + "\n".join(CODE[lang]) + "\n```"


def _list(rng: random.Random, ordered: bool) -> str:
    items = []
    for i in range(rng.randint(3, 6)):
        marker = f"{i + 1}." if ordered else "-"
        items.append(f"{marker} {_sentence(rng, rng.randint(5, 12))}")
    return "\n".join(items)


def _body(rng: random.Random, index: int, links: list[str], images: int) -> str:
    blocks = [_paragraph(rng, links)]
    target = rng.randint(6000, 7600)
    size = len(blocks[0])
    section = 0
    while size < target:
        section += 1
        kind = section % 6
        if kind == 1:
            block = f"## {_sentence(rng, 4)[:-1]} {section}"
        elif kind == 2:
            block = _list(rng, ordered=rng.random() < 0.4)
        elif kind == 3:
            block = _table(rng)
        elif kind == 4:
            block = _code(rng)
        elif kind == 5:
            img = rng.randrange(images)
            block = f"![{_sentence(rng, 4)[:-1]}]({{static}}/images/figure-{img}.png)"
        else:
            block = f"### {_sentence(rng, 3)[:-1]}\n\n> {_sentence(rng)}"
        blocks.append(block)
        para = _paragraph(rng, links)
        blocks.append(para)
        size += len(block) + len(para) + 4
    return "\n\n".join(blocks) + "\n"


def post_slug(index: int) -> str:
    return f"post-{index:05d}"


def _post_head(index: int, seed: int):
    """The random generator (positioned after them), date, tags, title, links and Uuid of a post."""
    rng = random.Random(f"{seed}:{index}")
    date = BASE_DATE + dt.timedelta(hours=7 * index + rng.randint(0, 5), minutes=rng.randint(0, 59))
    tags = sorted(rng.sample(TAGS, rng.randint(2, 4)))
    title = _sentence(rng, rng.randint(4, 8))[:-1].title()
    links = [post_slug(j) for j in rng.sample(range(max(index, 1)), min(index, 3))] if index else []
    uid = uuid.UUID(int=rng.getrandbits(128), version=4)
    return rng, date, tags, title, links, uid


def render_post(index: int, seed: int = 1, images: int = 8) -> str:
    """The Markdown source of post `index` (deterministic)."""
    rng, date, tags, title, links, uid = _post_head(index, seed)
    header = [
        f"Title: {title} ({index})",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {rng.choice(CATEGORIES)}",
        f"Tags: {', '.join(tags)}",
        f"Slug: {post_slug(index)}",
        f"Uuid: {uid}",
        f"Summary: {_sentence(rng, 14)} It covers *{rng.choice(WORDS)}* and {rng.choice(WORDS)}.",
    ]
    if rng.random() < 0.2:
        header.append(f"Modified: {date + dt.timedelta(days=rng.randint(1, 30)):%Y-%m-%d %H:%M}")
    return "\n".join(header) + "\n\n" + _body(rng, index, links, images)


def _png(width: int, height: int, shade: int) -> bytes:
    """A tiny valid grey PNG (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    raw = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x00\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


ABOUT = """Title: About
Slug: about

I help engineering teams hire well and keep in touch with the people they meet.
This page exists so the benchmark builds a page as well as posts.
"""


def write_corpus(dest: Path, posts: int, seed: int = 1, images: int = 8) -> Path:
    """Write the corpus under dest (content root) and return dest."""
    dest = Path(dest)
    (dest / "posts").mkdir(parents=True, exist_ok=True)
    (dest / "pages").mkdir(parents=True, exist_ok=True)
    (dest / "images").mkdir(parents=True, exist_ok=True)
    (dest / "extra").mkdir(parents=True, exist_ok=True)
    for i in range(images):
        (dest / "images" / f"figure-{i}.png").write_bytes(_png(32, 16, 40 + 20 * i))
    (dest / "images" / "social-default.png").write_bytes(_png(64, 32, 90))
    (dest / "extra" / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    (dest / "pages" / "about.md").write_text(ABOUT, encoding="utf-8")
    for i in range(posts):
        (dest / "posts" / f"{post_slug(i)}.md").write_text(
            render_post(i, seed, images), encoding="utf-8"
        )
    return dest


def send_record(posts: int, seed: int = 1, unsent: int = UNSENT_POSTS) -> dict:
    """A send record (docs/ARCHITECTURE.md format) listing every post but the newest `unsent`.

    A site with years of posts has sent (or baselined) all of them but the
    newest few, so the newsletter renders email editions only for those few.
    Post dates grow with the index, so the newest are the highest indexes.
    """
    record = {"version": 1, "posts": {}}
    for i in range(max(posts - unsent, 0)):
        _rng, date, _tags, title, _links, uid = _post_head(i, seed)
        record["posts"][str(uid)] = {
            "status": "sent",
            "at": f"{date:%Y-%m-%dT%H:%M:00+00:00}",
            "backend": "baseline",
            "title": f"{title} ({i})",
            "url": f"{BENCH_SITEURL}/{date:%Y}/{post_slug(i)}/",
        }
    return record


def write_send_record(path: Path, posts: int, seed: int = 1, unsent: int = UNSENT_POSTS) -> Path:
    """Write send_record() to `path` as JSON (sorted keys, one post per line)."""
    record = send_record(posts, seed, unsent)
    lines = [
        f"    {json.dumps(key)}: {json.dumps(value, sort_keys=True)}"
        for key, value in sorted(record["posts"].items())
    ]
    text = '{"version": 1,\n "posts": {\n' + ",\n".join(lines) + "\n }}\n"
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the benchmark corpus.")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write_corpus(args.dest, args.posts, args.seed)
    print(f"wrote {args.posts} posts to {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
