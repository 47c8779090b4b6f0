"""The one base class of every error Connected reports to the writer.

Each command catches `ConnectedError` at its edge and prints the message as one line: the
message already names the file or setting and the fix, so no traceback is shown. Subclasses
say which part of the project raised it; `SettingsError` is the base of every settings
dict's own error, so a check that reads one schema can raise one kind.
"""

from __future__ import annotations


class ConnectedError(Exception):
    """A problem the writer can fix; the message says what and how."""


class SettingsError(ConnectedError, ValueError):
    """A value in pelicanconf.py / publishconf.py (or .env) is wrong; the message names it.

    A ValueError too, because Pelican's plugin loader and older callers catch that.
    """
