"""`make fetch-logs`: the rsync command from STATS['LOGS_REMOTE'], or how to copy the logs by hand."""

import subprocess
import sys

from scripts.fetch_logs import command
from tests.conftest import ROOT, sample_settings


def run(project, *args):
    (project / "content").mkdir(exist_ok=True)  # Pelican's settings want a content folder
    return subprocess.run([sys.executable, "-m", "scripts.fetch_logs", "--root", str(project), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_without_a_remote_it_says_how_to_copy_by_hand(tmp_path):
    sample_settings(tmp_path)
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("STATS['LOGS_REMOTE'] is not set, so there is nothing to fetch from.")
    assert "scp 'user@host:/var/log/nginx/access.log*' logs/" in result.stdout
    assert not (tmp_path / "logs").exists()


def test_with_a_remote_it_runs_rsync_into_logs_dir(tmp_path):
    sample_settings(tmp_path)
    settings = tmp_path / "publishconf.py"
    settings.write_text(settings.read_text(encoding="utf-8")
                        + '\nSTATS = {"LOGS_REMOTE": "deploy@example.com:/var/log/nginx", "LOGS_DIR": "weblogs"}\n'
                        + 'DEPLOY = {"TARGET": "none", "RSYNC_OPTIONS": ["-e", "ssh -p 2222"]}\n',
                        encoding="utf-8")
    result = run(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "rsync", "-az", "--partial", "-e", "ssh", "-p", "2222", "--include=access.log*",
        "--include=*access*.log*", "--exclude=*", "--", "deploy@example.com:/var/log/nginx/",
        f"{tmp_path / 'weblogs'}/"]


def test_a_local_source_is_copied(tmp_path):
    """A real rsync from a local folder (a path is a valid rsync source): only the access logs."""
    import shutil

    if shutil.which("rsync") is None:
        import pytest

        pytest.skip("rsync is not installed")
    source = tmp_path / "server"
    source.mkdir()
    (source / "access.log").write_text("a\n")
    (source / "access.log.2.gz").write_bytes(b"\x1f\x8b")
    (source / "error.log").write_text("e\n")
    project = tmp_path / "site"
    sample_settings(project)
    settings = project / "publishconf.py"
    settings.write_text(settings.read_text(encoding="utf-8") + f'\nSTATS = {{"LOGS_REMOTE": "{source}"}}\n',
                        encoding="utf-8")
    result = run(project)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "logs").iterdir()) == ["access.log", "access.log.2.gz"]
    assert "Note: STATS['ACCESS_LOGS'] does not name logs/" in result.stdout


def test_command_keeps_the_source_a_folder():
    assert command("h:/var/log/nginx", ROOT / "logs")[-2] == "h:/var/log/nginx/"
