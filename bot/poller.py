"""Watch and record: poll the announcement feed, store what is new (docs/behaviour.md).

The poller is the only writer of announcements. It keeps the feed's validators per request
URL so that an unchanged feed costs a 304, and tells the caller when an announcement newer
than any it had before has arrived.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from bot.arxiv.calendar import feed_should_have_entries
from bot.arxiv.feed import FeedClient, FeedValidators
from bot.errors import ArxivError
from bot.outcomes import PollResult, PollStatus
from bot.store import announcements, poll_state
from bot.store.db import Database
from bot.timeutil import utc_now

log = logging.getLogger(__name__)


class Poller:
    """Fetch the feed for a set of categories and record its announcement."""

    def __init__(
        self, db: Database, feed: FeedClient, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._db = db
        self._feed = feed
        self._clock = clock

    async def poll(self, categories: Sequence[str]) -> PollResult:
        """Poll once; record errors in the poll state (for `/status`) and re-raise them."""
        wanted = tuple(dict.fromkeys(categories))
        before = await announcements.latest_announcement_date(self._db, wanted)
        states = {state.url: state for state in await poll_state.list_poll_states(self._db)}
        validators = {
            url: FeedValidators(state.etag, state.last_modified) for url, state in states.items()
        }
        now = self._clock()
        try:
            fetched = await self._feed.fetch(wanted, validators)
        except ArxivError as exc:
            url = self._feed.url_for(wanted)
            state = states.get(url) or poll_state.PollState(url=url)
            await poll_state.save_poll_state(
                self._db,
                dataclasses.replace(
                    state,
                    last_poll_at=now,
                    last_result=PollStatus.FAILED,
                    last_error=str(exc)[:500],
                ),
            )
            raise
        for url, result in fetched.results.items():
            if result.papers and result.announced is not None:
                await announcements.record_announcement(
                    self._db, result.announced, result.categories, result.papers, now=now
                )
            state = states.get(url) or poll_state.PollState(url=url)
            await poll_state.save_poll_state(
                self._db,
                dataclasses.replace(
                    state,
                    etag=result.validators.etag,
                    last_modified=result.validators.last_modified,
                    last_poll_at=now,
                    last_success_at=now,
                    last_result=(
                        PollStatus.NOT_MODIFIED if result.not_modified else PollStatus.FETCHED
                    ),
                    last_error=None,
                    last_announcement_date=result.announced or state.last_announcement_date,
                ),
            )
        latest = await announcements.latest_announcement_date(self._db, wanted)
        is_new = latest is not None and (before is None or latest > before)
        status = PollStatus.NOT_MODIFIED if fetched.not_modified else PollStatus.FETCHED
        if is_new:
            log.info("new announcement %s for %s", latest, " ".join(wanted))
        elif not fetched.not_modified and not fetched.papers:
            status = await self._empty_feed(wanted, list(fetched.results), now)
        return PollResult(status=status, latest=latest, is_new=is_new, papers=len(fetched.papers))

    async def _empty_feed(
        self, wanted: tuple[str, ...], urls: list[str], now: dt.datetime
    ) -> PollStatus:
        """Log an empty feed; on a day that should have an announcement, flag it for /status.

        An empty feed on a weekend or holiday is normal; on an announcement day it is not
        (docs/behaviour.md, "The calendar"): the next poll retries, and the poll state says
        so meanwhile.
        """
        if not feed_should_have_entries(now):
            log.info("feed for %s is empty (normal on weekends and holidays)", " ".join(wanted))
            return PollStatus.FETCHED
        log.warning(
            "feed for %s is empty on an announcement day; retrying at the next poll",
            " ".join(wanted),
        )
        for url in urls:
            state = await poll_state.get_poll_state(self._db, url)
            await poll_state.save_poll_state(
                self._db,
                dataclasses.replace(state, last_result=PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY),
            )
        return PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY
