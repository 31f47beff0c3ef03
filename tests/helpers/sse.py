"""Reading a ``text/event-stream`` body as a browser's EventSource would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    event: str
    data: str
    id: str | None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


def parse_events(body: str) -> list[Event]:
    """The events of a stream body, comments (heartbeats) left out."""
    found: list[Event] = []
    for block in body.replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        fields: dict[str, list[str]] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))
        if "data" in fields or "event" in fields:
            found.append(
                Event(
                    event=fields.get("event", ["message"])[0],
                    data="\n".join(fields.get("data", [])),
                    id=fields.get("id", [None])[0],
                )
            )
    return found


async def next_events(lines: AsyncIterator[str], count: int) -> list[Event]:
    """The next ``count`` events from a stream's lines, as they arrive."""
    found: list[Event] = []
    block: list[str] = []
    async for line in lines:
        if line:
            block.append(line)
            continue
        found.extend(parse_events("\n".join(block)))
        block = []
        if len(found) >= count:
            return found
    found.extend(parse_events("\n".join(block)))
    return found
