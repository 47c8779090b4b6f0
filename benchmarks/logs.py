"""Access-log reading speed and memory: `python -m benchmarks.logs --mb 200`.

Writes a seeded combined-format log of about --mb megabytes (a realistic mix:
assets, posts, other pages, feeds polled by aggregators and readers, bots,
404s, a few malformed lines), reads it with scripts/stats_logs.py in a fresh
process — as `make stats` does (a large file in worker processes) and, paired on the same
log, forced serial — and prints MB/s, the CPU time of the whole process tree and its peak
resident memory (the reader and its workers together, sampled from /proc). The target
(issue 16): at least 100 MB/s, and at most 200 MiB for 1 GB of log.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

POSTS = 60
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{v} Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel {v}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0 Mobile Safari/537.36",
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "python-requests/2.31.0",
    "curl/8.5.0",
]
REFERRERS = ["-", "-", "-", "https://www.linkedin.com/", "https://lnkd.in/abc", "https://www.google.com/",
             "https://duckduckgo.com/", "https://news.ycombinator.com/item?id=1", "https://example.org/blog/"]


def generate(path: Path, megabytes: float, seed: int = 7) -> int:
    """Write about `megabytes` of log to `path`; return the number of lines."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    agents = [b.format(v=rng.randint(100, 130)) for b in BROWSERS for _ in range(200)]
    agents = list(dict.fromkeys(agents))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    written = lines = 0
    moment = start
    with open(path, "w", encoding="utf-8") as out:
        batch = []
        while written < target:
            moment += timedelta(seconds=rng.random() * 2)
            stamp = moment.strftime("%d/%b/%Y:%H:%M:%S +0000")
            addr = f"198.51.{rng.randint(0, 40)}.{rng.randint(1, 254)}"
            roll = rng.random()
            agent = rng.choice(agents)
            referrer = "-"
            status = 200
            if roll < 0.40:
                path_ = rng.choice(["/theme/css/site.css", "/theme/js/x.js", "/images/network-map.png",
                                    "/favicon.ico", "/images/social-default.png"])
            elif roll < 0.70:
                path_ = f"/2026/post-{rng.randrange(POSTS):02d}/"
                if rng.random() < 0.1:
                    path_ += "?ref=newsletter"
                referrer = rng.choice(REFERRERS)
            elif roll < 0.78:
                path_ = rng.choice(["/", "/archives.html", "/pages/about/", "/tag/networking.html"])
            elif roll < 0.88:
                path_ = "/feeds/all.atom.xml"
                agent = rng.choice([f"Feedly/1.0 (+http://www.feedly.com/fetcher.html; {rng.randint(40, 60)} subscribers)",
                                    "NetNewsWire (RSS Reader; https://netnewswire.com/)", agent])
                status = rng.choice([200, 304])
            elif roll < 0.97:
                path_ = f"/2026/post-{rng.randrange(POSTS):02d}/"
                agent = rng.choice(BOTS)
            elif roll < 0.995:
                path_ = "/wp-login.php"
                status = 404
            else:
                batch.append("garbage line without structure\n")
                continue
            line = (f'{addr} - - [{stamp}] "GET {path_} HTTP/1.1" {status} {rng.randint(200, 90000)} '
                    f'"{referrer}" "{agent}"\n')
            batch.append(line)
            if len(batch) >= 5000:
                text = "".join(batch)
                out.write(text)
                written += len(text)
                lines += len(batch)
                batch = []
        text = "".join(batch)
        out.write(text)
        lines += len(batch)
    return lines


def measure(path: Path, serial: bool) -> dict:
    """Read `path` once (this process and its workers); seconds, CPU seconds, bytes, peak RSS."""
    import scripts.stats_logs as stats_logs
    from scripts.stats_logs import build_site_map, read_logs

    if serial:
        stats_logs.PARALLEL_MIN = 1 << 62
    site = build_site_map({f"uuid-{i}": f"/2026/post-{i:02d}/" for i in range(POSTS)},
                          ["feeds/all.atom.xml", "feeds/all.rss.xml"], "https://example.com")
    began, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    result, _ = read_logs([path], site, None, timezone=UTC, today=date(2027, 1, 1))
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu + _children_cpu() - children  # the workers' time too
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "bytes": result.bytes_read, "lines": result.lines_read,
            "malformed": result.new_malformed, "days": len(result.days),
            "self_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "child_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_rss_kib(root: int) -> int:
    """The summed resident memory of `root` and its descendants (Linux /proc; 0 elsewhere).
    Pages a fork shares are counted in every process: an upper bound, never an under-count."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue  # it ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def run_measure(path: Path, serial: bool) -> dict:
    """measure() in a fresh process (so the peak RSS is the reader's, not the generator's),
    sampling the RSS of its process tree every 50 ms."""
    command = [sys.executable, "-m", "benchmarks.logs", "--measure", str(path)] + (["--serial"] if serial else [])
    load_before = os.getloadavg()[0]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss_kib(child.pid))
        time.sleep(0.05)
    out, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"the measuring process failed (exit {child.returncode})")
    return {**json.loads(out), "tree_rss_mib": peak / 1024, "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def report(figures: dict, mode: str) -> str:
    rate = figures["bytes"] / 1e6 / figures["seconds"]
    cpu_rate = figures["bytes"] / 1e6 / max(figures["cpu_seconds"], 1e-9)
    # CPU time and the load too: on a shared machine, wall time measures the neighbours as well.
    return (f"access logs ({mode}): {figures['bytes'] / 1e6:.0f} MB, {figures['lines']:,} lines in "
            f"{figures['seconds']:.2f} s = {rate:.0f} MB/s wall ({cpu_rate:.0f} MB per CPU-second of the process "
            f"tree, {figures['cpu_seconds'] / figures['bytes'] * 1e9:.1f} CPU-ms per MB); peak RSS "
            f"{figures['tree_rss_mib']:.0f} MiB for the process tree (reader {figures['self_rss_mib']:.0f} MiB, "
            f"largest worker {figures['child_rss_mib']:.0f} MiB; {figures['days']} days, "
            f"{figures['malformed']:,} malformed lines skipped); load average {figures['load_before']:.1f} "
            f"before, {figures['load_after']:.1f} after on {os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.logs", description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="size of the generated log (default 200)")
    parser.add_argument("--log", help="read this log instead of generating one")
    parser.add_argument("--mode", choices=["both", "parallel", "serial"], default="both",
                        help="read as make stats does (parallel), forced serial, or both, paired (default)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--serial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.serial)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-logs-") as scratch:
        if args.log:
            path = Path(args.log)
        else:
            path = Path(scratch) / "access.log"
            began = time.perf_counter()
            lines = generate(path, args.mb)
            print(f"generated {path.stat().st_size / 1e6:.0f} MB ({lines:,} lines) in "
                  f"{time.perf_counter() - began:.0f} s", file=sys.stderr)
        modes = ["parallel", "serial"] if args.mode == "both" else [args.mode]
        for mode in modes:
            print(report(run_measure(path, mode == "serial"), mode), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
