"""The store's statements, written with sqlite3's placeholders, as PostgreSQL takes them."""

from __future__ import annotations

import pytest

from bot.store.placeholders import numbered


def test_positional_placeholders_are_numbered_in_order() -> None:
    statement = numbered("UPDATE t SET a = ? WHERE b = ? AND c = ?")
    assert statement.sql == "UPDATE t SET a = $1 WHERE b = $2 AND c = $3"
    assert statement.arguments(("x", 2, None)) == ("x", 2, None)


def test_a_name_used_twice_keeps_its_number() -> None:
    statement = numbered("VALUES (:id, :now, :now) WHERE :id > 0")
    assert statement.sql == "VALUES ($1, $2, $2) WHERE $1 > 0"
    assert statement.arguments({"now": "t", "id": 7, "unused": 1}) == (7, "t")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT '?', ':name', 'it''s ?' FROM t",
        'SELECT "odd?name" FROM t',
        "SELECT 1 -- a comment? with :words\nFROM t",
        "SELECT 1 /* ? :x */ FROM t",
        "SELECT CAST(x AS text), y::jsonb FROM t",
        "SELECT '2026-04-28T00:00:00+00:00'",
    ],
)
def test_literals_comments_and_casts_are_left_alone(sql: str) -> None:
    statement = numbered(sql)
    assert statement.sql == sql
    assert statement.arguments(()) == ()


def test_values_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(TypeError):
        numbered("SELECT ?").arguments({"a": 1})
    with pytest.raises(TypeError):
        numbered("SELECT :a").arguments((1,))
    with pytest.raises(TypeError):
        numbered("SELECT ?, ?").arguments((1,))
    with pytest.raises(ValueError, match="mixes"):
        numbered("SELECT ?, :a")
