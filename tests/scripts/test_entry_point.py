"""`python -m scripts <command>`: the one entry point the Makefile calls. `--help` lists every
command the Makefile uses, one line each, without importing them; an unknown command is one
line naming `--help` (exit 2); a command's own `--help` is its argparse help."""

import os
import re
import subprocess
import sys

from tests.conftest import ROOT

# A recipe's call of a command: `$(PY) -m scripts <command>` (or the old `-m scripts.<module>`).
RECIPE_CALL = re.compile(r"\$\(PY\) -m scripts([ .])([a-z_-]+)")
HELP_ROW = re.compile(r"^  (?P<name>[a-z][a-z-]*) +(?P<summary>\S.*)$")


def dispatcher(*args: str, options: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *options, "-m", "scripts", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def makefile_commands() -> set[str]:
    calls = RECIPE_CALL.findall((ROOT / "Makefile").read_text(encoding="utf-8"))
    assert calls, "the Makefile calls no command"
    assert [name for sep, name in calls if sep == "."] == [], "recipes call python -m scripts <command>"
    return {name for _, name in calls}


def listed_commands(help_text: str) -> dict[str, str]:
    return {m["name"]: m["summary"] for m in map(HELP_ROW.match, help_text.splitlines()) if m}


def test_help_lists_every_command_the_makefile_calls_in_one_line_each():
    result = dispatcher("--help")
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "usage: python -m scripts <command> [options]"
    listed = listed_commands(result.stdout)
    assert makefile_commands() <= set(listed), makefile_commands() - set(listed)
    assert {"publish", "build", "import", "preview-email", "fetch-logs", "deploy"} <= set(listed)
    assert all(len(summary) > 10 for summary in listed.values())
    # every command row is one line: the rows are all the lines after the header
    assert len(listed) == len(lines) - 3
    # docs/development.md shows the listing as it is
    assert result.stdout.strip() in (ROOT / "docs" / "development.md").read_text(encoding="utf-8")


def test_help_imports_no_command():
    result = dispatcher("--help", options=("-X", "importtime"))
    assert result.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "scripts" in imported
    assert not {name for name in imported if name.startswith(("scripts.", "pelican", "connected"))}


def test_an_unknown_command_is_one_line_that_names_help():
    result = dispatcher("pubish", "--dry-run")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "python -m scripts: unknown command 'pubish': did you mean 'publish'? "
        "`python -m scripts --help` lists the commands."
    ]
    nothing = dispatcher("frobnicate")
    assert nothing.returncode == 2
    assert nothing.stderr.splitlines() == [
        "python -m scripts: unknown command 'frobnicate': `python -m scripts --help` lists the commands."
    ]
    bare = dispatcher()
    assert bare.returncode == 2 and bare.stdout == ""
    assert bare.stderr.splitlines()[0] == "usage: python -m scripts <command> [options]"


def test_a_commands_help_is_its_own_argparse_help_and_the_module_path_still_works():
    result = dispatcher("publish", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m scripts publish [-h] [--dry-run] [--check]")
    assert "--test-send ADDRESS" in result.stdout and "--baseline" in result.stdout
    old = subprocess.run([sys.executable, "-m", "scripts.publish", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert old.returncode == 0 and old.stdout == result.stdout


def test_a_command_that_returns_leaves_with_its_output_flushed_and_exit_handlers_run(tmp_path):
    """A command that returns leaves with os._exit (no heap teardown, scripts/warm.py's
    run_exit_handlers): before that, the atexit handlers run and the buffered output of a
    pipe is flushed, and the exit status is the command's."""
    marker = tmp_path / "atexit-ran"
    program = (
        "import atexit, runpy, sys, pathlib\n"
        f"atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text('yes'))\n"
        "sys.stdout.write('x' * 100_000)\n"  # more than one buffer's worth, in a pipe
        "sys.argv = ['scripts', 'warm', 'status']\n"
        "runpy.run_module('scripts', run_name='__main__', alter_sys=True)\n"
        "sys.stdout.write('after the command: never reached')\n"
    )
    env = {**os.environ, "CONNECTED_WARM_DIR": str(tmp_path / "sockets")}
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "x" * 100_000 + "No warm process serves this directory.\n"
    assert marker.read_text(encoding="utf-8") == "yes"
