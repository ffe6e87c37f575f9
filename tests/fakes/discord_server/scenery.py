"""What a test arranges on the fake's Discord as an admin or member would: servers the bot
joins, channels and roles created while it runs, threads deleted, messages by members.

A running bot hears of each change as from Discord (GUILD_CREATE, CHANNEL_CREATE,
GUILD_ROLE_CREATE: https://discord.com/developers/docs/events/gateway-events), so its cache
holds them when a command names them.
"""

from __future__ import annotations

from tests.fakes.discord_server.gateway import Gateway
from tests.fakes.discord_server.messages import Composer
from tests.fakes.discord_server.pings import Pings, pings_of
from tests.fakes.discord_server.state import (
    BOT_PERMISSIONS,
    GUILD_TEXT,
    JSON,
    MEMBER_PERMISSIONS,
    ChannelAccess,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    StoredMessage,
)
from tests.fakes.discord_server.world import World

ChannelRef = FakeChannel | int


class Scenery:
    """FakeDiscord's methods for arranging the world while a bot runs."""

    world: World
    gateway: Gateway
    composer: Composer

    def channel(self, ref: ChannelRef) -> FakeChannel:
        """Return a channel by object or id."""
        return ref if isinstance(ref, FakeChannel) else self.world.channels[ref]

    async def join_guild(
        self,
        name: str,
        *,
        bot_permissions: int = BOT_PERMISSIONS,
        everyone_permissions: int = MEMBER_PERMISSIONS,
    ) -> FakeGuild:
        """Add a guild the running bot is invited to (it hears GUILD_CREATE, as from Discord)."""
        guild = self.world.add_guild(
            name, bot_permissions=bot_permissions, everyone_permissions=everyone_permissions
        )
        await self.gateway.dispatch("GUILD_CREATE", guild.create_payload())
        return guild

    async def create_channel(
        self,
        guild: FakeGuild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        tags: tuple[str, ...] = (),
        require_tag: bool = False,
    ) -> FakeChannel:
        """Add a text, announcement (5) or forum (15) channel, as an admin would.

        A connected bot hears of it (CHANNEL_CREATE), as from Discord; a forum gets tags
        named `tags`, and with `require_tag` a post without a tag is refused.
        """
        channel = self.world.add_channel(guild, name, type=type, tags=tags, require_tag=require_tag)
        if self.gateway.current is not None:
            await self.gateway.dispatch("CHANNEL_CREATE", channel.payload())
        return channel

    async def create_role(
        self, guild: FakeGuild, name: str, *, mentionable: bool = True
    ) -> FakeRole:
        """Add a role (a connected bot hears of it: GUILD_ROLE_CREATE)."""
        role = self.world.add_role(guild, name, mentionable=mentionable)
        if self.gateway.current is not None:
            event = {"guild_id": str(guild.id), "role": role.payload()}
            await self.gateway.dispatch("GUILD_ROLE_CREATE", event)
        return role

    def threads(self, ref: ChannelRef) -> list[FakeChannel]:
        """Return the threads (or forum posts) opened in a channel, oldest first."""
        parent = self.channel(ref)
        guild = self.world.guild_of(parent)
        return [t for t in (guild.threads if guild else []) if t.parent_id == parent.id]

    def delete_thread(self, ref: ChannelRef) -> None:
        """Delete a thread as a moderator would: it answers 404 from then on."""
        self.channel(ref).access = ChannelAccess.GONE

    def post_as(
        self, user: FakeUser, ref: ChannelRef, content: str, *, embeds: list[JSON] | None = None
    ) -> StoredMessage:
        """Store a message a user wrote (for message commands to act on)."""
        body: JSON = {"content": content, "embeds": embeds or []}
        return self.composer.make(self.channel(ref), user, body)

    def pings(self, message: StoredMessage) -> Pings:
        """Return whom a message notified, as Discord decides it."""
        return pings_of(message, self.world)
