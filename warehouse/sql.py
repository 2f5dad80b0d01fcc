"""Named SQL statements kept in ``warehouse/sql/*.sql``.

A file holds one or more statements, each introduced by a ``-- name: <name>`` line, so every SQL
statement of newsmill lives in this folder and Python refers to it by name. ``{{table.list}}``
placeholders are filled with column lists from :mod:`newsmill.warehouse.schema`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\S+)\s*$", re.M)


@cache
def _file(filename: str) -> dict[str, str]:
    from newsmill.warehouse.schema import render

    # column lists ({{articles.insert_columns}}, ...) come from the one schema spec
    text = render(resources.files("newsmill.warehouse").joinpath("sql", filename).read_text(encoding="utf-8"))
    parts = _NAME.split(text)
    out = {}
    for i in range(1, len(parts), 2):
        out[parts[i]] = parts[i + 1].strip().rstrip(";")
    return out


def q(filename: str, name: str) -> str:
    """The statement ``name`` from ``warehouse/sql/<filename>``."""
    try:
        return _file(filename)[name]
    except KeyError:
        raise KeyError(f"no statement '-- name: {name}' in warehouse/sql/{filename}") from None


def statements(filename: str) -> list[tuple[str, str]]:
    """All statements of a file in order, as (name, sql)."""
    return list(_file(filename).items())
