"""DEPLOY is read like every settings dict: connected/settings_schema.read_dict checks its keys
and values (defaults from SCHEMA), scripts/deploy.py adds only the rules that need two keys,
and every mistake is one line naming DEPLOY['KEY'] and the fix. make fetch-logs reads the
rsync options through the same loader."""

import subprocess
import sys

import pytest

from connected.errors import SettingsError
from connected.settings_schema import SCHEMA
from scripts.deploy import DeployError, deploy_settings
from tests.conftest import ROOT, sample_settings

WHERE = " (in publishconf.py or pelicanconf.py)."


def test_the_defaults_are_the_schemas():
    cfg = deploy_settings({})
    assert cfg == {key: spec.default for key, spec in SCHEMA["DEPLOY"].items()}
    cfg["RSYNC_OPTIONS"].append("-v")
    assert deploy_settings({"DEPLOY": None})["RSYNC_OPTIONS"] == []  # fresh copies


def test_texts_are_stripped_and_none_reads_as_empty():
    cfg = deploy_settings({"DEPLOY": {"TARGET": "rsync", "RSYNC_DESTINATION": "  me@host:/srv/site/ ",
                                      "GITHUB_PAGES_CNAME": None, "RSYNC_OPTIONS": ("-e", "ssh -p 2")}})
    assert cfg["RSYNC_DESTINATION"] == "me@host:/srv/site/"
    assert cfg["GITHUB_PAGES_CNAME"] == ""
    assert cfg["RSYNC_OPTIONS"] == ["-e", "ssh -p 2"]


@pytest.mark.parametrize(
    ("deploy", "message"),
    [
        ({"TARGET": "ftp"}, "DEPLOY['TARGET'] must be 'none' or 'rsync' or 'github-pages'; got 'ftp'"),
        ({"RSYNC_DESTINATION": 5},
         "DEPLOY['RSYNC_DESTINATION'] must be text like 'user@host:/var/www/site/', not int"),
        ({"RSYNC_OPTIONS": ["-e", 2]},
         "DEPLOY['RSYNC_OPTIONS'] must be a list of strings, e.g. [\"-e\", \"ssh -p 2222\"]; got ['-e', 2]"),
        ({"TARGET": "github-pages", "GITHUB_PAGES_REMOTE": "my remote"},
         "DEPLOY['GITHUB_PAGES_REMOTE'] is 'my remote': set the git remote to push to (default \"origin\")"),
        ({"TARGET": "rsync", "RSYNC_DESTINATION": "me@host:~/"},
         "DEPLOY['RSYNC_DESTINATION'] points at '~/', which --delete would wipe: give the site's own "
         "directory, e.g. user@host:/var/www/site/"),
        ({"TARGT": "none"}, "DEPLOY['TARGT'] is not a DEPLOY setting: did you mean 'TARGET'? remove or rename "
         "the unknown key(s) TARGT; known keys: " + ", ".join(SCHEMA["DEPLOY"])),
        ("rsync", "DEPLOY must be a dict, but DEPLOY in pelicanconf.py is a str: write a dict, "
         "e.g. DEPLOY = {'TARGET': 'none'}"),
    ],
)  # fmt: skip
def test_each_mistake_is_one_line_naming_the_key_and_the_fix(deploy, message):
    with pytest.raises(DeployError) as caught:
        deploy_settings({"DEPLOY": deploy})
    assert str(caught.value) == message + WHERE
    assert isinstance(caught.value, SettingsError)


def test_fetch_logs_takes_the_rsync_options_through_the_deploy_loader(tmp_path):
    sample_settings(tmp_path)
    (tmp_path / "content").mkdir(exist_ok=True)
    settings = tmp_path / "publishconf.py"
    base = settings.read_text(encoding="utf-8") + '\nSTATS = {"LOGS_REMOTE": "me@example.com:/var/log/"}\n'

    def fetch_logs(deploy: str) -> subprocess.CompletedProcess:
        settings.write_text(base + f"DEPLOY = {deploy}\n", encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "scripts.fetch_logs", "--root", str(tmp_path), "--dry-run"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )

    tuple_options = fetch_logs('{"RSYNC_OPTIONS": ("-e", "ssh -p 2222")}')
    assert tuple_options.returncode == 0, tuple_options.stderr
    assert tuple_options.stdout.split()[3:7] == ["-e", "ssh", "-p", "2222"]
    bad = fetch_logs('{"RSYNC_OPTIONS": "-e ssh"}')
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.strip() == (
        "make fetch-logs stopped: DEPLOY['RSYNC_OPTIONS'] must be a list of strings, "
        "e.g. [\"-e\", \"ssh -p 2222\"]; got '-e ssh'" + WHERE
    )
