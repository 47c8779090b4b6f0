"""The project installs as a package: no module edits the import path to find another."""

from __future__ import annotations

import ast
import tomllib

from tests.conftest import ROOT, SAMPLE

CODE = ("connected", "plugins", "scripts", "benchmarks")


def _python_files():
    yield from (SAMPLE / name for name in ("pelicanconf.py", "publishconf.py"))  # as shipped
    for top in CODE:
        yield from sorted((ROOT / top).rglob("*.py"))


_EDITING_METHODS = {"append", "insert", "extend", "remove", "pop", "clear", "__setitem__", "__delitem__"}
# How code a script writes out (the benchmarks' settings files) would edit it.
_EDITING_TEXT = ("sys.path.append", "sys.path.insert", "sys.path.extend", "sys.path =", "sys.path +=")


def _is_sys_path(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys"


def sys_path_edits(source: str) -> list[int]:
    """Lines that change sys.path: a method that edits it, an assignment to it or to an item
    or slice of it, `del` of one, or generated code doing any of those. Reading it is fine."""
    tree = ast.parse(source)
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _EDITING_METHODS:
            if _is_sys_path(node.func.value):
                lines.append(node.lineno)
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            inner = target.value if isinstance(target, ast.Subscript) else target
            if _is_sys_path(inner):
                lines.append(node.lineno)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if any(edit in text for edit in _EDITING_TEXT) or ("sys.path[" in text and "] =" in text):
                lines.append(node.lineno)
    return lines


def test_the_check_finds_edits_and_not_reads():
    assert sys_path_edits("import sys\nsys.path.insert(0, 'x')") == [2]
    assert sys_path_edits("import sys\nsys.path[:0] = ['x']") == [2]
    assert sys_path_edits("import sys\nsys.path += ['x']") == [2]
    assert sys_path_edits("CODE = 'import sys\\nsys.path.append(\".\")'") == [1]
    assert sys_path_edits("import sys\nkey = repr(sys.path[1:])\nfor p in sys.path: print(p)") == []
    assert sys_path_edits('"""Reads sys.path, as an import does."""') == []


def test_no_code_edits_sys_path():
    edits = []
    for path in _python_files():
        edits += [f"{path.relative_to(ROOT)}:{line}" for line in sys_path_edits(path.read_text(encoding="utf-8"))]
    assert edits == []


def test_every_plugin_and_script_package_is_in_the_distribution():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["connected", "plugins", "plugins.*", "scripts", "scripts.*"]
    assert find["namespaces"] is False  # so a directory without __init__.py would be left out:
    for top in ("connected", "plugins", "scripts"):
        for directory in [ROOT / top, *(p for p in (ROOT / top).iterdir() if p.is_dir())]:
            if directory.name != "__pycache__" and any(directory.glob("*.py")):
                assert (directory / "__init__.py").is_file(), directory
    assert config["build-system"]["build-backend"] == "setuptools.build_meta"
