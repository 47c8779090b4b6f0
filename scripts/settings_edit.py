"""Change the values of plain assignments in a settings file, leaving every other byte.

`make init` writes the writer's answers into pelicanconf.py and publishconf.py.
Those are the writer's own Python files (comments, their own settings, odd
formatting), so nothing here rewrites or regex-matches them: the file is parsed
with `ast`, the value of a known top-level assignment (`SITEURL = "…"`) or of
one key of a top-level dict literal (`AUTHOR_PROFILE = {"NAME": "…", …}`) is
located by its source position, and only those characters are replaced by a
new literal. When the value is set more than once, the last top-level
assignment wins (as in Python), including `AUTHOR_PROFILE["NAME"] = "…"`
written after the dict. A value the file computes (a call, a variable) is not
touched: `SettingsEditError` names the line so the writer edits it by hand.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

from connected.errors import ConnectedError


class SettingsEditError(ConnectedError):
    """The file cannot be edited safely; the message names the file, line and the fix."""


@dataclass(frozen=True)
class Edit:
    start: int  # byte offsets into the UTF-8 source
    end: int
    text: str


def literal(value: Any) -> str:
    """A Python literal for a str, bool, None, number, or a list/tuple of those."""
    if isinstance(value, str):
        # A JSON string is a valid Python string literal (same escapes), and keeps
        # non-ASCII text readable.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        items = ", ".join(literal(v) for v in value)
        if isinstance(value, tuple):
            return f"({items}{',' if len(value) == 1 else ''})"
        return f"[{items}]"
    raise TypeError(f"cannot write {value!r} as a settings literal")


class SettingsSource:
    """One settings file's text, with pending edits applied by `result()`."""

    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.data = text.encode("utf-8")
        try:
            self.tree = ast.parse(self.data, filename=filename)
        except SyntaxError as exc:
            raise SettingsEditError(
                f"{filename}:{exc.lineno}: not valid Python ({exc.msg}): fix that line, then run `make init` again."
            ) from None
        self._line_starts = [0]
        for index, byte in enumerate(self.data):
            if byte == 0x0A:
                self._line_starts.append(index + 1)
        self.edits: list[Edit] = []

    # --- Finding values ---------------------------------------------------------------------
    def _offset(self, lineno: int, col: int) -> int:
        # ast column offsets count UTF-8 bytes, so the arithmetic is on bytes.
        return self._line_starts[lineno - 1] + col

    def _span(self, node: ast.AST) -> tuple[int, int]:
        return self._offset(node.lineno, node.col_offset), self._offset(node.end_lineno, node.end_col_offset)

    def _assignments(self):
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                yield node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                yield node.target, node.value

    def value_node(self, name: str) -> ast.expr | None:
        """The expression last assigned to `name` at the top level."""
        found = None
        for target, value in self._assignments():
            if isinstance(target, ast.Name) and target.id == name:
                found = value
        return found

    def dict_value_node(self, dict_name: str, key: str) -> tuple[ast.expr | None, ast.Dict | None]:
        """(the expression last given to dict_name[key], the dict literal itself)."""
        found, mapping = None, None
        for target, value in self._assignments():
            if isinstance(target, ast.Name) and target.id == dict_name:
                found, mapping = None, value if isinstance(value, ast.Dict) else None
                if mapping is None:
                    raise SettingsEditError(
                        f"{self.filename}:{value.lineno}: {dict_name} is not a {{…}} literal, so "
                        f"{dict_name}['{key}'] cannot be set for you: set it by hand."
                    )
                for k, v in zip(mapping.keys, mapping.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == key:
                        found = v
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == dict_name
                and isinstance(target.slice, ast.Constant)
                and target.slice.value == key
            ):
                found = value
        return found, mapping

    def current(self, node: ast.expr | None) -> Any:
        """The literal value of a node, or a marker object for a computed one."""
        if node is None:
            return None
        try:
            return ast.literal_eval(node)
        except ValueError:
            return COMPUTED

    def source_of(self, node: ast.AST) -> str:
        start, end = self._span(node)
        return self.data[start:end].decode("utf-8")

    # --- Changing values --------------------------------------------------------------------
    def set(self, name: str, value: Any, *, append_comment: str = "") -> None:
        """Give the top-level assignment `name = …` a new literal value (appended if absent)."""
        node = self.value_node(name)
        if node is None:
            note = f"# {append_comment}\n" if append_comment else ""
            tail = b"" if not self.data or self.data.endswith(b"\n") else b"\n"
            at = len(self.data)
            self.edits.append(Edit(at, at, tail.decode() + f"\n{note}{name} = {literal(value)}\n"))
            return
        self._replace(node, value, name)

    def set_expression(self, name: str, expression: str) -> None:
        """Replace the value of `name = …` by Python source (e.g. AUTHOR_PROFILE["NAME"])."""
        node = self.value_node(name)
        if node is None:
            raise SettingsEditError(f"{self.filename}: {name} is not assigned at the top level.")
        start, end = self._span(node)
        self.edits.append(Edit(start, end, expression))

    def line_of(self, name: str) -> int | None:
        """The line of the last top-level assignment to `name`."""
        node = self.value_node(name)
        return node.lineno if node is not None else None

    def set_in_dict(self, dict_name: str, key: str, value: Any) -> None:
        node, mapping = self.dict_value_node(dict_name, key)
        if node is not None:
            self._replace(node, value, f"{dict_name}['{key}']")
            return
        if mapping is None:
            raise SettingsEditError(
                f"{self.filename}: there is no {dict_name} = {{…}} to add '{key}' to: add "
                f"{dict_name} = {{{literal(key)}: {literal(value)}}} by hand."
            )
        self._insert_key(mapping, key, value)

    def _replace(self, node: ast.expr, value: Any, what: str) -> None:
        if self.current(node) is COMPUTED:
            raise SettingsEditError(
                f"{self.filename}:{node.lineno}: {what} is computed ({self.source_of(node)}), so it is "
                f"not changed for you: set it to {literal(value)} by hand, or make it a plain value."
            )
        start, end = self._span(node)
        self.edits.append(Edit(start, end, literal(value)))

    def _insert_key(self, mapping: ast.Dict, key: str, value: Any) -> None:
        entry = f"{literal(key)}: {literal(value)}"
        if not mapping.values:
            start, end = self._span(mapping)
            self.edits.append(Edit(start, end, "{" + entry + "}"))
            return
        last = mapping.values[-1]
        _, end = self._span(last)
        indent = " " * mapping.keys[-1].col_offset if mapping.keys[-1] is not None else "    "
        rest = self.data[end:]
        stripped = rest.lstrip(b" \t")
        if stripped.startswith(b","):
            at = end + (len(rest) - len(stripped)) + 1
            self.edits.append(Edit(at, at, f"\n{indent}{entry},"))
        else:
            self.edits.append(Edit(end, end, f",\n{indent}{entry},"))

    def result(self) -> str:
        data = self.data
        for edit in sorted(self.edits, key=lambda e: e.start, reverse=True):
            data = data[: edit.start] + edit.text.encode("utf-8") + data[edit.end :]
        return data.decode("utf-8")


class _Computed:
    def __repr__(self) -> str:
        return "<computed>"


COMPUTED = _Computed()
