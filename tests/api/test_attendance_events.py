"""The live channel through HTTP: who may listen, where a listener starts, what it is sent,
and when the stream ends. (Across two real server processes: tests/api/test_live_two_servers.py.)"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import check_in, persist, start, url
from tests.helpers.sse import Event, parse_events

STREAM = "text/event-stream"


async def class_started(api: httpx.AsyncClient, make_user: MakeUser) -> tuple[Account, str]:
    teacher = await make_user("teacher")
    attendance = await start(api, teacher)
    return teacher, str(attendance["attendance_id"])


async def snapshot_id(api: httpx.AsyncClient, teacher: Account, aid: str) -> str:
    response = await api.get(url(aid, "records"), headers=teacher.headers)
    assert response.status_code == 200
    last: str = response.json()["last_event_id"]
    return last


async def listened(api: httpx.AsyncClient, teacher: Account, aid: str, **params: Any) -> Any:
    response = await api.get(url(aid, "events"), headers=teacher.headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(STREAM)
    return parse_events(response.text)


def numbers(events: list[Event]) -> list[str]:
    return [e.json["record"]["student_number"] for e in events if e.event == "record"]


async def subscribed(runtime: Runtime, count: int = 1) -> None:
    """Until ``count`` listeners hold a slot (the channel is following the stream)."""
    for _ in range(500):
        if runtime.live_slots.taken == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{runtime.live_slots.taken} listeners, expected {count}")


class TestWhoMayListen:
    async def test_like_the_records_401_403_404(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        _teacher, aid = await class_started(api, make_user)
        assert (await api.get(url(aid, "events"))).status_code == 401
        student = await make_user("student")
        other = await make_user("teacher")
        refused = await api.get(url(aid, "events"), headers=student.headers)
        assert (refused.status_code, error_code(refused)) == (403, "wrong_role")
        refused = await api.get(url(aid, "events"), headers=other.headers)
        assert (refused.status_code, error_code(refused)) == (403, "not_your_attendance")
        unknown = url("7d0b5d6e-1111-4222-8333-444455556666", "events")
        missing = await api.get(unknown, headers=other.headers)
        assert (missing.status_code, error_code(missing)) == (404, "attendance_not_found")

    async def test_a_malformed_event_id_is_422(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, aid = await class_started(api, make_user)
        for headers in ({"Last-Event-ID": "yesterday"}, {"Last-Event-ID": "1-2-3"}):
            bad = await api.get(url(aid, "events"), headers={**teacher.headers, **headers})
            assert (bad.status_code, error_code(bad)) == (422, "invalid_event_id")
        bad = await api.get(url(aid, "events"), headers=teacher.headers, params={"after": "$"})
        assert (bad.status_code, error_code(bad)) == (422, "invalid_event_id")

    async def test_beyond_the_listener_limit_503(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, aid = await class_started(api, make_user)
        runtime.live_slots.limit = 0
        refused = await api.get(url(aid, "events"), headers=teacher.headers)
        assert (refused.status_code, error_code(refused)) == (503, "too_many_listeners")


class TestWhatIsSent:
    async def test_a_listener_from_the_snapshot_gets_each_change_then_the_end(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, aid = await class_started(api, make_user)
        students = [await make_user("student", number=f"S{n}") for n in (3, 1, 2)]
        assert (await check_in(api, students[0], aid)).status_code == 201
        after = await snapshot_id(api, teacher, aid)
        listening = asyncio.create_task(listened(api, teacher, aid, after=after))
        await subscribed(runtime)
        for student in students[1:]:
            assert (await check_in(api, student, aid)).status_code == 201
        rejected = await api.post(
            url(aid, "records", "S1", "reject"),
            json={"reason": "not here"},
            headers=teacher.headers,
        )
        assert rejected.status_code == 200
        assert (await api.post(url(aid, "finish"), headers=teacher.headers)).status_code == 200
        events = await asyncio.wait_for(listening, 10)
        assert [e.event for e in events] == ["record", "record", "record", "finished"]
        assert numbers(events) == ["S1", "S2", "S1"]
        assert [e.json["count"] for e in events[:3]] == [2, 3, 3]
        assert events[2].json["record"]["status"] == "rejected"
        assert all(e.id for e in events)
        assert runtime.live_slots.taken == 0  # the slot is given back when the stream ends

    async def test_a_reconnect_gets_exactly_what_it_missed(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, aid = await class_started(api, make_user)
        students = [await make_user("student") for _ in range(4)]
        start_id = await snapshot_id(api, teacher, aid)
        for student in students:
            await check_in(api, student, aid)
        await api.post(url(aid, "finish"), headers=teacher.headers)
        everything = await listened(api, teacher, aid, after=start_id)
        seen = everything[1]  # the listener dropped after its second event
        resumed = await api.get(
            url(aid, "events"),
            headers={**teacher.headers, "Last-Event-ID": str(seen.id)},
            params={"after": start_id},  # the header wins: it is the browser's newer id
        )
        assert parse_events(resumed.text) == everything[2:]
        assert numbers(everything) == [s.user_number for s in students]

    async def test_a_closed_attendance_with_nothing_more_answers_204(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, aid = await class_started(api, make_user)
        await api.post(url(aid, "finish"), headers=teacher.headers)
        ended = await api.get(url(aid, "events"), headers=teacher.headers)
        assert (ended.status_code, ended.content) == (204, b"")
        await persist(runtime)
        stored = await api.get(url(aid, "events"), headers=teacher.headers)
        assert stored.status_code == 204
        records = await api.get(url(aid, "records"), headers=teacher.headers)
        assert records.json()["last_event_id"] is None

    async def test_deleting_ends_the_stream(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, aid = await class_started(api, make_user)
        listening = asyncio.create_task(listened(api, teacher, aid))
        await subscribed(runtime)
        deleted = await api.delete(
            url(aid), params={"reason": "wrong room"}, headers=teacher.headers
        )
        assert deleted.status_code == 200
        [event] = await asyncio.wait_for(listening, 10)
        assert (event.event, event.json["deletion_reason"]) == ("deleted", "wrong room")
