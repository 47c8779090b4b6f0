"""Run the W3C Nu HTML checker (node_modules/vnu-jar) over built pages."""

import json
import shutil
import subprocess

import pytest

from tests.browser.site_pages import VNU_JAR


def run_vnu(files) -> list[dict]:
    if shutil.which("java") is None:
        pytest.fail("java is missing (vnu.jar needs it): run `make test-setup` for the fix")
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR} is missing: run `make test-setup`")
    # One JVM for every file: starting Java per page would cost a second each.
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            *[str(f) for f in files],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar gave no JSON (exit {result.returncode}): {result.stderr[-2000:]}")
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def describe(messages, root) -> str:
    lines = []
    for message in messages:
        where = message.get("url", "").removeprefix("file:")
        where = where.replace(str(root), "output")
        lines.append(
            f"{where}:{message.get('lastLine', '?')}: {message.get('message')}"
            f"  [{message.get('extract', '').strip()[:120]}]"
        )
    return "\n".join(lines)
