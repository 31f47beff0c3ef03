"""/api/v1/attendances/{id}/events: the live channel of one attendance (server-sent
events), for the teacher's live list and the projector's counter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Response, status
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from attn.api.deps import CurrentStaff, RedisDep, RuntimeDep, SessionDep
from attn.api.errors import error_responses
from attn.services.attendance import live_events

router = APIRouter(tags=["attendances"])

EVENTS_DOC = (
    "`text/event-stream`. Each event: `id` (resume from it), `event` (`record`, "
    "`record_deleted`, `roster`, `started`, `finished`, `deleted`; `reset`: reload the "
    "list; `persisted`: the list is in the archive now) and JSON `data` (`record`: "
    '`{"count", "record"}`; `record_deleted`: `{"count", "student_number"}`; `roster`, a '
    "course attendance's roster changed while open: "
    '`{"added": [{"student_number", "full_name"}], "removed": [student_number], "size"}`). '
    "Ends after `finished`, `deleted` or `persisted`."
)


@router.get(
    "/{attendance_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": EVENTS_DOC},
        204: {"description": "Nothing more to send: the attendance is closed or stored."},
        **error_responses(401, 403, 404, 422, 503),
    },
)
async def attendance_events(
    attendance_id: Annotated[UUID, Path(description="The attendance's UUID.")],
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
    after: Annotated[
        str | None, Query(max_length=64, description="Resume after this event id.")
    ] = None,
) -> Response:
    """The attendance's changes as they happen, from `Last-Event-ID`, `after`, or now."""
    start = live_events.parse_event_id(last_event_id) or live_events.parse_event_id(after)
    channel = await live_events.open_channel(
        redis, runtime.events_reader, runtime.live_slots, session, user, attendance_id, start
    )
    if channel is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    release = None if channel.slot is None else BackgroundTask(channel.slot.release)
    return EventSourceResponse(
        _sse(channel.events), ping=runtime.settings.live_heartbeat_seconds, background=release
    )


async def _sse(batches: AsyncIterator[list[live_events.LiveEvent]]) -> AsyncIterator[bytes]:
    """Each batch of events in SSE form, as one write; closing the response closes the
    channel (its slot, at once)."""
    async with aclosing(batches):  # type: ignore[type-var]
        async for batch in batches:
            yield b"".join(
                ServerSentEvent(data=e.data, event=e.name, id=e.event_id or None).encode()
                for e in batch
            )
