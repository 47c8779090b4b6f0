"""The project installs as a package: no module edits the import path to find another."""

from __future__ import annotations

import ast
import tomllib

from tests.conftest import ROOT

CODE = ("connected", "plugins", "scripts", "benchmarks")


def _python_files():
    yield from (ROOT / name for name in ("pelicanconf.py", "publishconf.py"))
    for top in CODE:
        yield from sorted((ROOT / top).rglob("*.py"))


def test_no_code_edits_sys_path():
    edits = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        # Code that a script writes out (benchmarks' settings files) is checked too.
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "sys.path" in node.value:
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno} (generated code)")
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
