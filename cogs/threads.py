"""A deep dive's place: a thread under the digest message that carries the paper.

A thread started from a message takes the message's id, and a message holds one thread
(https://discord.com/developers/docs/resources/channel#start-thread-from-message): deep dives
of the papers of one message share its thread, and when Discord says the thread exists
(400, code 160004) it is found by that id. Where no thread can be made (no message in this
channel carries the paper, the bot lacks Create Public Threads, the channel is itself a
thread or not a text channel), the deep dive is shown to whoever asked, and they are told why.
"""

from __future__ import annotations

import logging
from typing import Final

import discord

from bot import paper_words
from bot.actions import DeepDiveAnswer
from bot.render.messages import OutgoingMessage
from bot.render.text import plain_line
from cogs.common import answer

log = logging.getLogger(__name__)

#: Discord's JSON error code for "A thread has already been created for this message".
THREAD_EXISTS = 160004
#: Threads close themselves after a day without messages (they reopen when posted in).
ARCHIVE_AFTER_MINUTES: Final = 1440


async def post_deep_dive(
    interaction: discord.Interaction, found: DeepDiveAnswer, message: OutgoingMessage
) -> None:
    """Post the deep dive in the digest message's thread, or show it to the clicker alone."""
    thread = await _thread_for(interaction, found)
    if thread is not None:
        try:
            await thread.send(
                embeds=list(message.embeds), allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:
            log.info("cannot post a deep dive in thread %s: %s", thread.id, exc)
        else:
            await answer(interaction, paper_words.deep_dive_posted(thread.id))
            return
    await answer(interaction, OutgoingMessage(paper_words.DEEP_DIVE_HERE_ONLY, message.embeds))


async def _thread_for(
    interaction: discord.Interaction, found: DeepDiveAnswer
) -> discord.Thread | None:
    """Return the thread under the message that carries the paper, starting it if needed."""
    channel = interaction.channel
    source = interaction.message
    message_id = found.message_id
    if message_id is None and source is not None and not source.flags.ephemeral:
        message_id = source.id  # a paper posted outside a digest, e.g. by /summarize
    if message_id is None or not isinstance(channel, discord.TextChannel):
        return None
    single = source is not None and source.id == message_id and len(source.embeds) == 1
    name = paper_words.deep_dive_thread_name(plain_line(found.paper.title) if single else None)
    try:
        return await channel.get_partial_message(message_id).create_thread(
            name=name, auto_archive_duration=ARCHIVE_AFTER_MINUTES
        )
    except discord.HTTPException as exc:
        if exc.code != THREAD_EXISTS:
            log.info("cannot start a deep-dive thread in %s: %s", channel.id, exc)
            return None
    try:
        existing = await interaction.client.fetch_channel(message_id)
    except discord.HTTPException as exc:
        log.info("cannot find the thread of message %s: %s", message_id, exc)
        return None
    return existing if isinstance(existing, discord.Thread) else None
