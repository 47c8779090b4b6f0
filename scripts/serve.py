"""`make serve`: serve the built output/ as it is, at http://localhost:8000.

A static server for looking at the last build (make serve builds first): the site's own
404 page for a missing path, and a busy port said in one line with the fix. It neither
watches nor rebuilds; that is `make devserver`.
"""

from __future__ import annotations

import argparse
import errno
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit


def not_found_page(directory: str | Path) -> bytes | None:
    """The site's 404.html as a missing path at any depth gets it, or None without one.

    A development build writes relative URLs (`./theme/css/site.css`), right for the page at
    the root and wrong at /a/b/: each is made root-relative (lxml's rewrite_links: href, src,
    url() in style; not srcset, which our 404 page does not use), as a web host's 404 page at
    that depth would need. A link within the page (`#main`, the skip link) stays as it is,
    unlike with a <base>."""
    page = Path(directory) / "404.html"
    try:
        body = page.read_bytes()
    except OSError:
        return None
    import lxml.html

    moved = []

    def from_root(link: str) -> str:
        if link.startswith(("#", "/")) or urlsplit(link).scheme:
            return link
        moved.append(link)
        parts = urlsplit(urljoin("http://root.invalid/", link))  # resolves ./ and ../ from the root
        return urlunsplit(("", "", parts.path, parts.query, parts.fragment))

    try:
        doc = lxml.html.document_fromstring(body, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return body  # not a page lxml reads: served as it is
    doc.rewrite_links(from_root, resolve_base_href=False)
    if not moved:
        return body  # a production page (absolute URLs): its bytes as built
    doctype = doc.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    return lxml.html.tostring(doc, doctype=doctype, encoding="utf-8")


class StaticHandler(SimpleHTTPRequestHandler):
    """output/ as a web host serves it, with the site's 404.html for a missing path."""

    def send_error(self, code, message=None, explain=None):
        body = not_found_page(self.directory) if code == 404 else None
        if body is not None:
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"PORT={text!r} is not a port: use a number from 1 to 65535, e.g. 8001")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--output", default="output", help="the folder to serve (default output/)")
    args = parser.parse_args(argv)
    output = Path(args.output)
    if not (output / "index.html").is_file():
        print(f"{output}/ holds no built site: run `make html` first (make serve does)", file=sys.stderr)
        return 1
    try:
        server = ThreadingHTTPServer((args.bind, args.port), partial(StaticHandler, directory=str(output)))
    except OSError as exc:
        fix = f"try make serve PORT={args.port + 1}" if exc.errno == errno.EADDRINUSE else "use a port above 1024"
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            fix = "check the address (--bind)"
        print(f"cannot listen on {args.bind}:{args.port} ({exc.strerror}): {fix}", file=sys.stderr)
        return 1
    server.daemon_threads = True
    host = "localhost" if args.bind in ("127.0.0.1", "localhost") else args.bind
    print(f"Serving {output}/ at http://{host}:{args.port}/ (the last build, as it is). Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
