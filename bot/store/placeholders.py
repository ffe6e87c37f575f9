"""Parameter placeholders: the store's queries use SQLite's, PostgreSQL wants numbered ones.

Queries are written once with `?` (positional) or `:name` (named) parameters, as sqlite3
takes them. asyncpg takes only `$1`, `$2`, ... (https://magicstack.github.io/asyncpg/current/
usage.html), so the PostgreSQL backend rewrites each statement here, once (the result is
cached), and turns the parameters into a tuple in the same order. Quoted strings, quoted
names, comments and `::` casts are left alone.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

# One token at a time: a quoted string, a quoted name, a comment, a cast, or a placeholder.
_TOKEN = re.compile(
    r"""
      '(?:[^']|'')*'            # a string literal ('' is a quote inside it)
    | "(?:[^"]|"")*"            # a quoted identifier
    | --[^\n]*                  # a line comment
    | /\*.*?\*/                 # a block comment
    | ::                        # a PostgreSQL cast, not a named parameter
    | \?                        # a positional parameter
    | :(?P<name>[A-Za-z_]\w*)   # a named parameter
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclasses.dataclass(frozen=True, slots=True)
class Numbered:
    """A statement rewritten with `$n` placeholders, and what each number stands for.

    `names` is set for a statement with named parameters (the name of `$1`, `$2`, ...);
    `count` is the number of `?` of a positional one.
    """

    sql: str
    names: tuple[str, ...] = ()
    count: int = 0

    def arguments(self, params: Sequence[Any] | Mapping[str, Any]) -> tuple[Any, ...]:
        """Return `params` as the positional arguments of the rewritten statement."""
        if isinstance(params, Mapping):
            if self.count:
                raise TypeError("a statement with `?` parameters needs a sequence of values")
            return tuple(params[name] for name in self.names)
        if self.names:
            raise TypeError("a statement with named parameters needs a mapping of values")
        if len(params) != self.count:
            raise TypeError(f"the statement takes {self.count} parameters, got {len(params)}")
        return tuple(params)


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> Numbered:
    """Rewrite `?` and `:name` placeholders as `$1`, `$2`, ...; a name used twice keeps its number.

    A statement may use one style only (as sqlite3 requires).
    """
    names: list[str] = []
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        text = match.group(0)
        if text == "?":
            count += 1
            return f"${count}"
        name = match.group("name")
        if name is None:
            return text  # a literal, a comment or a cast: unchanged
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    rewritten = _TOKEN.sub(replace, sql)
    if count and names:
        raise ValueError("a statement mixes `?` and `:name` parameters")
    return Numbered(rewritten, tuple(names), count)
