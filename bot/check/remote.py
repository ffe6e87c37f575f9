"""The checks of arXiv and Claude: one cheap request each, as the bot itself would make it."""

from __future__ import annotations

from bot.app import open_arxiv
from bot.check import words
from bot.check.report import Checklist, Mark
from bot.config import Settings
from bot.errors import ArxivError
from bot.summarize.claude import ModelLookup, look_up_model, open_sdk_client

ARXIV_FEED = "arXiv feed"
ARXIV_API = "arXiv API"
CLAUDE = "Claude"
PRICE = "price table"

#: A check waits this long for one answer at most (less than the bot's own deadlines: an
#: operator is waiting), and tries once.
TIMEOUT_SECONDS = 20.0
#: A paper every arXiv mirror has: "Attention Is All You Need".
KNOWN_PAPER = "1706.03762"


async def check_arxiv(checks: Checklist, settings: Settings) -> None:
    """Fetch the feed of the first default category, then query the API for one paper.

    Both go through one limiter, as the bot's requests do, so arXiv sees them spaced.
    """
    timeout = min(settings.arxiv_timeout_seconds, TIMEOUT_SECONDS)
    async with open_arxiv(settings, timeout=timeout, max_attempts=1) as arxiv:
        category = settings.default_categories[0]
        url = arxiv.feed.url_for([category])
        try:
            fetched = await arxiv.feed.fetch([category])
        except ArxivError as exc:
            checks.add(Mark.FAIL, ARXIV_FEED, words.arxiv_bad(url, "ARXIV_FEED_URL", str(exc)))
        else:
            announced = None if fetched.announced is None else fetched.announced.isoformat()
            checks.add(Mark.OK, ARXIV_FEED, words.feed_ok(url, len(fetched.papers), announced))
        api_url = settings.arxiv_api_url
        try:
            await arxiv.api.fetch([KNOWN_PAPER])
        except ArxivError as exc:
            checks.add(Mark.FAIL, ARXIV_API, words.arxiv_bad(api_url, "ARXIV_API_URL", str(exc)))
        else:
            checks.add(Mark.OK, ARXIV_API, words.api_ok(api_url))


async def check_claude(checks: Checklist, settings: Settings) -> None:
    """Ask the Models API about ANTHROPIC_MODEL (free), then look the model up in the prices."""
    model = settings.anthropic_model
    async with open_sdk_client(settings) as sdk:
        if sdk is None:
            checks.add(Mark.NOTE, CLAUDE, words.NO_ANTHROPIC_KEY)
        else:
            found = await look_up_model(sdk, model, timeout=TIMEOUT_SECONDS)
            if found.outcome is ModelLookup.FOUND and found.lifecycle == "retired":
                checks.add(Mark.FAIL, CLAUDE, words.model_retired(model))
            elif found.outcome is ModelLookup.FOUND and found.lifecycle == "deprecated":
                checks.add(Mark.NOTE, CLAUDE, words.model_deprecated(model))
            elif found.outcome is ModelLookup.FOUND:
                checks.add(Mark.OK, CLAUDE, words.model_ok(model, found.model_id))
            elif found.outcome is ModelLookup.KEY_REFUSED:
                checks.add(Mark.FAIL, CLAUDE, words.KEY_REFUSED.format(detail=found.detail))
            elif found.outcome is ModelLookup.UNKNOWN_MODEL:
                checks.add(Mark.FAIL, CLAUDE, words.model_unknown(model, found.detail))
            else:
                checks.add(Mark.FAIL, CLAUDE, words.anthropic_unreachable(found.detail))
    prices = settings.price_per_mtok(model)
    if prices is None:
        checks.add(Mark.FAIL, PRICE, words.price_missing(model))
    else:
        checks.add(Mark.OK, PRICE, words.price_ok(model, prices))
