"""What `/help` says: the commands, the keyword syntax with examples, and links.

Beside `bot/words.py` (every other sentence people read), which it would make too long.
"""

from __future__ import annotations

from typing import Final

#: What the invite link asks for: View Channels, Send Messages, Embed Links, Read Message
#: History, Attach Files, Create Public Threads, Send Messages in Threads (README, "Inviting
#: the bot"), and never "Mention @everyone, @here and All Roles".
INVITE_PERMISSIONS: Final = 309237763072
HELP_TITLE: Final = "arXiv digest bot: help"
HELP_INTRO: Final = (
    "Short summaries of new arXiv papers that match your keywords, after every arXiv"
    " announcement (Sunday to Thursday evenings, New York time)."
)
_HELP_EVERYONE: Final = """\
`/summarize paper:2401.12345 [language]`: one paper, summarized in the channel
Apps → **Summarize arXiv paper** on any message with an arXiv link
`/subscribe keywords:llm, kv cache`: matching papers by DM
`/subscriptions`: your categories, time, language, pause · `/unsubscribe`"""
_HELP_ADMINS: Final = """\
`/digest set channel categories [keywords] [time] [timezone] [language] [max_papers] …`: a \
channel's digest. A forum channel gets one post per announcement; `thread:true` puts the \
papers in a thread under the header; `mention_role` pings that one role (pick @everyone \
to ping nobody)
`/digest show`, `preview`, `post`, `pause`, `resume`, `remove`
`/digest defaults language`: this server's summary language
`/status`: polling, Claude usage and this server's share of it, problems"""
_HELP_KEYWORDS: Final = """\
Comma-separated, found in titles and abstracts as whole words:
`rag` finds "RAG", not "average" · `agent*` every word starting so
`transformers` = "transformer" · `fine-tuning` = "fine-tuned" · `kv cache` = "KV-cache"
`CLIP` (two or more capitals) matches that case only · `qwen` finds "Qwen2.5-VL"
`"exact phrase"`: those words in that order
`-survey` leaves out papers with it in the title; `-abs:survey` in the abstract too
`au:Bengio`: an author's family name (`au:Muller` finds "Müller")
No keywords: every paper of the categories. `/digest preview` shows what a list finds."""


def help_fields(application_id: int | None) -> list[tuple[str, str]]:
    """Return the sections of `/help` as (title, text): commands, keywords, links."""
    links = [
        "arXiv categories: <https://arxiv.org/category_taxonomy>",
        "When arXiv announces: <https://info.arxiv.org/help/availability.html>",
    ]
    if application_id is not None:
        authorize = f"https://discord.com/oauth2/authorize?client_id={application_id}"
        links += [
            f"[Add the bot to a server]({authorize}&scope=bot+applications.commands"
            f"&permissions={INVITE_PERMISSIONS})",
            f"[Add it to your apps]({authorize}&integration_type=1&scope=applications.commands)"
            " to use /summarize anywhere",
        ]
    return [
        ("For everyone", _HELP_EVERYONE),
        ("For server admins (Manage Server)", _HELP_ADMINS),
        ("Keywords", _HELP_KEYWORDS),
        ("Links", "\n".join(links)),
    ]
