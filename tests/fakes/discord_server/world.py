"""The registry of everything the fake Discord knows, and the bot's own identity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tests.fakes.discord_server.snowflake import SnowflakeFactory
from tests.fakes.discord_server.state import (
    BOT_PERMISSIONS,
    DM,
    GUILD_FORUM,
    GUILD_TEXT,
    MEMBER_PERMISSIONS,
    REQUIRE_TAG,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    ChannelAccess,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)


class World:
    """Every user, guild and channel the fake knows, and the bot's own identity."""

    def __init__(self, new_id: SnowflakeFactory, now: Callable[[], dt.datetime]) -> None:
        self.new_id = new_id
        self._now = now
        self.bot = FakeUser(new_id(), "arxiv-digest-bot", bot=True)
        self.application_id = self.bot.id  # Discord gives a bot's user the application's id.
        self.app_owner = FakeUser(new_id(), "app-owner")
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot, self.app_owner.id: self.app_owner}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self._dm_by_user: dict[int, FakeChannel] = {}

    def add_user(self, username: str, *, dms_closed: bool = False) -> FakeUser:
        """Create a user who shares no guild yet."""
        user = FakeUser(self.new_id(), username, dms_closed=dms_closed)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        text_channels: tuple[str, ...] = ("general", "papers"),
        system_channel: str | None = "general",
        bot_permissions: int = BOT_PERMISSIONS,
        everyone_permissions: int = MEMBER_PERMISSIONS,
        shard: tuple[int, int] | None = None,
        with_bot: bool = True,
    ) -> FakeGuild:
        """Create a guild with an owner, the bot as a member (unless not), and text channels.

        With `shard` ([shard_id, num_shards]), its id puts it on that shard. A guild without
        the bot is one where only members who installed the app to their account can use its
        commands.
        """
        guild_id = self.new_id()
        while shard is not None and (guild_id >> 22) % shard[1] != shard[0]:
            guild_id = self.new_id()  # ids carry the millisecond: the next one comes soon
        owner = self.add_user(f"{name}-owner")
        bot_role = FakeRole(self.new_id(), self.bot.username, bot_permissions, 1, managed=True)
        roles = [FakeRole(guild_id, "@everyone", everyone_permissions), bot_role]
        joined = self._now()
        members = {owner.id: FakeMember(owner, [], joined)}
        if with_bot:
            members[self.bot.id] = FakeMember(self.bot, [bot_role.id], joined)
        channels = {
            channel_name: FakeChannel(self.new_id(), channel_name, GUILD_TEXT, guild_id, position)
            for position, channel_name in enumerate(text_channels)
        }
        system_id = channels[system_channel].id if system_channel else None
        guild = FakeGuild(guild_id, name, owner, roles, members, channels, system_id, joined)
        self.guilds[guild_id] = guild
        self.channels.update({channel.id: channel for channel in channels.values()})
        return guild

    def add_channel(
        self,
        guild: FakeGuild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        tags: tuple[str, ...] = (),
        require_tag: bool = False,
    ) -> FakeChannel:
        """Add a text, announcement or forum channel; a forum gets tags of these names."""
        channel = FakeChannel(
            self.new_id(),
            name,
            type,
            guild.id,
            len(guild.channels),
            flags=REQUIRE_TAG if require_tag else 0,
            available_tags=[_tag(self.new_id(), tag) for tag in tags]
            if type == GUILD_FORUM
            else [],
        )
        guild.channels[name] = channel
        self.channels[channel.id] = channel
        return channel

    def add_role(self, guild: FakeGuild, name: str, *, mentionable: bool = True) -> FakeRole:
        """Add a role without permissions (a role to ping, such as @paper-readers)."""
        role = FakeRole(self.new_id(), name, 0, len(guild.roles), mentionable=mentionable)
        guild.roles.append(role)
        return role

    def add_member(
        self, guild: FakeGuild, username: str, *, permissions: int = 0, dms_closed: bool = False
    ) -> FakeUser:
        """Create a user in the guild, with a role granting `permissions` beyond @everyone."""
        user = self.add_user(username, dms_closed=dms_closed)
        role_ids: list[int] = []
        if permissions:
            role = FakeRole(self.new_id(), f"{username}-role", permissions, len(guild.roles))
            guild.roles.append(role)
            role_ids.append(role.id)
        guild.members[user.id] = FakeMember(user, role_ids, self._now())
        return user

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """Return the bot's DM channel with the user, creating it on first use."""
        channel = self._dm_by_user.get(user.id)
        if channel is None:
            channel = FakeChannel(self.new_id(), "", DM, recipient=user)
            self._dm_by_user[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def private_channel(self, user: FakeUser, other: FakeUser) -> FakeChannel:
        """Return a DM between two users (the bot is not in it; `user` sees `other`)."""
        channel = FakeChannel(self.new_id(), "", DM, recipient=other)
        self.channels[channel.id] = channel
        return channel

    def is_bot_dm(self, channel: FakeChannel) -> bool:
        """Return whether a channel is the bot's DM with a user."""
        return (
            channel.recipient is not None and self._dm_by_user.get(channel.recipient.id) is channel
        )

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        """Return the guild a channel belongs to (None for DMs)."""
        return None if channel.guild_id is None else self.guilds[channel.guild_id]

    # -- permissions (data only; see `deny_bot` for what the fake then refuses) -----------

    def bot_role(self, guild: FakeGuild) -> FakeRole:
        """Return the role Discord made for the bot when it joined `guild`."""
        member = guild.members[self.bot.id]
        return next(role for role in guild.roles if role.id in member.role_ids and role.managed)

    def set_overwrite(
        self,
        channel: FakeChannel,
        target: FakeRole | FakeUser | FakeGuild,
        *,
        allow: int = 0,
        deny: int = 0,
    ) -> None:
        """Set a channel's permission overwrite for a role, a member or @everyone (the guild).

        Only the data changes: what the fake refuses is still its channel's `access`.
        """
        kind = 1 if isinstance(target, FakeUser) else 0
        overwrite = {"id": str(target.id), "type": kind, "allow": str(allow), "deny": str(deny)}
        channel.overwrites = [o for o in channel.overwrites if o["id"] != overwrite["id"]]
        channel.overwrites.append(overwrite)

    def deny_bot(self, channel: FakeChannel, permissions: int) -> None:
        """Deny the bot's role `permissions` in a channel, as a server admin would.

        Without View Channel or Send Messages the fake also refuses the bot there (403), as
        Discord does.
        """
        guild = self.guild_of(channel)
        assert guild is not None, "only guild channels have overwrites"
        self.set_overwrite(channel, self.bot_role(guild), deny=permissions)
        if permissions & (VIEW_CHANNEL | SEND_MESSAGES):
            channel.access = ChannelAccess.FORBIDDEN

    def time_out_bot(self, guild: FakeGuild, until: dt.datetime) -> None:
        """Time the bot out in `guild` until `until`, as a moderator would."""
        guild.members[self.bot.id].timed_out_until = until


def _tag(tag_id: int, name: str) -> dict[str, object]:
    """Return a Forum Tag object (no emoji, not moderated)."""
    return {
        "id": str(tag_id),
        "name": name,
        "moderated": False,
        "emoji_id": None,
        "emoji_name": None,
    }
