"""make uuids and make newpost look at the posts the build reads: never a hidden file or folder."""

from __future__ import annotations

from connected.files import hidden_under
from scripts.uuids import source_files


def test_hidden_files_and_folders_are_not_posts(tmp_path):
    content = tmp_path / "content"
    (content / "posts" / ".trash").mkdir(parents=True)
    for name in ("posts/a.md", "posts/.b.md", "posts/.trash/c.md"):
        (content / name).write_text("Title: x\n\nBody.\n", encoding="utf-8")
    assert [p.relative_to(content).as_posix() for p in source_files(content, ["posts"])] == ["posts/a.md"]
    assert hidden_under(content / "posts" / ".trash" / "c.md", content)
    assert not hidden_under(content / "posts" / "a.md", content)
    assert not hidden_under(tmp_path / ".hidden-home" / "content" / "posts" / "a.md", tmp_path / ".hidden-home" / "content")
