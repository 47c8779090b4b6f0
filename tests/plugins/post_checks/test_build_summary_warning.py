"""A published post without Summary builds, with a warning naming the file."""

import logging
import shutil

from tests.conftest import DATA, build_site


def test_missing_summary_is_a_warning_naming_the_file(tmp_path, caplog):
    content = tmp_path / "src"
    shutil.copytree(DATA / "good_minimal", content)
    post = next(p for p in sorted((content).rglob("*.md")) if "Summary:" in p.read_text("utf-8"))
    text = post.read_text("utf-8")
    post.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("Summary:")) + "\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        output = build_site(tmp_path, content)
    messages = [r.getMessage() for r in caplog.records if "has no Summary" in r.getMessage()]
    assert len(messages) == 1 and post.name in messages[0]
    assert (output / "index.html").is_file()
