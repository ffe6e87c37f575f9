"""Tell servers, once, when arXiv's feed stays empty or unchanged on an announcement night.

The feed is rebuilt around midnight New York time; on a day with an announcement it should
then show it (docs/behaviour.md, "The calendar"). Each poll retries; the backfill lists the
announcement from the query API once the rebuild's grace has passed. If the feed still has
not shown it `ALERT_AFTER` later, although it showed an earlier announcement in the past
week, every server with a digest in the categories is told, once per announcement: in its
system channel, or else in the digest's channel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence

from bot.arxiv.calendar import (
    BACKFILL_DAYS,
    REBUILD_GRACE,
    feed_date_at,
    feed_should_have_entries,
    mailing_dated,
)
from bot.delivery.sender import Sender, SendError
from bot.store import announcements, listings, poll_state
from bot.store.db import Database
from bot.targets.model import DigestConfig, TargetKey
from bot.timeutil import utc_now
from bot.words import feed_behind

log = logging.getLogger(__name__)

#: How long after the rebuild's grace (02:00 New York) a feed without the day's announcement
#: is worth telling people about: 04:00 New York, 09:00 or 10:00 UTC.
ALERT_AFTER = dt.timedelta(hours=2)

_TOLD = "feed-alert:"  # bot_state key prefix: one per announcement date


class FeedAlarm:
    """Check after each poll whether the feed is behind, and tell the servers concerned once."""

    def __init__(
        self, db: Database, sender: Sender, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._db = db
        self._sender = sender
        self._clock = clock
        #: The announcement the feed was last found behind on, and when servers were told.
        self.last_alert: tuple[dt.date, dt.datetime] | None = None

    async def check(self, categories: Sequence[str], digests: Sequence[DigestConfig]) -> bool:
        """Tell the servers of `digests` if the feed for `categories` is behind; say if told."""
        now = self._clock()
        expected = feed_date_at(now)
        mailing = None if expected is None else mailing_dated(expected)
        if not feed_should_have_entries(now) or expected is None or mailing is None:
            return False
        if now < mailing.available_at + REBUILD_GRACE + ALERT_AFTER:
            return False
        first = expected - dt.timedelta(days=BACKFILL_DAYS)
        shown = await listings.latest_feed_date(self._db, categories, first)
        # Behind means: the feed showed an earlier announcement this past week and not this
        # one. Without a feed of the past week (a new bot, or one down for longer) there is
        # nothing to compare with; the backfill fills the week in either way.
        if shown is None or shown >= expected:
            return False
        key = _TOLD + expected.isoformat()
        if await poll_state.get_value(self._db, key) is not None:
            return False
        # Marked before telling: a crash costs one notice rather than repeating it.
        await poll_state.set_value(self._db, key, now.isoformat(), now=now)
        recorded = await announcements.latest_announcement_date(self._db, categories)
        text = feed_behind(
            expected, categories, from_api=recorded is not None and recorded >= expected
        )
        log.warning("%s", text)
        self.last_alert = (expected, now)
        wanted = set(categories)
        by_guild: dict[int, int] = {}
        for config in digests:
            if not config.paused and wanted.intersection(config.categories):
                by_guild.setdefault(config.guild_id, config.channel_id)
        for guild_id, channel_id in by_guild.items():
            await self._tell(guild_id, channel_id, text, expected)
        return True

    async def _tell(self, guild_id: int, channel_id: int, text: str, date: dt.date) -> None:
        """Post in the server's system channel, or else in the digest's channel."""
        if await self._sender.notify_guild(guild_id, text):
            return
        nonce = hashlib.sha256(f"{_TOLD}{date}:{channel_id}".encode()).hexdigest()[:25]
        payload = {"content": text, "embeds": [], "allowed_mentions": {"parse": []}}
        try:
            await self._sender.send(TargetKey.channel(channel_id), payload, nonce)
        except SendError as exc:
            log.info("could not tell channel %s that the feed is behind: %s", channel_id, exc)
