"""`make bench LARGE=10000`: a one-post edit and the peak memory on a large site.

    python -m benchmarks.large --posts 10000

The same corpus generator and settings as benchmarks/run.py, at a size where
what is proportional to the site shows: `make html` cold (no output/, no
cache), then `make html` after one post's body was edited, three times (the
median is the figure). Peak memory is the
largest resident set of the build and of any child it waited for (ru_maxrss:
the biggest single process, not the sum; forked workers share their pages).
Targets (issue 14): one-post edit ≤ 3 s, peak memory ≤ 1 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.run import (
    RESULTS,
    BenchError,
    edit_post,
    machine,
    make_html,
    prepare,
    stop_warm,
    wait_warm,
)

TARGETS = {"edit_seconds": 3.0, "peak_rss_mib": 1024.0}
EDITS = 3  # one-post edits timed after the cold build; the median is the figure


def measure(posts: int, seed: int, workdir: Path) -> dict:
    prepare(workdir, posts, seed)
    stop_warm()
    cold = make_html(workdir)
    wait_warm()
    print(f"{posts} posts: make html cold {cold['seconds']:.1f} s, {cold['cpu_seconds']:.1f} CPU-s, "
          f"peak {cold['peak_rss_mib']:.0f} MiB", flush=True)  # fmt: skip
    # A writer saves and builds again and again, and one build on a shared machine can
    # be 40 % off the next: the median of EDITS is the figure, and the target must
    # hold for each of them.
    edits = []
    for n in range(EDITS):
        edit_post(workdir / "content", (posts // 2 + n) % posts, f"large site {n}")
        edits.append(make_html(workdir))
        print(f"{posts} posts: make html after a one-post edit ({n + 1}/{EDITS}) {edits[-1]['seconds']:.2f} s, "
              f"{edits[-1]['cpu_seconds']:.2f} CPU-s, peak {edits[-1]['peak_rss_mib']:.0f} MiB", flush=True)  # fmt: skip
    edit = sorted(edits, key=lambda run: run["seconds"])[len(edits) // 2]
    # The first one is reported on its own too: the one a writer waits for after `make clean`.
    print(f"{posts} posts: one-post edit, first after the cold build {edits[0]['seconds']:.2f} s, "
          f"median of {EDITS} {edit['seconds']:.2f} s", flush=True)  # fmt: skip
    peak = max(cold["peak_rss_mib"], *(run["peak_rss_mib"] for run in edits))
    return {
        "cold": cold,
        "edit": edit,
        "edits": edits,
        "meets": {
            # The target holds only if every edit, the first after the cold build too, met it.
            "edit_seconds": max(run["seconds"] for run in edits) <= TARGETS["edit_seconds"],
            "peak_rss_mib": peak <= TARGETS["peak_rss_mib"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.posts < 1:
        parser.error("--posts must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="connected-bench-large-"))
    info = machine()
    try:
        result = measure(args.posts, args.seed, workdir)
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info["loadavg_end"] = list(os.getloadavg())
    result = {
        "posts": args.posts,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": info,
        "targets": TARGETS,
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"large-{args.posts}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"targets: edit ≤ {TARGETS['edit_seconds']} s, peak ≤ 1 GiB: {result['meets']}")
    print(f"results: {path.relative_to(Path(__file__).resolve().parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
