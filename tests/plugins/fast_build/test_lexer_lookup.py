"""plugins/fast_build's lexer lookup for codehilite: Pygments' get_lexer_by_name with the
class found once per name, which must give what Pygments gives for every name."""

from __future__ import annotations

import pygments.lexers
import pytest
from markdown.extensions import codehilite
from pygments.util import ClassNotFound

from plugins.fast_build import parallel_markdown
from plugins.fast_build.parallel_markdown import RawMarkdownReader, get_lexer_by_name

NAMES = ["python", "PY", "python3", "text", "bash", "console", "json", "yaml", "html+jinja", "c++",
         "no-such-language", "", "Python ", "js", "JavaScript", "rst", "diff", "toml"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_the_same_lexer_as_pygments_or_the_same_error(name):
    options = {"stripnl": False, "tabsize": 4}
    try:
        expected = pygments.lexers.get_lexer_by_name(name, **options)
    except ClassNotFound as exc:
        for _ in range(2):  # a name Pygments does not know is asked again, not remembered
            with pytest.raises(ClassNotFound, match=str(exc).replace("+", r"\+")):
                get_lexer_by_name(name, **options)
        return
    for _ in range(2):
        found = get_lexer_by_name(name, **options)
        assert type(found) is type(expected)
        assert found.options == expected.options and found.tabsize == 4 and not found.stripnl


def test_the_reader_gives_codehilite_the_lookup(monkeypatch):
    monkeypatch.setattr(codehilite, "get_lexer_by_name", parallel_markdown._PYGMENTS_GET_LEXER)
    RawMarkdownReader({"MARKDOWN": {}, "FORMATTED_FIELDS": []})
    assert codehilite.get_lexer_by_name is get_lexer_by_name


def test_a_lookup_someone_else_installed_is_kept(monkeypatch):
    def theirs(alias, **options):
        raise AssertionError("not called here")

    monkeypatch.setattr(codehilite, "get_lexer_by_name", theirs)
    RawMarkdownReader({"MARKDOWN": {}, "FORMATTED_FIELDS": []})
    assert codehilite.get_lexer_by_name is theirs
