"""Rebuild on save, serve the site and reload the browser: `make devserver`.

    python -m scripts devserver --port 8000

One long-lived build worker (`--worker`, a child process) keeps Pelican, the
plugins and the last build's caches loaded, and rebuilds through the same
atomic path as `make html` (scripts/build.py), so an edit re-renders only the
pages it touches and output/ is never half-built. The server process only
serves output/ and watches files: it stays responsive while the worker builds.

- A content or theme-template edit is rebuilt by the warm worker.
- An edit to plugins/, connected/ or a settings file restarts the worker
  (fresh imports), then rebuilds: such edits take effect as in a fresh run.
- After each successful build the pages in the browser reload by themselves:
  every HTML response gets `<script src="/__connected/reload.js">` added at
  response time (never written to output/, so `make publish` output has no
  trace of it), and the script listens on `/__connected/events` (server-sent
  events). Both are same-origin, which the pages' CSP (default-src 'self') allows.
- A build error is printed in the terminal (one line per problem) and shown as
  an overlay on the page, while the last good build keeps being served.

Ctrl-C stops it. Figures and design: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scripts.serve import not_found_page

ROOT = Path(__file__).resolve().parent.parent
# Edits under these (or to a settings file) need fresh imports: restart the worker.
CODE_DIRS = ("plugins", "connected")
RELOAD_JS = Path(__file__).with_name("devserver_reload.js")
RELOAD_PATH = "/__connected/reload.js"
EVENTS_PATH = "/__connected/events"
RELOAD_TAG = f'<script src="{RELOAD_PATH}" defer></script>'.encode()
RESULT_PREFIX = "@@connected-build-result "
PREVIEW_PREFIX = "@@connected-build-preview "
KEEPALIVE_SECONDS = 15


# --- what the browser is told ----------------------------------------------------------


class BuildState:
    """The last build's outcome, the previews being served, and a condition the
    event streams wait on."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.build = 0  # bumped whenever the browser should reload
        self.problems: list[str] = []
        # output-relative path -> page bytes, served until the full build lands
        self.previews: dict[str, bytes] = {}
        self.changed = threading.Condition()

    def snapshot(self) -> dict:
        with self.changed:
            return {"build": self.build, "problems": list(self.problems)}

    def preview(self, path: str, body: bytes) -> None:
        with self.changed:
            self.previews[path] = body
            self.build += 1
            self.changed.notify_all()

    def served_preview(self, path: str) -> bytes | None:
        with self.changed:
            return self.previews.get(path)

    def succeeded(self) -> None:
        with self.changed:
            # After a preview, reload again only if the build's page differs from it.
            differs = any(_read(self.directory / path) != body for path, body in self.previews.items())
            if not self.previews or differs:
                self.build += 1
            if differs:
                print("  (the built page differs from its preview: reloading again)", flush=True)
            self.previews = {}
            self.problems = []
            self.changed.notify_all()

    def failed(self, problems: list[str]) -> None:
        with self.changed:
            if self.previews:  # the browser shows a preview: back to the last good page
                self.previews = {}
                self.build += 1
            self.problems = list(problems) or ["the build failed (see the terminal)"]
            self.changed.notify_all()

    def wait(self, seen: dict, timeout: float) -> dict:
        with self.changed:
            self.changed.wait_for(lambda: self._differs(seen), timeout=timeout)
            return {"build": self.build, "problems": list(self.problems)}

    def _differs(self, seen: dict) -> bool:
        return seen != {"build": self.build, "problems": self.problems}


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def inject_reload(body: bytes) -> bytes:
    """Add the reload script to an HTML page, before </body> (or at the end)."""
    lower = body.lower()
    at = lower.rfind(b"</body>")
    if at < 0:
        return body + RELOAD_TAG
    return body[:at] + RELOAD_TAG + body[at:]


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves the output directory, the reload script and the event stream."""

    state: BuildState  # set on the per-server subclass
    stopping: threading.Event

    def log_request(self, code="-", size="-"):
        # A line per request would bury the build messages; show failures only.
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            super().log_request(code, size)

    def log_error(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # log_request already reports the failed request

    def do_GET(self):  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        if path == RELOAD_PATH:
            return self._send(200, "text/javascript; charset=utf-8", RELOAD_JS.read_bytes())
        if path == EVENTS_PATH:
            return self._events()
        page = self._html_file(path)
        if page is not None:
            try:
                relative = page.relative_to(Path(self.directory)).as_posix()
            except ValueError:
                relative = None
            preview = self.state.served_preview(relative) if relative else None
            if preview is not None:
                return self._send(200, "text/html; charset=utf-8", inject_reload(preview))
            try:
                body = page.read_bytes()
            except OSError:
                return super().do_GET()  # gone meanwhile: the base class answers 404
            return self._send(200, "text/html; charset=utf-8", inject_reload(body))
        return super().do_GET()

    def _html_file(self, url_path: str) -> Path | None:
        if url_path.endswith("/") or url_path.endswith(".html") or url_path.endswith(".htm"):
            local = Path(self.translate_path(unquote(url_path)))
            if local.is_dir():
                local = local / "index.html"
            if local.suffix in (".html", ".htm") and local.is_file():
                return local
        return None

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = self.state.snapshot()
        try:
            self._event(seen)
            while not self.stopping.is_set():
                now = self.state.wait(seen, KEEPALIVE_SECONDS)
                if now == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                seen = now
                self._event(seen)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away

    def _event(self, state: dict) -> None:
        self.wfile.write(f"event: state\ndata: {json.dumps(state)}\n\n".encode())
        self.wfile.flush()

    def send_error(self, code, message=None, explain=None):
        body = not_found_page(self.directory) if code == 404 else None
        if body is not None:
            return self._send(404, "text/html; charset=utf-8", inject_reload(body))
        super().send_error(code, message, explain)

    def end_headers(self):
        # Always show the newest build after a save.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


# --- the build worker -----------------------------------------------------------------


def worker_main(args) -> int:
    """`--worker`: build on each request read from stdin, answer with result lines.

    Runs scripts.build in this process, so Pelican, the plugins and their
    in-process caches stay loaded from one build to the next. A request is a
    JSON list of the changed files; when one post changed and its page can be
    previewed (scripts/devserver_preview.py), that page is sent first."""
    import signal

    from connected.console import plural
    from scripts.build import BuildError, configure_logging, run_build
    from scripts.devserver_preview import LastBuild

    # Ctrl-C in the terminal reaches the whole process group: the server
    # stops this worker itself (closing stdin), after a build in progress.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging()
    overrides = build_overrides(args)
    settings_file = (ROOT / args.settings).resolve()
    last = LastBuild()
    last.connect()
    for line in sys.stdin:
        if not line.strip():
            continue
        started = time.perf_counter()
        changed = json.loads(line)
        shown = last.preview(changed) if changed else None
        if shown is not None:
            save_as, body = shown
            preview = {"path": save_as, "html": body.decode("utf-8"), "seconds": round(time.perf_counter() - started, 3)}
            print(PREVIEW_PREFIX + json.dumps(preview), flush=True)
        try:
            result = run_build(settings_file, root=settings_file.parent, overrides=overrides)
        except BuildError as exc:
            answer = {"ok": False, "problems": exc.problems}
        except Exception as exc:  # a plugin crashed: report it, keep serving
            answer = {"ok": False, "problems": [f"{type(exc).__name__}: {exc}"]}
        else:
            answer = {
                "ok": True,
                "summary": f"{plural(result.articles, 'post')}, {plural(result.pages, 'page')} "
                f"({plural(result.linked, 'file')} unchanged)",
            }
        last.build_finished(answer["ok"])
        answer["seconds"] = round(time.perf_counter() - started, 3)
        print(RESULT_PREFIX + json.dumps(answer), flush=True)
    return 0


def build_overrides(args) -> dict:
    from scripts.build import parse_extra

    overrides = parse_extra(args.extra_settings)
    cwd = Path.cwd()
    for key, value in (("OUTPUT_PATH", args.output), ("PATH", args.content), ("THEME", args.theme)):
        if value:
            overrides[key] = str((cwd / value).resolve())
    return overrides


class Worker:
    """The long-lived build process, restarted when code or settings change."""

    def __init__(self, args):
        self.args = args
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "scripts.devserver", "--worker", "-s", self.args.settings]
        for flag, value in (("--content", self.args.content), ("--output", self.args.output), ("--theme", self.args.theme)):
            if value:
                command += [flag, str(Path(value).resolve())]
        for item in self.args.extra_settings:
            command += ["-e", item]
        return command

    def start(self) -> None:
        self.stop()
        # stderr is the terminal: Pelican's warnings reach the writer as they happen.
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def build(self, changed: list[str], on_preview) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.start()
        try:
            self.process.stdin.write(json.dumps(changed) + "\n")
            self.process.stdin.flush()
            for line in self.process.stdout:
                if line.startswith(RESULT_PREFIX):
                    return json.loads(line[len(RESULT_PREFIX) :])
                if line.startswith(PREVIEW_PREFIX):
                    on_preview(json.loads(line[len(PREVIEW_PREFIX) :]))
                    continue
                if line.strip():
                    print(f"  {line.rstrip()}", flush=True)
        except (BrokenPipeError, OSError):
            pass
        self.process = None
        return {"ok": False, "problems": ["the build worker stopped unexpectedly (see above); save again to retry"]}


def rebuild(worker: Worker, state: BuildState, reason: str, changed: list[str] = ()) -> bool:
    print(f"[{time.strftime('%H:%M:%S')}] {reason}: rebuilding…", flush=True)

    def on_preview(preview: dict) -> None:
        state.preview(preview["path"], preview["html"].encode("utf-8"))
        print(f"  Preview of {preview['path']} served after {preview['seconds']:.2f} s", flush=True)

    answer = worker.build(list(changed), on_preview)
    if answer.get("ok"):
        print(f"  Built {answer.get('summary', '')} in {answer.get('seconds', 0):.2f} s", flush=True)
        state.succeeded()
        return True
    for problem in answer.get("problems", []):
        print(f"  {problem}", flush=True)
    print("  Still serving the last good build.", flush=True)
    state.failed(answer.get("problems", []))
    return False


# --- watching -----------------------------------------------------------------------------


def site_paths(args) -> dict[str, Path]:
    """OUTPUT_PATH, PATH and THEME as the build will see them (settings file and
    command-line overrides), so the server serves and watches the right places."""
    from connected.site_settings import load_settings
    from scripts.build import parse_extra

    # Read as the build reads them (scripts.build: the same loader, root and overrides).
    settings = load_settings(ROOT, (ROOT / args.settings).resolve(), parse_extra(args.extra_settings))
    paths = {key: Path(settings[key]).resolve() for key in ("OUTPUT_PATH", "PATH", "THEME")}
    for key, value in (("OUTPUT_PATH", args.output), ("PATH", args.content), ("THEME", args.theme)):
        if value:
            paths[key] = Path(value).resolve()
    return paths


def watched_paths(args, paths: dict[str, Path]) -> list[Path]:
    watched = [paths["PATH"], paths["THEME"], *(ROOT / name for name in CODE_DIRS)]
    watched += settings_files(args)
    return [path for path in dict.fromkeys(watched) if path.exists()]


def settings_files(args) -> list[Path]:
    files = [(ROOT / args.settings).resolve()]
    if Path(args.settings).name == "publishconf.py":
        files.append(ROOT / "pelicanconf.py")
    return files


def needs_restart(args, changed: set[Path]) -> bool:
    """Code and settings are imported once per worker: their edits need a new one."""
    code_roots = [ROOT / name for name in CODE_DIRS]
    settings = set(settings_files(args))
    for path in changed:
        if path in settings or path.suffix == ".py":
            return True
        if any(path.is_relative_to(root) for root in code_roots):
            return True
    return False


def _ignored(change, path: str) -> bool:
    # Editors' swap and backup files, and our own build's temporary files.
    name = os.path.basename(path)
    return name.startswith(".") or name.endswith(("~", ".swp", ".tmp")) or "__pycache__" in path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts devserver", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("-s", "--settings", default="pelicanconf.py", help="settings file (default: pelicanconf.py)")
    parser.add_argument("--content", help="content directory to build and watch")
    parser.add_argument("--output", help="output directory to build into and serve")
    parser.add_argument("--theme", help="theme directory")
    parser.add_argument("-e", "--extra-settings", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)

    import watchfiles

    stopping = threading.Event()
    worker = Worker(args)
    try:
        paths = site_paths(args)
    except Exception as exc:  # a broken settings file: say which, as the build would
        print(f"{args.settings}: cannot read the settings ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    directory = paths["OUTPUT_PATH"]
    state = BuildState(directory)
    handler = type("Handler", (SiteHandler,), {"state": state, "stopping": stopping})
    try:
        server = ThreadingHTTPServer(
            (args.bind, args.port), lambda *a, **k: handler(*a, directory=str(directory), **k)
        )
    except OSError as exc:
        print(f"cannot listen on {args.bind}:{args.port} ({exc.strerror}): try make devserver PORT=8001", file=sys.stderr)
        return 1
    server.daemon_threads = True
    serving = False
    try:
        worker.start()
        rebuild(worker, state, "starting")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        serving = True
        host = "localhost" if args.bind in ("127.0.0.1", "localhost") else args.bind
        print(f"Serving http://{host}:{args.port}/ — rebuilding on save. Ctrl-C to stop.", flush=True)
        for changes in watchfiles.watch(*watched_paths(args, paths), watch_filter=lambda c, p: not _ignored(c, p), debounce=50, step=20):
            changed = {Path(path) for _change, path in changes}
            names = sorted({path.name for path in changed})
            reason = ", ".join(names[:3]) + (" …" if len(names) > 3 else "") + " changed"
            if needs_restart(args, changed):
                reason += " (code or settings: fresh worker)"
                worker.start()
            rebuild(worker, state, reason, sorted(str(path) for path in changed))
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        with state.changed:
            state.changed.notify_all()
        if serving:
            server.shutdown()
        server.server_close()
        worker.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
