"""`python -m scripts <command> [options]`: every command of Connected, through one entry point.

The Makefile's recipes call it (`make publish` runs `python -m scripts publish …`), so a
message can name the real command and option. `python -m scripts --help` lists the
commands; `python -m scripts <command> --help` prints that command's own options. Each
command is a module with `main(argv)`; this only maps names to modules and imports the
one asked for, so listing them is fast. `python -m scripts.publish` and the other module
paths keep working (tests and the benchmarks call them).
"""

from __future__ import annotations

import importlib
import sys

PROG = "python -m scripts"

# name: (module, one line for --help). The make target comes last where there is one.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("scripts.init", "make the sample your own site (make init)"),
    "build": ("scripts.build", "build the site into output/ (make html; -s publishconf.py for production)"),
    "serve": ("scripts.serve", "serve the built output/ as it is, with its 404 page (make serve)"),
    "devserver": ("scripts.devserver", "rebuild on save, serve and reload the browser (make devserver)"),
    "newpost": ("scripts.newpost", 'create a draft post (make newpost TITLE="…")'),
    "uuids": ("scripts.uuids", "add a Uuid to every post that lacks one (make uuids)"),
    "import": ("scripts.import_blog", "bring an old Pelican blog in (make import FROM=…)"),
    "publish": ("scripts.publish", "build for production, deploy, send new posts (make publish)"),
    "preview-email": ("scripts.preview_email", "write a post's email edition as HTML (make preview-email)"),
    "unschedule": ("scripts.unschedule", "cancel scheduled campaigns and hold their posts (make unschedule)"),
    "stats": ("scripts.stats", "the newsletter reach report in reports/index.html (make stats)"),
    "fetch-logs": ("scripts.fetch_logs", "copy the web server's access logs into logs/ (make fetch-logs)"),
    "deploy": ("scripts.deploy", "deploy the built output/ on its own, as DEPLOY says"),
    "test-setup": ("scripts.test_setup", "install what the tests need: node packages, chromium (make test-setup)"),
    "screenshots": ("scripts.screenshots", "the README's screenshots of the sample site (docs/screenshots/)"),
    "social-image": ("scripts.social_image", "draw the default link-preview image (1200×630 PNG)"),
    "email-support": ("scripts.email_support", "an email edition against caniemail's support data"),
    "warm": ("scripts.warm", "status or stop of the warm process that starts make html fast (CONNECTED_WARM=0: off)"),
}


def help_text() -> str:
    width = max(len(name) for name in COMMANDS) + 2
    lines = [
        f"usage: {PROG} <command> [options]",
        "",
        f"Connected's commands ({PROG} <command> --help: that command's options):",
    ]
    lines += [f"  {name:<{width}}{summary}" for name, (_, summary) in COMMANDS.items()]
    return "\n".join(lines)


def unknown(word: str) -> str:
    from connected.settings_schema import closest_key  # the one typo finder

    guess = closest_key(word, COMMANDS) if not word.startswith("-") else None
    what = f"unknown option {word!r} before the command" if word.startswith("-") else f"unknown command {word!r}"
    hint = f"did you mean {guess!r}? " if guess else ""
    return f"{PROG}: {what}: {hint}`{PROG} --help` lists the commands."


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        print(help_text(), file=sys.stderr)
        return 2
    name, rest = argv[0], argv[1:]
    if name in ("-h", "--help"):
        print(help_text())
        return 0
    if name not in COMMANDS:
        print(unknown(name), file=sys.stderr)
        return 2
    from scripts import warm  # small: it imports only what connecting needs

    # `build` is forked from the warm process when one serves this directory.
    answer = warm.run(name, rest)
    if answer.rc is not None:
        return answer.rc
    try:
        return importlib.import_module(COMMANDS[name][0]).main(rest)
    finally:
        answer.start_server()


if __name__ == "__main__":
    code = main()
    # A command that returned (an exception or sys.exit() takes Python's own way out)
    # leaves as a warm process's fork does: exit handlers run and output flushed, without
    # freeing the heap object by object (0.14-0.2 s of `make publish` at 1000 posts).
    warm = sys.modules.get("scripts.warm")  # imported by every command, not by --help
    if warm is None:
        sys.exit(code)
    import os

    os._exit(warm.run_exit_handlers(code if isinstance(code, int) else 0 if code is None else 1))
