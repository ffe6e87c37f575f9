"""The sentences people read about targets and outcomes, written in one place.

Services return types (`bot.outcomes`, `bot.targets.model`, `FallbackReason`); the cogs, the
renderer and the CLI ask this module how to say them. Channels and times are written in
Discord's markup (`<#id>`, `<t:...>`), which Discord shows in each reader's own language and
timezone; this module imports nothing from discord.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from bot.models import DigestItem, FallbackReason
from bot.outcomes import NotPosted, PollStatus, PostResult, SendProblem
from bot.targets.model import DigestConfig, PauseReason, PostPlace, Subscription
from bot.timeutil import known_zone

if TYPE_CHECKING:  # types only: this module stays cheap to import
    from bot.status import FeedPoll, StatusReport
    from bot.store.outbox_retries import UnsentPost
    from bot.store.passes import Progress
    from bot.summarize.service import ServerUsage, UsageReport
    from bot.targets.outlook import Outlook

# --- summaries ---------------------------------------------------------------------------

_FALLBACKS: Final = {
    FallbackReason.NO_API_KEY: "no API key",
    FallbackReason.BUDGET: "budget reached",
    FallbackReason.SERVER_BUDGET: "server budget share reached",
    FallbackReason.TIMEOUT: "timeout",
    FallbackReason.OVERLOADED: "overloaded",
    FallbackReason.RATE_LIMITED: "rate limited",
    FallbackReason.API_ERROR: "API error",
    FallbackReason.INVALID_OUTPUT: "invalid output",
    FallbackReason.INVALID_ANSWER: "invalid answer",
    FallbackReason.NOT_SUMMARIZED: "not summarized",
}


def fallback_reason(reason: FallbackReason) -> str:
    """Say in a few words why a paper shows its abstract ("timeout")."""
    return _FALLBACKS.get(reason, str(reason))


def fallback_notice(item: DigestItem) -> str | None:
    """Return the one-line notice of an abstract-only item, None for a summarized one."""
    if item.summary is not None:
        return None
    if item.fallback is None:
        return "No summarizer configured; showing the abstract."
    if item.fallback is FallbackReason.NOT_SUMMARIZED:
        return "No summary of this paper yet; showing the abstract."
    return (
        f"Automated summary unavailable ({fallback_reason(item.fallback)}); showing the abstract."
    )


# --- digests -----------------------------------------------------------------------------

NO_DIGESTS: Final = "This server has no digests yet. Create one with /digest set."

_PAUSES: Final = {
    PauseReason.ADMIN: "paused by an admin",
    PauseReason.NO_PERMISSION: "no permission to post in the channel",
    PauseReason.CHANNEL_GONE: "the channel no longer exists",
    PauseReason.SEND_FAILURES: "Discord kept failing to take its posts",
}


_PLACES: Final = {
    PostPlace.CHANNEL: "in the channel",
    PostPlace.THREAD: "the header in the channel, the papers in a thread under it",
    PostPlace.FORUM: "one forum post per announcement",
}


def role_not_mentionable(role_id: int) -> str:
    """Warn that a digest's role will show in its posts without notifying anyone."""
    return (
        f"Note: <@&{role_id}> is not mentionable, so posts will name it without notifying"
        ' anyone. Turn on "Allow anyone to @mention this role" in Server Settings, Roles.'
    )


def pause_reason(reason: PauseReason | None) -> str:
    """Say why a digest is paused."""
    return _PAUSES[reason] if reason is not None else "paused"


def no_digest(channel_id: int) -> str:
    """Say that a channel has no digest, and how to make one."""
    return f"<#{channel_id}> has no digest; create one with /digest set"


def digest_is_paused(config: DigestConfig) -> str:
    """Say that `/digest post` cannot post because the digest is paused."""
    return (
        f"the digest of <#{config.channel_id}> is paused ({pause_reason(config.pause_reason)});"
        " resume it with /digest resume"
    )


def digest_paused_by_the_bot(channel_id: int, reason: PauseReason) -> str:
    """Tell a server (in its system channel) that the bot paused one of its digests."""
    if reason is PauseReason.SEND_FAILURES:
        advice = (
            "Nothing is lost: what waits goes out when you run /digest post or /digest resume"
            " once Discord works again (see /status)."
        )
    else:
        advice = "Fix the channel's permissions, then run /digest resume."
    return f"The arXiv digest of <#{channel_id}> is paused: {pause_reason(reason)}. {advice}"


def digest_set(config: DigestConfig, next_post: dt.datetime | None, *, created: bool) -> str:
    """Answer `/digest set`: what the digest now is, and when its first post comes."""
    lines = [f"Digest {'created' if created else 'updated'}.", describe_digest(config, next_post)]
    if created and config.time is None:
        lines.append("The latest announcement's matches will be posted within a minute.")
    return "\n".join(lines)


def digest_paused(channel_id: int) -> str:
    """Answer `/digest pause`."""
    return f"Paused the digest of <#{channel_id}>. Restart it with /digest resume."


def digest_resumed(config: DigestConfig, next_post: dt.datetime | None) -> str:
    """Answer `/digest resume`."""
    return "Digest resumed.\n" + describe_digest(config, next_post)


def digest_removed(channel_id: int) -> str:
    """Answer `/digest remove`."""
    return f"Removed the digest of <#{channel_id}>."


def describe_digest(
    config: DigestConfig, next_post: dt.datetime | None, progress: Progress | None = None
) -> str:
    """Return a digest's settings as a few readable lines (for replies and /digest show).

    With `progress`, a line says what became of the latest announcement it was planned for.
    """
    when = f"{config.time:%H:%M} {config.timezone}" if config.time else "as soon as announced"
    lines = [
        f"<#{config.channel_id}>: {', '.join(config.categories)}",
        f"keywords: {config.keywords or '(all papers)'}",
        f"time: {when} · language: {config.language or 'default'}"
        f" · max papers: {config.max_papers}"
        f" · cross-lists: {'yes' if config.include_cross_lists else 'no'}"
        f" · style: {config.style}",
        f"posts: {_PLACES[config.place]} · pings: "
        + (f"<@&{config.mention_role}>" if config.mention_role else "nobody"),
        f"days without matches: {'say nothing' if config.quiet else 'say so (quiet: off)'}"
        f" · new versions: {'reply to the paper' if config.versions else 'not posted'}",
    ]
    if progress is not None:
        lines.append(progress_line(progress))
    if config.paused:
        lines.append(f"paused: {pause_reason(config.pause_reason)}")
    last = f"{config.last_posted_at:%Y-%m-%d %H:%M} UTC" if config.last_posted_at else "never"
    if next_post is not None:
        upcoming = discord_time(next_post)
    else:
        upcoming = "—" if config.paused else "after the next announcement"
    if config.time and known_zone(config.timezone) is None:
        upcoming = "none: this host does not know the timezone; set one with /digest set"
    lines.append(f"last post: {last} · next post: {upcoming}")
    return "\n".join(lines)


def catch_up_note() -> str:
    """Mark a digest header as a catch-up: an announcement the target missed."""
    return "catch-up"


def late_note() -> str:
    """Mark a digest header as papers found after the post: missing from arXiv's feed."""
    return "found late (missing from arXiv's feed)"


def skipped_note(count: int) -> str:
    """Say how many older missed announcements a catch-up leaves out."""
    return (
        f"{_count(count, 'earlier announcement')} missed more than a week ago"
        f" {'is' if count == 1 else 'are'} not posted"
    )


def no_matches_line(total: int, categories: Sequence[str], day: str | None = None) -> str:
    """Say that an announcement had no match: "No matches today (0 of 412 papers in cs.CL)"."""
    where = ", ".join(categories) or "its categories"
    when = "today" if day is None else f"for {day} (catch-up)"
    return f"No matches {when} (0 of {total:,} {'paper' if total == 1 else 'papers'} in {where})"


def version_note(version: int, comment: str | None) -> str:
    """Reply to a delivered paper: "v3: <the authors' comment>"."""
    return f"v{version}: {comment or 'no comment from the authors'}"


def feed_behind(date: dt.date, categories: Sequence[str], *, from_api: bool) -> str:
    """Tell a server that arXiv's feed still lacks an announcement it should show."""
    what = (
        "Its papers were listed from arXiv's API instead and go out as usual."
        if from_api
        else "Its papers go out as soon as arXiv shows them."
    )
    return (
        f"arXiv's announcement feed for {', '.join(categories)} still does not show the"
        f" announcement of {day_name(date)} (it should since midnight New York time). {what}"
        " The bot keeps checking the feed."
    )


def day_name(day: dt.date) -> str:
    """Return "Tue 28 Apr 2026" in English, whatever the process locale."""
    weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{weekdays[day.weekday()]} {day.day} {months[day.month - 1]} {day.year}"


def progress_line(progress: Progress) -> str:
    """Say what became of a target's latest announcement: seen, matched, posted."""
    return (
        f"last announcement: {day_name(progress.date)} · {progress.offered:,} papers seen"
        f" · {progress.matched:,} matched · {progress.posted:,} posted"
    )


def outlook_text(outlook: Outlook) -> str:
    """Say what the keywords find in the latest announcement, and when the next one comes."""
    categories = ", ".join(outlook.categories)
    if outlook.date is None:
        found = f"No announcement of {categories} is recorded yet."
    elif outlook.report is None:
        found = f"Latest announcement of {categories}: {day_name(outlook.date)}."
    else:
        found = (
            f"Latest announcement of {categories} ({day_name(outlook.date)}):"
            f" {outlook.report.describe()}"
        )
    coming = outlook.next_announcement.announced_at
    return (
        f"{found}\nNext arXiv announcement: {discord_time(coming)} ({relative_time(coming)});"
        " its papers are read soon after."
    )


def preview_intro(channel_id: int) -> str:
    """Head the messages of `/digest preview`."""
    return f"Preview of the next post in <#{channel_id}> (nothing was posted):"


def no_announcement_yet(categories: Sequence[str]) -> str:
    """Answer `/digest preview` before any announcement of the digest's categories."""
    return (
        f"No announcement recorded yet for {', '.join(categories)};"
        " the digest will post after the next one."
    )


def post_result(channel_id: int, result: PostResult) -> str:
    """Answer `/digest post` with what it did."""
    where = f"<#{channel_id}>"
    if result.problem is not None:
        done = f" after {_count(result.papers, 'paper')}" if result.papers else ""
        text = f"Could not post in {where}{done}: {send_problem(result.problem)}"
        if result.gave_up:
            return f"{text}. It failed too often in a row: the digest is paused (see /status)."
        if result.retry_at is not None:
            return f"{text}. Next try {relative_time(result.retry_at)}, or run /digest post."
        return text
    if result.not_posted is NotPosted.PAUSED:
        return f"The digest of {where} is paused; nothing was posted."
    if result.not_posted in (NotPosted.BEING_SENT, NotPosted.ELSEWHERE):
        return f"The digest of {where} is being posted right now; it will be there shortly."
    if result.not_posted is not None:
        return no_digest(channel_id)
    if result.papers:
        return f"Posted {_count(result.papers, 'paper')} in {where}."
    if result.sent:
        return f"Posted {result.sent} waiting message(s) in {where}."
    return f"Nothing new to post in {where}."


_SEND_PROBLEMS: Final = {
    SendProblem.DMS_CLOSED: "the member does not accept DMs from me",
    SendProblem.NO_PERMISSION: "I may not post there (missing permission); the digest is paused",
    SendProblem.CHANNEL_GONE: "the channel no longer exists; the digest is paused",
    SendProblem.THREAD_GONE: (
        "the post's thread was deleted, so the rest of that post was dropped"
    ),
    SendProblem.DISCORD_ERROR: "Discord did not take the message; I will try again later",
    SendProblem.NO_ANSWER: (
        "Discord did not answer; I will look for the message in the channel before trying again"
    ),
    SendProblem.STORAGE_ERROR: (
        "the database could not record what was sent (a full disk?); nothing more is sent"
        " until it can"
    ),
}


def send_problem(problem: SendProblem) -> str:
    """Say why sending stopped."""
    return _SEND_PROBLEMS[problem]


# --- a server's defaults -----------------------------------------------------------------

BOT_LANGUAGE_CHOICE: Final = "default: the bot's own language"


def server_language_line(language: str | None, bot_language: str) -> str:
    """Say which language the server's digests without one of their own are summarized in."""
    if language is None:
        return f"Server default language: none set, so the bot's ({bot_language})."
    return f"Server default language: {language}."


def server_defaults(language: str | None, bot_language: str, *, changed: bool) -> str:
    """Answer `/digest defaults`: the server's default language and what it applies to."""
    lead = "Saved. " if changed else ""
    return (
        f"{lead}{server_language_line(language, bot_language)} It is used by this server's"
        " digests that set no language, and by /summarize here without one. Change it with"
        " /digest defaults language:German (or language:default for the bot's)."
    )


# --- subscriptions -----------------------------------------------------------------------

DMS_CLOSED_NOTICE: Final = (
    "I could not DM you your digest: your DMs are closed to me, or Discord kept failing. Allow"
    " direct messages from server members (Privacy Settings), and I will send it again."
)
NO_KEYWORDS_LEFT: Final = "You have no keywords left, so I will not DM you papers any more."


def keywords_left(keywords: Sequence[str]) -> str:
    """Answer `/unsubscribe` of one keyword."""
    return f"Removed. Your keywords: {', '.join(keywords)}"


def subscription_start(sub: Subscription) -> str:
    """Say when a new subscriber's first DM comes."""
    if sub.time is not None:
        return f"I will DM you matching papers every day at {sub.time:%H:%M} {sub.timezone}."
    return (
        "I will DM you the matches of the latest announcement within a minute, then new"
        " ones after each announcement (make sure you accept DMs from server members)."
    )


def describe_subscription(sub: Subscription | None, default_categories: Sequence[str]) -> str:
    """Return a member's subscription as readable lines."""
    if sub is None or not sub.keywords:
        return "You have no keyword subscription. Add one with /subscribe keywords:llm, kv cache"
    when = f"{sub.time:%H:%M} {sub.timezone}" if sub.time else "as soon as announced"
    categories = ", ".join(sub.categories or default_categories)
    return "\n".join(
        [
            f"Keywords: {', '.join(sub.keywords)}",
            f"Categories: {categories}{'' if sub.categories else ' (default)'}",
            f"Time: {when} · language: {sub.language or 'default'} · style: {sub.style}"
            f"{' · paused' if sub.paused else ''}",
        ]
    )


# --- /status -----------------------------------------------------------------------------


def status_fields(report: StatusReport) -> list[tuple[str, str]]:
    """Return the sections of `/status` as (title, text): polling, Claude, recent problems."""
    claude = _claude(report.usage)
    if report.server_usage is not None:
        claude += "\n" + _server_usage(report.server_usage)
    return [
        ("Polling", _polling(report)),
        ("Delivery", _delivery(report.unsent)),
        ("Digests", _progress(report.progress)),
        ("Claude", claude),
        ("Recent problems", _problems(report) or "None."),
    ]


def _progress(progress: Sequence[tuple[int, Progress]]) -> str:
    """Say, per digest, what became of its latest announcement."""
    if not progress:
        return "No announcement planned for a digest of this server yet."
    return "\n".join(f"<#{channel_id}>: {progress_line(p)}" for channel_id, p in progress)


def _delivery(unsent: Sequence[UnsentPost]) -> str:
    """Say, per digest with messages not sent yet, how many wait and why."""
    if not unsent:
        return "Every planned post went out."
    return "\n".join(_unsent(post) for post in unsent)


def _unsent(post: UnsentPost) -> str:
    """Say what waits for one digest: planned, retrying after failures, or given up."""
    where = f"<#{post.target.id}>"
    why = send_problem(post.problem) if post.problem else "unknown"
    if post.detail:
        why += f" ({post.detail[:100]})"
    if post.failed:
        return (
            f"{where}: {_count(post.failed, 'message')} given up after"
            f" {_count(post.attempts, 'failed try', 'failed tries')}: {why}."
            " /digest post or /digest resume sends them"
        )
    waiting = _count(post.pending, "message")
    if not post.retrying:
        return f"{where}: {waiting} planned, waiting to be sent"
    when = relative_time(post.next_attempt_at) if post.next_attempt_at else "at the next poll"
    return (
        f"{where}: {waiting} waiting after {_count(post.attempts, 'failed try', 'failed tries')}:"
        f" {why}. Next try {when}, or run /digest post"
    )


def _usd(amount: float) -> str:
    """Show dollars to the cent, or to a hundredth of a cent below one (a few summaries)."""
    return f"${amount:.2f}" if amount == 0 or amount >= 0.01 else f"${amount:.4f}"


def _server_usage(usage: ServerUsage) -> str:
    """Say what this server spent today, against its share of the daily cap if it has one."""
    line = f"This server today: ≈ {_usd(usage.spent_today_usd)}"
    if usage.share_usd is None:
        return line
    line += f" of its {_usd(usage.share_usd)} share"
    if usage.share_reached:
        line += "; reached: new papers go out abstract-only until midnight UTC"
    return line


def _polling(report: StatusReport) -> str:
    """Say when arXiv was last polled and with what result, what came, what comes next."""
    last = report.last_poll
    lines = [
        f"Last poll: {relative_time(last.at)}, {poll_status(last)}"
        if last
        else "Last poll: not yet"
    ]
    if report.last_announcement is None:
        lines.append("Last announcement: none recorded yet")
    else:
        lines.append(f"Last announcement: {report.last_announcement.isoformat()}")
    if report.papers_that_day is not None:
        lines.append(f"Papers in this server's categories that day: {report.papers_that_day:,}")
    lines.append(
        "From arXiv's API over the last week: "
        f"{_count(report.backfilled, 'missed announcement')} listed,"
        f" {_count(report.found_by_cross_check, 'paper')} the feed left out found"
    )
    next_poll = report.next_poll
    lines.append(f"Next poll: {relative_time(next_poll) if next_poll else 'not scheduled'}")
    return "\n".join(lines)


_POLLS: Final = {
    PollStatus.FETCHED: "feed fetched",
    PollStatus.NOT_MODIFIED: "no change (304)",
    PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY: (
        "the feed is empty although arXiv should have announced papers"
    ),
}


def poll_status(poll: FeedPoll) -> str:
    """Say what a feed poll's result means."""
    if poll.status is None:
        return "no result"
    if poll.status is PollStatus.FAILED:
        return f"failed: {poll.error or 'unknown error'}"
    return _POLLS[poll.status]


def _problems(report: StatusReport) -> str:
    """List failed polls, paused digests of this server and recent abstract-only papers."""
    lines: list[str] = []
    if report.last_poll_error:
        lines.append(f"Last poll failed: {report.last_poll_error}")
    lines += [
        f"Feed poll {relative_time(poll.at)}: {poll_status(poll)}" for poll in report.failed_polls
    ]
    lines += [
        f"Digest of <#{paused.channel_id}> paused: {pause_reason(paused.reason)}"
        for paused in report.paused_digests
    ]
    lines += [
        f"Digest of <#{skipped.channel_id}> not scheduled: unknown timezone"
        f" {skipped.timezone[:40]!r}; set one with /digest set"
        for skipped in report.unscheduled_digests
    ]
    for fallback in report.usage.recent_fallbacks[:RECENT_FALLBACKS_SHOWN]:
        lines.append(
            f"{fallback.base_id}v{fallback.version} went out abstract-only"
            f" {relative_time(fallback.at)}: {fallback_reason(fallback.reason)}"
        )
    return "\n".join(lines)


RECENT_FALLBACKS_SHOWN: Final = 5


def _claude(usage: UsageReport) -> str:
    """Say whether Claude is set up, and its usage and estimated cost against the caps."""
    if not usage.configured:
        head = "Not configured (no ANTHROPIC_API_KEY): every paper goes out abstract-only."
    else:
        head = f"Model: {usage.model}"
    lines = [
        head,
        f"Summaries written today: {usage.summaries_today:,}",
        f"Abstract-only today: {_fallback_counts(usage)}",
        f"Today: {_tokens(usage.today.input_tokens, usage.today.output_tokens)},"
        f" ≈ ${usage.today.cost_usd:.2f}{_cap(usage.daily_budget_usd)}",
        f"This month: {_tokens(usage.month.input_tokens, usage.month.output_tokens)},"
        f" ≈ ${usage.month.cost_usd:.2f}{_cap(usage.monthly_budget_usd)}",
    ]
    for hit in usage.budget_hits:
        lines.append(
            f"Budget reached ({hit.scope}, {hit.period}): {hit.papers_skipped:,} paper(s)"
            " went out abstract-only"
        )
    return "\n".join(lines)


def _fallback_counts(usage: UsageReport) -> str:
    """Say how many papers went out abstract-only today, and why."""
    counts = usage.fallbacks_today
    if not counts:
        return "0"
    total = sum(count for _, count in counts)
    reasons = ", ".join(f"{fallback_reason(reason)} {count:,}" for reason, count in counts)
    return f"{total:,} ({reasons})"


def _tokens(input_tokens: int, output_tokens: int) -> str:
    """Say how many tokens went in and out."""
    return f"{input_tokens:,} input + {output_tokens:,} output tokens"


def _cap(cap: float | None) -> str:
    """Show a spending cap, if any."""
    return "" if cap is None else f" of ${cap:.2f}"


# --- commands --------------------------------------------------------------------------------

NO_ARXIV_LINK: Final = (
    "I found no arXiv paper in that message: it needs a link such as"
    " https://arxiv.org/abs/2401.12345, an id such as arXiv:2401.12345, or a bare id."
)

NEEDS_MANAGE_SERVER: Final = "You need the Manage Server permission for this command."
SOMETHING_WENT_WRONG: Final = (
    "Something went wrong on my side; it has been logged. Please try again later."
)
STATUS_TITLE: Final = "arXiv digest status"


def cannot_post_in(channel_id: int, missing: Sequence[str]) -> str:
    """Refuse a digest channel where the bot lacks permissions, naming them."""
    return (
        f"I cannot post in <#{channel_id}>: give me {_and(missing)} there"
        " (channel settings, Permissions), then try again"
    )


def _and(names: Sequence[str]) -> str:
    """Join names as people do: "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


# --- shared ------------------------------------------------------------------------------


def discord_time(moment: dt.datetime) -> str:
    """Return Discord's timestamp markup for a date and time, in each reader's timezone."""
    return f"<t:{int(moment.timestamp())}:f>"


def relative_time(moment: dt.datetime) -> str:
    """Return Discord's markup for a time relative to now ("3 hours ago")."""
    return f"<t:{int(moment.timestamp())}:R>"


def _count(number: int, noun: str, plural: str | None = None) -> str:
    """Say "1 paper" or "N papers" (or `plural` where adding an s is wrong)."""
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"
