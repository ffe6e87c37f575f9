"""Reading request bodies and writing responses the way Discord's API does.

Why the Content-Type is written by hand: discord.py 2.7.1 (`http.json_or_text`) decodes a
body as JSON only when the header is exactly `application/json`; aiohttp's `json_response`
adds `; charset=utf-8`, and discord.py would then hand the caller a string.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord_server.limits import ErrorReply
from tests.fakes.discord_server.state import JSON

# Where the middleware leaves the parsed body and uploaded files for the handlers.
BODY = web.RequestKey("body", dict[str, Any])
FILES = web.RequestKey("files", list[dict[str, Any]])


def reply_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response with Content-Type exactly `application/json`."""
    response = web.Response(status=status, body=json.dumps(data).encode(), headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


def reply_error(error: ErrorReply) -> web.Response:
    """Return Discord's error response (4xx with a JSON `code` and `message`)."""
    return reply_json(error.body, error.status)


def no_content() -> web.Response:
    """Return 204, as Discord does for deletions and webhooks without `wait`."""
    return web.Response(status=204)


async def read_body(request: web.Request) -> tuple[JSON, list[JSON]]:
    """Return the JSON payload and the attached files' names and sizes.

    discord.py sends JSON, or multipart/form-data with the payload in a `payload_json` part
    and files as `files[n]` parts when a message has attachments.
    """
    if not request.can_read_body:
        return {}, []
    if request.content_type != "multipart/form-data":
        data = await request.json()
        return (data if isinstance(data, dict) else {"_list": data}), []
    payload: JSON = {}
    files: list[JSON] = []
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):  # A nested multipart: not sent by discord.py.
            continue
        content = await part.read()
        if part.name == "payload_json":
            payload = json.loads(content)
        else:
            files.append({"field": part.name, "filename": part.filename, "size": len(content)})
    return payload, files


def with_files(body: JSON, files: list[JSON]) -> JSON:
    """Return the message body with the uploaded files as its `attachments`."""
    return {**body, "attachments": files} if files else dict(body)
