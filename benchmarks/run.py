"""`make bench`: our full build against bare Pelican on the same generated corpus.

    python -m benchmarks.run --posts 1000 --runs 3

In one run, alternating round by round (so machine noise hits every variant alike):
  (a) bare     — `pelican content -s bare.py`: same Pelican, default theme and
                 settings, no plugins, no cache;
  (b) cold     — `pelican content -s ours.py`: publishconf.py (our theme, every
                 plugin) with fresh output and cache directories;
  (c) warm     — one post's body edited, then (b)'s command again on (b)'s output
                 and cache.
Every build is a real `pelican` subprocess. Medians, the ratios (b)/(a) and
(c)/(b), the feed and email-edition time (from fast_build's plugin timings),
peak memory and CPU time of each build go to benchmarks/results/*.json and a table.
With --posts above 1000, 1000-post cold builds are interleaved too, to report growth.

The corpus comes with a send record listing every post but the newest 3 (status
sent, backend baseline), as a site that has been sending for years has, so (b)
renders email editions only for those 3 (NEWSLETTER["EDITIONS"] = "unsent", the
default). One extra cold build with EDITIONS="all" reports, separately, what
rendering an edition for every post costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import UNSENT_POSTS, post_slug, write_corpus, write_send_record

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PELICAN = [sys.executable, "-m", "pelican"]

BARE_SETTINGS = '''"""Bare Pelican: default theme and settings, no plugins, no cache."""
PLUGINS = []
'''

OURS_SETTINGS = '''"""publishconf.py with the benchmark's directories (written by benchmarks/run.py)."""
import os
import sys

sys.path.insert(0, {root!r})

from publishconf import *  # noqa: F403

THEME = {theme!r}
PLUGIN_PATHS = [{plugins!r}]
CACHE_PATH = os.environ["BENCH_CACHE_PATH"]
NEWSLETTER = dict(NEWSLETTER)  # noqa: F405
NEWSLETTER["EDITIONS_PATH"] = os.environ["BENCH_EDITIONS_PATH"]
NEWSLETTER["OUTBOX_PATH"] = os.path.join(os.environ["BENCH_CACHE_PATH"], "outbox")
# The corpus's send record: every post but the newest few was sent long ago.
NEWSLETTER["RECORD_PATH"] = os.environ["BENCH_RECORD_PATH"]
if os.environ.get("BENCH_EDITIONS"):
    NEWSLETTER["EDITIONS"] = os.environ["BENCH_EDITIONS"]
'''

FEED_PLUGINS = ("site_feeds",)
EDITION_PLUGINS = ("newsletter",)


class BenchError(RuntimeError):
    """A build failed; the message holds the command and the tail of its output."""


def machine() -> dict:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        pelican_version = version("pelican")
    except Exception:
        pelican_version = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "pelican": pelican_version,
        "platform": platform.platform(),
        "loadavg_start": list(os.getloadavg()),
    }


def run_build(workdir: Path, settings: str, output: Path, env_extra: dict | None = None) -> dict:
    """One `pelican content -s <settings> -o <output>` run: wall/CPU seconds, peak RSS."""
    env = dict(os.environ)
    env.update(env_extra or {})
    cmd = [*PELICAN, "content", "-s", settings, "-o", str(output), "-q"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    log = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not (output / "index.html").exists():
        tail = log.decode(errors="replace")[-3000:]
        raise BenchError(f"{' '.join(cmd)} (in {workdir}) failed with {proc.returncode}:\n{tail}")
    # ru_maxrss (KiB on Linux) covers the build and the workers it waited for.
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def edit_post(content: Path, index: int, round_no: int) -> Path:
    """Change one post's body (not its metadata), as a writer fixing a paragraph would."""
    path = content / "posts" / f"{post_slug(index)}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + f"\nEdited in benchmark round {round_no}: one more sentence about follow-ups.\n",
        encoding="utf-8",
    )
    return path


def plugin_seconds(timings_file: Path, names, field: str = "plugins") -> float | None:
    """Wall ("plugins") or main-process CPU ("plugins_cpu") seconds of these plugins."""
    try:
        data = json.loads(timings_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = [v for k, v in data.get(field, {}).items() if k in names]
    return round(sum(found), 4) if found else None


def plugin_seconds_all(timings_file: Path) -> dict:
    try:
        return json.loads(timings_file.read_text(encoding="utf-8")).get("plugins_cpu", {})
    except (OSError, ValueError):
        return {}


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def ours_env(cache: Path, editions: Path, timings: Path, editions_mode: str = "") -> dict:
    return {
        "BENCH_CACHE_PATH": str(cache),
        "BENCH_EDITIONS_PATH": str(editions),
        "BENCH_RECORD_PATH": str(cache.parent / "send-record.json"),
        "BENCH_EDITIONS": editions_mode,
        "CONNECTED_BUILD_TIMINGS": str(timings),
    }


def editions_rendered(editions: Path) -> int | None:
    """How many posts of the manifest have edition files (the rest were already sent)."""
    try:
        manifest = json.loads((editions / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return sum(1 for entry in manifest.get("posts", []) if entry.get("files"))


def prepare(workdir: Path, posts: int, seed: int) -> Path:
    content = write_corpus(workdir / "content", posts, seed)
    write_send_record(workdir / "send-record.json", posts, seed)
    (workdir / "bare.py").write_text(BARE_SETTINGS, encoding="utf-8")
    (workdir / "ours.py").write_text(
        OURS_SETTINGS.format(
            root=str(ROOT), theme=str(ROOT / "theme"), plugins=str(ROOT / "plugins")
        ),
        encoding="utf-8",
    )
    return content


def run_ours_cold(
    workdir: Path, tag: str, editions_mode: str = ""
) -> tuple[dict, Path, Path, Path]:
    out, cache, editions = workdir / f"out-{tag}", workdir / f"cache-{tag}", workdir / f"ed-{tag}"
    for d in (out, cache, editions):
        shutil.rmtree(d, ignore_errors=True)
    timings = workdir / f"timings-{tag}.json"
    result = run_build(workdir, "ours.py", out, ours_env(cache, editions, timings, editions_mode))
    result["feeds_seconds"] = plugin_seconds(timings, FEED_PLUGINS)
    result["feeds_cpu_seconds"] = plugin_seconds(timings, FEED_PLUGINS, "plugins_cpu")
    result["editions_seconds"] = plugin_seconds(timings, EDITION_PLUGINS)
    result["editions_cpu_seconds"] = plugin_seconds(timings, EDITION_PLUGINS, "plugins_cpu")
    result["plugins_cpu"] = plugin_seconds_all(timings)
    result["editions_rendered"] = editions_rendered(editions)
    return result, out, cache, editions


def benchmark(posts: int, runs: int, seed: int, workdir: Path, growth_base: int | None) -> dict:
    content = prepare(workdir, posts, seed)
    base_dir = None
    if growth_base:
        base_dir = workdir / "growth-base"
        base_dir.mkdir()
        prepare(base_dir, growth_base, seed)
    rounds = []
    for i in range(1, runs + 1):
        bare_out = workdir / f"out-bare-{i}"
        shutil.rmtree(bare_out, ignore_errors=True)
        bare = run_build(workdir, "bare.py", bare_out)
        shutil.rmtree(bare_out, ignore_errors=True)
        cold, out, cache, editions = run_ours_cold(workdir, f"cold-{i}")
        edited = edit_post(content, (posts // 2 + i) % posts, i)
        timings = workdir / f"timings-warm-{i}.json"
        warm = run_build(workdir, "ours.py", out, ours_env(cache, editions, timings))
        warm["feeds_seconds"] = plugin_seconds(timings, FEED_PLUGINS)
        warm["editions_seconds"] = plugin_seconds(timings, EDITION_PLUGINS)
        warm["feeds_cpu_seconds"] = plugin_seconds(timings, FEED_PLUGINS, "plugins_cpu")
        for d in (out, cache, editions):
            shutil.rmtree(d, ignore_errors=True)
        row = {"round": i, "bare": bare, "cold": cold, "warm": warm, "edited": edited.name}
        if base_dir is not None:
            row["cold_base"], *dirs = run_ours_cold(base_dir, f"cold-{i}")
            for d in dirs:
                shutil.rmtree(d, ignore_errors=True)
        rounds.append(row)
        print(
            f"round {i}/{runs}: bare {bare['seconds']:.2f}s  cold {cold['seconds']:.2f}s  "
            f"warm {warm['seconds']:.2f}s"
            + (f"  cold@{growth_base} {row['cold_base']['seconds']:.2f}s" if base_dir else ""),
            flush=True,
        )

    # Not hidden: what rendering an edition for EVERY post costs (NEWSLETTER
    # EDITIONS="all", as a site with no send record yet would), once per run.
    all_editions, *dirs = run_ours_cold(workdir, "all-editions", editions_mode="all")
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    print(
        f"all editions: cold {all_editions['seconds']:.2f}s, "
        f"{all_editions['editions_rendered']} editions in {all_editions['editions_seconds']}s",
        flush=True,
    )

    def med(kind, field):
        return median([r[kind][field] for r in rounds])

    summary = {
        "bare_seconds": med("bare", "seconds"),
        "cold_seconds": med("cold", "seconds"),
        "warm_seconds": med("warm", "seconds"),
        "bare_cpu_seconds": med("bare", "cpu_seconds"),
        "cold_cpu_seconds": med("cold", "cpu_seconds"),
        "warm_cpu_seconds": med("warm", "cpu_seconds"),
        "feeds_seconds_cold": med("cold", "feeds_seconds"),
        "feeds_seconds_warm": med("warm", "feeds_seconds"),
        "feeds_cpu_seconds_cold": med("cold", "feeds_cpu_seconds"),
        "editions_cpu_seconds_cold": med("cold", "editions_cpu_seconds"),
        "editions_seconds_cold": med("cold", "editions_seconds"),
        "editions_seconds_warm": med("warm", "editions_seconds"),
        "editions_rendered_cold": med("cold", "editions_rendered"),
        "editions_unsent_in_corpus": min(UNSENT_POSTS, posts),
        "all_editions_cold_seconds": all_editions["seconds"],
        "all_editions_cold_cpu_seconds": all_editions["cpu_seconds"],
        "all_editions_rendered": all_editions["editions_rendered"],
        "all_editions_seconds": all_editions["editions_seconds"],
        "all_editions_cpu_seconds": all_editions["editions_cpu_seconds"],
        "all_editions_ms_per_post": (
            round(1000 * all_editions["editions_seconds"] / all_editions["editions_rendered"], 2)
            if all_editions["editions_seconds"] and all_editions["editions_rendered"]
            else None
        ),
        "peak_rss_mib_bare": max(r["bare"]["peak_rss_mib"] for r in rounds),
        "peak_rss_mib_cold": max(r["cold"]["peak_rss_mib"] for r in rounds),
        "peak_rss_mib_warm": max(r["warm"]["peak_rss_mib"] for r in rounds),
    }
    summary["cold_over_bare"] = round(summary["cold_seconds"] / summary["bare_seconds"], 3)
    summary["warm_over_cold"] = round(summary["warm_seconds"] / summary["cold_seconds"], 3)
    # Paired: each round's builds ran back to back, so their ratio cancels most
    # of the drift of a shared machine; the median of those is the steadier figure.
    summary["cold_over_bare_paired"] = median(
        [r["cold"]["seconds"] / r["bare"]["seconds"] for r in rounds]
    )
    summary["warm_over_cold_paired"] = median(
        [r["warm"]["seconds"] / r["cold"]["seconds"] for r in rounds]
    )
    if summary["editions_seconds_cold"] is not None:
        # What the site alone costs: the email editions are rendered in the same
        # build but are not part of bare Pelican's work at all.
        summary["cold_without_editions_over_bare"] = round(
            (summary["cold_seconds"] - summary["editions_seconds_cold"]) / summary["bare_seconds"],
            3,
        )
    if base_dir is not None:
        summary["growth_base_posts"] = growth_base
        summary["cold_seconds_base"] = median([r["cold_base"]["seconds"] for r in rounds])
        summary["growth_ratio"] = round(summary["cold_seconds"] / summary["cold_seconds_base"], 2)
        # CPU seconds are much less sensitive to other jobs on a shared machine.
        cpu_base = median([r["cold_base"]["cpu_seconds"] for r in rounds])
        summary["cold_cpu_seconds_base"] = cpu_base
        summary["growth_ratio_cpu"] = round(summary["cold_cpu_seconds"] / cpu_base, 2)
    return {"rounds": rounds, "all_editions": all_editions, "summary": summary}


TARGETS = {
    "cold_over_bare": ("≤", 0.9),
    "warm_over_cold": ("≤", 0.25),
    "feeds_seconds_cold": ("≤", 0.3),
    "growth_ratio": ("≤", 11.0),
    "peak_rss_mib_cold": ("≤", 1024.0),
}


def table(result: dict) -> str:
    s = result["summary"]
    lines = [
        f"Connected build benchmark — {result['posts']} posts, {result['runs']} runs "
        f"(medians), {result['machine']['nproc']} CPUs {result['machine']['cpu']}, "
        f"Python {result['machine']['python']}, Pelican {result['machine']['pelican']}",
        f"Send record: every post but the newest {s['editions_unsent_in_corpus']} (as on a site "
        "sending for years); email editions are rendered only for posts not yet sent.",
        f"{'figure':<52}{'value':>12}  target",
    ]
    rows = [
        ("bare Pelican (a)", s["bare_seconds"], "s"),
        ("ours cold (b)", s["cold_seconds"], "s"),
        ("ours warm, 1 edit (c)", s["warm_seconds"], "s"),
        ("(b)/(a)", s["cold_over_bare"], "cold_over_bare"),
        ("(c)/(b)", s["warm_over_cold"], "warm_over_cold"),
        ("(b)/(a) paired by round", s["cold_over_bare_paired"], "cold_over_bare"),
        ("(c)/(b) paired by round", s["warm_over_cold_paired"], "warm_over_cold"),
        ("((b) - editions)/(a)", s.get("cold_without_editions_over_bare"), ""),
        ("feeds, cold build (wall)", s["feeds_seconds_cold"], "feeds_seconds_cold"),
        (
            "feeds, cold build (CPU s, main process)",
            s["feeds_cpu_seconds_cold"],
            "feeds_seconds_cold",
        ),
        (
            f"email editions: {s['editions_rendered_cold']} rendered (posts not yet sent)",
            s["editions_seconds_cold"],
            "s",
        ),
        ("  (CPU s)", s["editions_cpu_seconds_cold"], "s"),
        ("email editions, warm", s["editions_seconds_warm"], "s"),
        (
            f"ALL {s['all_editions_rendered']} editions (EDITIONS=all), cold build",
            s["all_editions_cold_seconds"],
            "s",
        ),
        ("  of which email editions", s["all_editions_seconds"], "s"),
        ("  of which email editions (CPU s)", s["all_editions_cpu_seconds"], "s"),
        ("  per edition", s["all_editions_ms_per_post"], "ms"),
        (
            "CPU s bare / cold / warm",
            f"{s['bare_cpu_seconds']}/{s['cold_cpu_seconds']}/{s['warm_cpu_seconds']}",
            "",
        ),
        ("peak RSS MiB bare", s["peak_rss_mib_bare"], ""),
        ("peak RSS MiB cold", s["peak_rss_mib_cold"], "peak_rss_mib_cold"),
        ("peak RSS MiB warm", s["peak_rss_mib_warm"], ""),
    ]
    if "growth_ratio" in s:
        rows.append((f"ours cold @{s['growth_base_posts']} posts", s["cold_seconds_base"], "s"))
        rows.append(
            (
                f"growth {result['posts']}/{s['growth_base_posts']}",
                s["growth_ratio"],
                "growth_ratio",
            )
        )
    for label, value, key in rows:
        target = ""
        if key in TARGETS and value is not None:
            op, limit = TARGETS[key]
            target = f"{op} {limit}  {'met' if value <= limit else 'MISSED'}"
        shown = "n/a" if value is None else value
        lines.append(f"{label:<52}{shown!s:>12}  {target}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--growth-base",
        type=int,
        default=None,
        help="also time cold builds of this many posts (default 1000 when --posts > 1000)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.posts < 1:
        parser.error("--posts and --runs must be at least 1")
    growth_base = args.growth_base or (1000 if args.posts > 1000 else None)

    workdir = Path(tempfile.mkdtemp(prefix="connected-bench-"))
    info = machine()
    print(f"benchmark: {args.posts} posts, {args.runs} runs, work dir {workdir}", flush=True)
    try:
        result = benchmark(args.posts, args.runs, args.seed, workdir, growth_base)
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        print(f"(work dir kept: {workdir})", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    info["loadavg_end"] = list(os.getloadavg())
    result = {
        "posts": args.posts,
        "runs": args.runs,
        "seed": args.seed,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": info,
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{args.posts}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"latest-{args.posts}.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )
    print(table(result))
    print(f"results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
