"""A many-tag corpus: what our build writes for a blog with a thousand tags, against bare Pelican.

A real imported blog had 1077 tags; with a feed pair per tag its feeds took 104 MB
in 2213 files, bare Pelican's whole site 14 MB. Tag feeds are bounded by
SITE_FEEDS["TAG_MIN_POSTS"] (default 2): this prints the output's size and file
count, and the feeds' share of it, for both builds of the same corpus, and the
build times as a ratio (the figures that count on a shared machine).

    python -m benchmarks.tags --posts 400 --tags 1000
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

from benchmarks.corpus import write_corpus
from benchmarks.run import (
    BARE_SETTINGS,
    PY,
    ROOT,
    SITE_SETTINGS,
    bench_env,
    timed,
    write_send_record,
)


def add_rare_tags(content: Path, tags: int, seed: int) -> int:
    """Give each post 1–3 tags from a pool of `tags`, most of them used once or twice."""
    rng = random.Random(seed)
    used = set()
    for path in sorted((content / "posts").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        extra = [f"topic-{rng.randrange(tags):04d}" for _ in range(rng.randint(1, 3))]
        used.update(extra)
        head, _, body = text.partition("\n\n")
        lines = [
            f"{line}, {', '.join(extra)}" if line.startswith("Tags: ") else line
            for line in head.splitlines()
        ]
        path.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")
    return len(used)


def tree_size(root: Path, under: str = "") -> tuple[int, float]:
    base = root / under if under else root
    files = [p for p in base.rglob("*") if p.is_file()] if base.exists() else []
    return len(files), round(sum(p.stat().st_size for p in files) / 2**20, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="connected-tags-"))
    try:
        content = write_corpus(work / "content", args.posts, args.seed)
        distinct = add_rare_tags(content, args.tags, args.seed)
        write_send_record(work / "send-record.json", args.posts, args.seed)
        (work / "bare.py").write_text(BARE_SETTINGS, encoding="utf-8")
        (work / "site.py").write_text(
            SITE_SETTINGS.format(
                base="pelicanconf", output=str(work / "output"), cache=str(work / "cache"),
                editions=str(work / "build" / "editions"), record=str(work / "send-record.json"),
                outbox=str(work / "outbox"), root=str(ROOT), content=str(content),
                theme=str(ROOT / "theme"), plugins=str(ROOT / "plugins"),
            ),
            encoding="utf-8",
        )  # fmt: skip
        bare_out = work / "out-bare"
        bare = timed([PY, "-m", "pelican", str(content), "-s", str(work / "bare.py"), "-o", str(bare_out), "-q"],
                     work, check_file=bare_out / "index.html")  # fmt: skip
        ours = timed([PY, "-m", "scripts.build", "-s", str(work / "site.py")], ROOT, bench_env(),
                     check_file=work / "output" / "index.html")  # fmt: skip
        bare_files, bare_mb = tree_size(bare_out)
        our_files, our_mb = tree_size(work / "output")
        feed_files, feed_mb = tree_size(work / "output", "feeds")
        print(f"many-tag corpus: {args.posts} posts, {distinct} distinct rare tags (seed {args.seed})")
        print(f"  bare Pelican : {bare_files:5d} files {bare_mb:7.1f} MB  {bare['seconds']:6.1f} s")
        print(f"  ours (html)  : {our_files:5d} files {our_mb:7.1f} MB  {ours['seconds']:6.1f} s "
              f"({ours['seconds'] / bare['seconds']:.2f}x bare)")  # fmt: skip
        print(f"  of which feeds/: {feed_files} files, {feed_mb} MB (tag feeds only for tags with "
              "at least SITE_FEEDS['TAG_MIN_POSTS'] posts)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
