"""Discord's message and embed limits, in one place.

Discord rejects the whole message (HTTP 400, code 50035) when any one of these is exceeded,
so every string the renderer emits is cut to fit them. Source: Discord developer docs,
"Embed Limits" (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
and "Create Message" (content 2,000 characters, at most 10 embeds). Lengths are counted in
Unicode code points, i.e. Python's `len` (discord/discord-api-docs#1315: "Our API uses
Python 3, so the API calculates length based on the number of codepoints").
"""

from __future__ import annotations

from typing import Final

CONTENT_MAX: Final = 2_000
EMBEDS_PER_MESSAGE_MAX: Final = 10
TITLE_MAX: Final = 256
DESCRIPTION_MAX: Final = 4_096
FIELDS_MAX: Final = 25
FIELD_NAME_MAX: Final = 256
FIELD_VALUE_MAX: Final = 1_024
FOOTER_MAX: Final = 2_048
AUTHOR_NAME_MAX: Final = 256
# Title, description, field names and values, footer text and author name of ALL embeds of
# one message together (not per embed: discord/discord-api-docs#4047).
EMBEDS_TOTAL_MAX: Final = 6_000

ELLIPSIS: Final = "…"
