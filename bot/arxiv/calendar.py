"""arXiv's announcement calendar: when the feed should hold an announcement (SPEC section 2).

arXiv announces Sunday to Thursday at 20:00 US Eastern, except on holidays, and rebuilds
the feeds around midnight Eastern; so the feed of Eastern day D holds the announcement of
the evening of D-1, if there was one. Source: https://info.arxiv.org/help/availability.html
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")

#: Evenings without a mailing (holidays defer it), from arXiv's published schedule.
HOLIDAYS = frozenset(
    dt.date(2026, month, day)
    for month, day in (
        (1, 1),
        (1, 19),
        (6, 19),
        (7, 3),
        (9, 7),
        (11, 26),
        (12, 25),
        (12, 29),
        (12, 31),
    )
)

#: Sunday to Thursday (Python: Monday is 0).
_MAILING_WEEKDAYS = frozenset({6, 0, 1, 2, 3})

#: The feeds are rebuilt "around" midnight: before this hour an empty feed proves nothing.
_REBUILD_GRACE_HOURS = 2


def mailing_on(evening: dt.date) -> bool:
    """Say whether arXiv announces on the evening of `evening` (Eastern)."""
    return evening.weekday() in _MAILING_WEEKDAYS and evening not in HOLIDAYS


def feed_should_have_entries(now: dt.datetime) -> bool:
    """Say whether the feed at `now` should hold an announcement, so empty is a problem."""
    eastern = now.astimezone(EASTERN)
    if eastern.hour < _REBUILD_GRACE_HOURS:
        return False
    return mailing_on(eastern.date() - dt.timedelta(days=1))
