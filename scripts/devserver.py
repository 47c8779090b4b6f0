"""Rebuild on save and serve the site: `make devserver` (http://localhost:8000).

Watches content/, theme/, plugins/, connected/ and the settings file. Every
rebuild runs `python -m scripts.build` in a fresh process, so edits to plugins
and settings take effect, and goes through the same atomic swap: a content
mistake prints its one-line message and the server keeps serving the last
good build. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("content", "theme", "plugins", "connected")


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves the output directory; quiet, with the site's own 404 page."""

    def log_request(self, code="-", size="-"):
        # A line per request would bury the build messages; show failures only.
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            super().log_request(code, size)

    def log_error(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # log_request already reports the failed request

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def end_headers(self):
        # Always show the newest build after a save.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def build_command(args) -> list[str]:
    command = [sys.executable, "-m", "scripts.build", "-s", args.settings]
    for flag, value in (("--content", args.content), ("--output", args.output), ("--theme", args.theme)):
        if value:
            command += [flag, value]
    for item in args.extra_settings:
        command += ["-e", item]
    return command


def rebuild(args, reason: str) -> bool:
    print(f"[{time.strftime('%H:%M:%S')}] {reason}: rebuilding…", flush=True)
    result = subprocess.run(build_command(args), cwd=ROOT, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        if line.strip():
            print(f"  {line}", flush=True)
    if result.returncode != 0:
        print("  Still serving the last good build.", flush=True)
    return result.returncode == 0


def output_dir(args) -> Path:
    if args.output:
        return Path(args.output).resolve()
    from pelican.settings import read_settings

    return Path(read_settings(str(ROOT / args.settings))["OUTPUT_PATH"])


def watched_paths(args) -> list[Path]:
    paths = [ROOT / name for name in WATCHED]
    if args.content:
        paths[0] = Path(args.content).resolve()
    if args.theme:
        paths[1] = Path(args.theme).resolve()
    paths.append((ROOT / args.settings).resolve())
    if Path(args.settings).name == "publishconf.py":
        paths.append(ROOT / "pelicanconf.py")
    return [path for path in paths if path.exists()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.devserver", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("-s", "--settings", default="pelicanconf.py", help="settings file (default: pelicanconf.py)")
    parser.add_argument("--content", help="content directory to build and watch")
    parser.add_argument("--output", help="output directory to build into and serve")
    parser.add_argument("--theme", help="theme directory")
    parser.add_argument("-e", "--extra-settings", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)

    import watchfiles

    try:
        rebuild(args, "starting")
    except KeyboardInterrupt:
        print("Stopped.")
        return 0
    handler = functools.partial(SiteHandler, directory=str(output_dir(args)))
    try:
        server = ThreadingHTTPServer((args.bind, args.port), handler)
    except OSError as exc:
        print(f"cannot listen on {args.bind}:{args.port} ({exc.strerror}): try make devserver PORT=8001", file=sys.stderr)
        return 1
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = "localhost" if args.bind in ("127.0.0.1", "localhost") else args.bind
    print(f"Serving http://{host}:{args.port}/ — rebuilding on save. Ctrl-C to stop.", flush=True)
    try:
        for changes in watchfiles.watch(*watched_paths(args)):
            names = sorted({Path(path).name for _change, path in changes})
            rebuild(args, ", ".join(names[:3]) + (" …" if len(names) > 3 else "") + " changed")
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
