"""`make bench`: the commands a writer runs, against bare Pelican, on one generated corpus.

    python -m benchmarks.run --posts 1000 --runs 3

Every figure is a real subprocess, run the way the Makefile runs it (cwd the
project root), with the bench's own settings file pointing at the corpus:
  bare         `pelican content -s bare.py`: the same Pelican, its default theme
               and settings, no plugins, no cache, a fresh output directory —
               the reference every ratio is taken against;
  html cold    `python -m scripts build -s site.py` (what `make html` runs) with
               no output/, no cache and no warm process (scripts/warm.py);
  html edit    the same after one post's body was edited (each round times
               --rebuilds edit/build/publish cycles and keeps the median: one
               2–3 s build can be 40 % off the next on a shared machine), forked
               from the warm process the cold build started, as a writer's is
               (`make publish` always runs in its own process);
  publish      `python -m scripts publish` (what `make publish` runs) with a
               send record listing every post — nothing new to send — the
               outbox backend (no API key) and no deploy target, right after
               the html edit (so its production build has that edit to make);
  devserver    `python -m scripts.devserver`: save a post, then poll the post's
               URL over HTTP until the served page has the change (median of
               --edits saves), and the time from start to the first page served;
  hugo         where `hugo` is installed: `hugo` cold on the same corpus in YAML
               front matter with minimal templates (benchmarks/hugo.py), and
               `hugo server`'s save → served latency, measured the same way.
Rounds alternate the variants so machine noise hits all of them alike; each
round's ratios are paired (taken within the round) and their median reported.
CPU seconds are those of the process and every child it waited for, plus those
of a command forked from the warm process, which reports them (the background
deletion of a replaced output tree is not waited for: not counted).
The corpus's send record lists every post but the newest 3 for the html builds.
Results: a table on stdout, JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.corpus import post_slug, write_corpus, write_send_record
from scripts import warm

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PY = sys.executable

BARE_SETTINGS = '''"""Bare Pelican: default theme and settings, no plugins, no cache."""
PLUGINS = []
'''

# The writer's settings files, pointed at the bench's corpus and directories.
SITE_SETTINGS = '''"""{base} with the benchmark's directories (written by benchmarks/run.py)."""
from pathlib import Path

from connected.site_settings import settings_in

base = settings_in(Path({root!r}) / "{base}.py")
globals().update(base)

PATH = {content!r}
OUTPUT_PATH = {output!r}
CACHE_PATH = {cache!r}
THEME = {theme!r}
PLUGIN_PATHS = [{plugins!r}]
NEWSLETTER = dict(base["NEWSLETTER"])
NEWSLETTER["EDITIONS_PATH"] = {editions!r}
NEWSLETTER["RECORD_PATH"] = {record!r}
NEWSLETTER["OUTBOX_PATH"] = {outbox!r}
DEPLOY = {{"TARGET": "none"}}
'''

TARGETS = {
    "devserver_median_seconds": ("≤", 0.5),
    "html_edit_over_bare": ("≤", 0.15),
    "publish_over_bare": ("≤", 0.2),
    "html_cold_over_bare": ("≤", 0.7),
    "html_cold_cpu_over_bare_cpu": ("≤", 1.0),
}


class BenchError(RuntimeError):
    """A command failed; the message holds the command and the tail of its output."""


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
    hugo = shutil.which("hugo")
    hugo_version = None
    if hugo:
        hugo_version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "pelican": pelican_version,
        "hugo": hugo_version,
        "platform": platform.platform(),
        "loadavg_start": list(os.getloadavg()),
    }


def bench_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILCHIMP")}
    env.pop("CONNECTED_BUILD_TIMINGS", None)
    # As the Makefile does: a writer's build reads our modules' bytecode caches.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], cwd: Path, env: dict | None = None, check_file: Path | None = None) -> dict:
    """Run cmd to completion: wall and CPU seconds (with waited-for children), peak RSS."""
    env = dict(env or bench_env())
    # A command forked from the warm process (scripts/warm.py) is not our child: it
    # reports its own CPU seconds and peak memory here, and they are added.
    fork_usage = Path(tempfile.mkstemp(prefix="bench-usage-", suffix=".json")[1])
    env[warm.USAGE_SETTING] = str(fork_usage)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    try:
        forked = json.loads(fork_usage.read_text(encoding="utf-8") or "{}")
    finally:
        fork_usage.unlink(missing_ok=True)
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or (check_file is not None and not check_file.exists()):
        tail = log.decode(errors="replace")[-3000:]
        raise BenchError(f"{' '.join(cmd)} (in {cwd}) failed with {code}:\n{tail}")
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime + forked.get("cpu_seconds", 0), 3),
        "peak_rss_mib": round(max(usage.ru_maxrss / 1024, forked.get("peak_rss_mib", 0)), 1),
        "warm": bool(forked),
    }


def edit_post(content: Path, index: int, marker: str) -> Path:
    """Change one post's body (not its metadata), as a writer fixing a paragraph would."""
    path = content / "posts" / f"{post_slug(index)}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\nEdited for the benchmark: {marker}.\n", encoding="utf-8")
    return path


def post_year(content: Path, index: int) -> str:
    for line in (content / "posts" / f"{post_slug(index)}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("Date: "):
            return line[6:10]
    raise BenchError(f"{post_slug(index)} has no Date")


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the lower middle one of an even count)."""
    return sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


# --- the project the bench builds -------------------------------------------------------


def prepare(workdir: Path, posts: int, seed: int) -> dict:
    content = write_corpus(workdir / "content", posts, seed)
    write_send_record(workdir / "send-record.json", posts, seed)
    write_send_record(workdir / "send-record-all.json", posts, seed, unsent=0)
    (workdir / "bare.py").write_text(BARE_SETTINGS, encoding="utf-8")
    common = {"root": str(ROOT), "content": str(content), "theme": str(ROOT / "theme"), "plugins": str(ROOT / "plugins")}
    # The writer's two settings files over the corpus: development (site.py) and production (prod.py).
    for name, base, suffix, record in (
        ("site.py", "pelicanconf", "", "send-record.json"),
        ("prod.py", "publishconf", "-prod", "send-record-all.json"),
    ):
        settings = SITE_SETTINGS.format(
            base=base, output=str(workdir / f"output{suffix}"), cache=str(workdir / f"cache{suffix}"),
            editions=str(workdir / "build" / f"editions{suffix}"), record=str(workdir / record),
            outbox=str(workdir / "outbox"), **common,
        )  # fmt: skip
        (workdir / name).write_text(settings, encoding="utf-8")
    return {"content": content}


def run_bare(workdir: Path, tag: str) -> dict:
    # Bare Pelican's previous output is removed before its own build, not after it: on a
    # filesystem that skips recently freed inodes when it makes new ones (ext4 without a
    # journal, as on the bench machine), removing 1500 files just before `make html` cold
    # cost that build 0.25 s of system time that was bare Pelican's to pay.
    for old in workdir.glob("out-bare-*"):
        shutil.rmtree(old, ignore_errors=True)
    out = workdir / f"out-bare-{tag}"
    return timed([PY, "-m", "pelican", str(workdir / "content"), "-s", str(workdir / "bare.py"), "-o", str(out), "-q"], workdir, check_file=out / "index.html")


def make_html(workdir: Path, timings: Path | None = None) -> dict:
    env = bench_env()
    if timings is not None:
        env["CONNECTED_BUILD_TIMINGS"] = str(timings)
    return timed([PY, "-m", "scripts", "build", "-s", str(workdir / "site.py")], ROOT, env, check_file=workdir / "output" / "index.html")


def make_publish(workdir: Path) -> dict:
    # --root: the bench's own directory (no .env there: the outbox backend).
    return timed([PY, "-m", "scripts", "publish", "--root", str(workdir), "--settings", "prod.py"], ROOT, check_file=workdir / "output-prod" / "index.html")


def _warm(action: str) -> str:
    """`python -m scripts warm <action>` as the bench's commands would reach it (their
    environment, the project root): the bench process's own interpreter flags may differ."""
    return subprocess.run([PY, "-m", "scripts", "warm", action], cwd=ROOT, env=bench_env(),
                          capture_output=True, text=True, timeout=60).stdout  # fmt: skip


def stop_warm() -> None:
    """A cold build starts a cold interpreter too: no warm process (scripts/warm.py)."""
    _warm("stop")


def wait_warm(limit: float = 10.0) -> None:
    """After a cold build, the warm process it started takes a moment to import; a writer
    takes longer than that to edit a post. Wait for it, unless warm starts are off."""
    if not warm.enabled(bench_env()):
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not _warm("status").startswith("Warm process"):
        time.sleep(0.2)


def plugin_cpu(timings: Path) -> dict:
    try:
        return json.loads(timings.read_text(encoding="utf-8")).get("plugins_cpu", {})
    except (OSError, ValueError):
        return {}


# --- servers: save → served ----------------------------------------------------------------


class Server:
    """A dev server subprocess whose output is collected in a thread."""

    def __init__(self, cmd: list[str], cwd: Path, ready_url: str):
        self.started = time.perf_counter()
        self.process = subprocess.Popen(cmd, cwd=cwd, env=bench_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.process.stdout.readline, "")), daemon=True).start()
        deadline = time.monotonic() + 600
        while fetch(ready_url) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"{' '.join(cmd)} did not start:\n{''.join(self.lines)[-3000:]}")
            time.sleep(0.02)
        self.ready_seconds = round(time.perf_counter() - self.started, 3)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def save_to_served(content: Path, page_url: str, index: int, marker: str, edit=edit_post, on_disk: Path | None = None):
    """Save an edit to post `index`, poll page_url until it shows `marker`: seconds.
    With on_disk, also wait until that built file has it: (served, on disk) seconds."""
    saved = time.perf_counter()
    edit(content, index, marker)
    deadline = saved + 300
    served = None
    while time.perf_counter() < deadline:
        if served is None:
            body = fetch(page_url)
            if body is not None and marker in body:
                served = round(time.perf_counter() - saved, 3)
                if on_disk is None:
                    return served
        if served is not None and marker in (_text(on_disk) or ""):
            return served, round(time.perf_counter() - saved, 3)
        time.sleep(0.01)
    raise BenchError(f"{page_url} never showed the edit {marker!r}")


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def devserver_latency(workdir: Path, content: Path, posts: int, edits: int) -> dict:
    port = free_port()
    index = posts // 3
    url = f"http://127.0.0.1:{port}/{post_year(content, index)}/{post_slug(index)}/"
    built = workdir / "output" / post_year(content, index) / post_slug(index) / "index.html"
    server = Server([PY, "-m", "scripts.devserver", "--port", str(port), "-s", str(workdir / "site.py")], ROOT, url)
    try:
        latencies, rebuilt = [], []
        for n in range(edits):
            # Each save lands on an idle server: the previous save's full build is
            # in output/ already (the writer reads the page before saving again).
            time.sleep(0.5)
            served, on_disk = save_to_served(content, url, index, f"devserver edit {n} {time.time_ns()}", on_disk=built)
            latencies.append(served)
            rebuilt.append(on_disk)
    finally:
        server.stop()
    previews = sum("Preview of" in line for line in server.lines)
    return {
        "ready_seconds": server.ready_seconds,
        "latencies": latencies,
        "median_seconds": median(latencies),
        "full_build_latencies": rebuilt,
        "full_build_median_seconds": median(rebuilt),
        "previews": previews,
        "preview_differed": sum("differs from its preview" in line for line in server.lines),
    }


def hugo_edit(site: Path):
    def edit(_content: Path, index: int, marker: str) -> None:
        path = site / "content" / "posts" / f"{post_slug(index)}.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\nEdited for the benchmark: {marker}.\n", encoding="utf-8")

    return edit


def run_hugo_cold(hugo: str, site: Path, tag: str) -> dict:
    out = site / f"public-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(site / "resources", ignore_errors=True)
    result = timed([hugo, "--quiet", "-s", str(site), "-d", str(out)], site, check_file=out / "index.html")
    shutil.rmtree(out, ignore_errors=True)
    return result


def hugo_latency(hugo: str, site: Path, content: Path, posts: int, edits: int) -> dict:
    port = free_port()
    index = posts // 3
    url = f"http://127.0.0.1:{port}/{post_year(content, index)}/{post_slug(index)}/"
    cmd = [hugo, "server", "-s", str(site), "--bind", "127.0.0.1", "--port", str(port), "--baseURL", f"http://127.0.0.1:{port}/"]
    server = Server(cmd, site, url)
    try:
        latencies = []
        for n in range(edits):
            time.sleep(0.5)
            latencies.append(save_to_served(content, url, index, f"hugo edit {n} {time.time_ns()}", hugo_edit(site)))
    finally:
        server.stop()
    return {"ready_seconds": server.ready_seconds, "latencies": latencies, "median_seconds": median(latencies)}


# --- the run ----------------------------------------------------------------------------------


def benchmark(posts: int, runs: int, seed: int, workdir: Path, edits: int, rebuilds: int = 3) -> dict:
    paths = prepare(workdir, posts, seed)
    content = paths["content"]
    hugo = shutil.which("hugo")
    hugo_site = None
    if hugo:
        from benchmarks.hugo import write_site

        hugo_site = write_site(content, workdir / "hugo")
    # The production side starts where a writer's does: published before.
    make_publish(workdir)
    rounds = []
    for i in range(1, runs + 1):
        row = {"round": i, "loadavg": list(os.getloadavg())}
        row["bare"] = run_bare(workdir, str(i))
        # As `make clean` leaves it: no output/ nor anything beside it (output.*), no
        # caches, no editions.
        for d in ("output", "cache", "build/editions", *(p.name for p in workdir.glob("output.*"))):
            shutil.rmtree(workdir / d, ignore_errors=True)
        timings = workdir / f"timings-cold-{i}.json"
        stop_warm()
        row["html_cold"] = make_html(workdir, timings)
        row["html_cold"]["plugins_cpu"] = plugin_cpu(timings)
        wait_warm()
        # A one-post build takes 2–3 s and, on a shared machine, one run of it can be
        # 40 % off the next: each round times several (edit, make html, make publish)
        # cycles, as a writer saves, looks and publishes, and keeps the median of each.
        html_runs, publish_runs = [], []
        for k in range(rebuilds):
            edit_post(content, (posts // 2 + i * rebuilds + k) % posts, f"round {i} edit {k}")
            html_runs.append(make_html(workdir))
            publish_runs.append(make_publish(workdir))
        row["html_edit"], row["html_edit_samples"] = median_run(html_runs), html_runs
        row["publish"], row["publish_samples"] = median_run(publish_runs), publish_runs
        if hugo_site is not None:
            row["hugo_cold"] = run_hugo_cold(hugo, hugo_site, str(i))
        rounds.append(row)
        print(
            f"round {i}/{runs} (load {row['loadavg'][0]:.1f}): bare {row['bare']['seconds']:.2f}s  "
            f"html cold {row['html_cold']['seconds']:.2f}s  html edit {row['html_edit']['seconds']:.2f}s  "
            f"publish {row['publish']['seconds']:.2f}s"
            + (f"  hugo {row['hugo_cold']['seconds']:.2f}s" if "hugo_cold" in row else ""),
            flush=True,
        )
    devserver = devserver_latency(workdir, content, posts, edits)
    print(
        f"devserver: ready {devserver['ready_seconds']}s, save → served {devserver['latencies']}, "
        f"save → full build in output/ {devserver['full_build_latencies']} "
        f"({devserver['previews']} previews, {devserver['preview_differed']} differed from the build)",
        flush=True,
    )
    hugo_server = None
    if hugo_site is not None:
        hugo_server = hugo_latency(hugo, hugo_site, content, posts, edits)
        print(f"hugo server: ready {hugo_server['ready_seconds']}s, save → served {hugo_server['latencies']}", flush=True)
    return {"rounds": rounds, "devserver": devserver, "hugo_server": hugo_server, "summary": summarise(rounds, devserver, hugo_server)}


def summarise(rounds: list[dict], devserver: dict, hugo_server: dict | None) -> dict:
    def med(kind, field="seconds"):
        return median([r[kind][field] for r in rounds if kind in r])

    def paired(kind, field="seconds"):
        return median([r[kind][field] / r["bare"][field] for r in rounds if kind in r])

    s = {"bare_seconds": med("bare"), "bare_cpu_seconds": med("bare", "cpu_seconds")}
    for kind in ("html_cold", "html_edit", "publish", "hugo_cold"):
        if not any(kind in r for r in rounds):
            continue
        s[f"{kind}_seconds"] = med(kind)
        s[f"{kind}_cpu_seconds"] = med(kind, "cpu_seconds")
        s[f"{kind}_over_bare"] = paired(kind)
        s[f"{kind}_cpu_over_bare_cpu"] = paired(kind, "cpu_seconds")
        s[f"{kind}_peak_rss_mib"] = max(r[kind]["peak_rss_mib"] for r in rounds if kind in r)
    s["bare_peak_rss_mib"] = max(r["bare"]["peak_rss_mib"] for r in rounds)
    s["devserver_ready_seconds"] = devserver["ready_seconds"]
    s["devserver_median_seconds"] = devserver["median_seconds"]
    s["devserver_over_bare"] = round(devserver["median_seconds"] / s["bare_seconds"], 4)
    s["devserver_full_build_median_seconds"] = devserver["full_build_median_seconds"]
    s["devserver_previews"] = f"{devserver['previews']}/{len(devserver['latencies'])}"
    s["devserver_preview_differed"] = devserver["preview_differed"]
    if hugo_server:
        s["hugo_server_ready_seconds"] = hugo_server["ready_seconds"]
        s["hugo_server_median_seconds"] = hugo_server["median_seconds"]
    plugins: dict[str, list] = {}
    for r in rounds:
        for name, value in r["html_cold"].get("plugins_cpu", {}).items():
            plugins.setdefault(name, []).append(value)
    s["html_cold_plugins_cpu"] = {name: median(values) for name, values in sorted(plugins.items())}
    return s


def table(result: dict) -> str:
    s, m = result["summary"], result["machine"]
    lines = [
        f"Connected benchmark — {result['posts']} posts, {result['runs']} rounds (medians; ratios paired "
        f"within each round), {m['nproc']} CPUs {m['cpu']}, load average at start {m['loadavg_start'][0]:.1f}, "
        f"Python {m['python']}, Pelican {m['pelican']}" + (f", {m['hugo']}" if m.get("hugo") else ", no hugo"),
        f"{'figure':<48}{'wall s':>9}{'CPU s':>9}{'× bare wall':>13}{'× bare CPU':>12}  target",
    ]

    def row(label, kind):
        if f"{kind}_seconds" not in s:
            return
        target = ""
        key = f"{kind}_over_bare"
        if key in TARGETS:
            op, limit = TARGETS[key]
            target = f"{op} {limit} {'met' if s[key] <= limit else 'MISSED'}"
        cpu_key = f"{kind}_cpu_over_bare_cpu"
        if cpu_key in TARGETS:
            op, limit = TARGETS[cpu_key]
            target += f"; CPU {op} {limit} {'met' if s[cpu_key] <= limit else 'MISSED'}"
        lines.append(
            f"{label:<48}{s[f'{kind}_seconds']:>9}{s[f'{kind}_cpu_seconds']:>9}"
            f"{s[f'{kind}_over_bare']:>13}{s[f'{kind}_cpu_over_bare_cpu']:>12}  {target}"
        )

    lines.append(f"{'bare Pelican cold (the reference)':<48}{s['bare_seconds']:>9}{s['bare_cpu_seconds']:>9}{1.0:>13}{1.0:>12}")
    row("make html, cold", "html_cold")
    row("make html, one post edited", "html_edit")
    row("make publish, nothing new (outbox)", "publish")
    row("hugo, cold", "hugo_cold")
    op, limit = TARGETS["devserver_median_seconds"]
    dev = s["devserver_median_seconds"]
    lines.append(
        f"{'make devserver: save → changed page served':<48}{dev:>9}{'':>9}{s['devserver_over_bare']:>13}{'':>12}"
        f"  {op} {limit} s {'met' if dev <= limit else 'MISSED'}"
    )
    lines.append(
        f"{'make devserver: save → full build in output/':<48}{s['devserver_full_build_median_seconds']:>9}"
        f"{'':>9}{round(s['devserver_full_build_median_seconds'] / s['bare_seconds'], 4):>13}"
        f"{'':>12}  (previews {s['devserver_previews']}, {s['devserver_preview_differed']} differed)"
    )
    lines.append(f"{'make devserver: start → first page served':<48}{s['devserver_ready_seconds']:>9}")
    if "hugo_server_median_seconds" in s:
        lines.append(f"{'hugo server: save → changed page served':<48}{s['hugo_server_median_seconds']:>9}")
        lines.append(f"{'hugo server: start → first page served':<48}{s['hugo_server_ready_seconds']:>9}")
    lines.append(
        f"peak RSS MiB: bare {s['bare_peak_rss_mib']}, html cold {s.get('html_cold_peak_rss_mib')}, "
        f"html edit {s.get('html_edit_peak_rss_mib')}, publish {s.get('publish_peak_rss_mib')}"
    )
    top = sorted(s["html_cold_plugins_cpu"].items(), key=lambda kv: -(kv[1] or 0))[:6]
    lines.append("make html cold, main-process CPU s per plugin: " + ", ".join(f"{k} {v}" for k, v in top))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edits", type=int, default=5, help="saves timed on each dev server")
    parser.add_argument("--rebuilds", type=int, default=3,
                        help="(edit, make html, make publish) cycles timed in each round; the median is kept")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes (default: %(default)s)")
    args = parser.parse_args(argv)
    if min(args.runs, args.posts, args.edits, args.rebuilds) < 1:
        parser.error("--posts, --runs, --edits and --rebuilds must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="connected-bench-"))
    info = machine()
    print(f"benchmark: {args.posts} posts, {args.runs} rounds, work dir {workdir}", flush=True)
    try:
        result = benchmark(args.posts, args.runs, args.seed, workdir, args.edits, args.rebuilds)
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        print(f"(work dir kept: {workdir})", file=sys.stderr)
        return 1
    else:
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
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.results / f"bench-{args.posts}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.results / f"latest-{args.posts}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(f"results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
