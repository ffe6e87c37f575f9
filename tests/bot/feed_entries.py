"""Feed entries of Mon 27 and Tue 28 Apr 2026, in cs.AI and a few other categories.

Shared by the store's announcement tests and the tests of what each target sees of them.
"""

from __future__ import annotations

import datetime as dt

from bot.models import AnnounceType, Author, Paper

NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)
MON = dt.date(2026, 4, 27)
TUE = dt.date(2026, 4, 28)


def entry(
    base_id: str,
    categories: tuple[str, ...],
    announce_type: AnnounceType = AnnounceType.NEW,
    version: int = 1,
) -> Paper:
    """Return a feed entry: primary category first, as the feed lists them."""
    return Paper(
        base_id=base_id,
        version=version,
        title=f"Paper {base_id}",
        abstract="An abstract.",
        authors=(Author("A. Author"),),
        categories=categories,
        announce_type=announce_type,
    )


NEW_AI = entry("2604.00001", ("cs.AI", "cs.LG"))
NEW_CL = entry("2604.00002", ("cs.CL",))
CROSS_FROM_CV = entry("2604.00003", ("cs.CV", "cs.AI"), AnnounceType.CROSS)
REPLACED_AI = entry("2603.09999", ("cs.AI",), AnnounceType.REPLACE, version=2)
