"""The teacher's side of the browser tests: an attendance of theirs, a logged-in browser,
and students checking in through the API as their phones would."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from tests.browser.live import LiveServer, Person, log_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


def start_attendance(teacher_api: httpx.Client, lesson: str, **checks: bool) -> str:
    body = {"lesson_name": lesson, "duration_minutes": 60, "checks": checks}
    response = teacher_api.post("/attendances", json=body)
    assert response.status_code == 201, response.text
    started: str = response.json()["attendance_id"]
    return started


def finish_if_open(teacher_api: httpx.Client, attendance_id: str) -> None:
    finished = teacher_api.post(f"/attendances/{attendance_id}/finish")
    assert finished.status_code in (200, 409), finished.text  # 409: the test finished it


STORED_WITHIN_S = 30.0
"""The server's persistence job runs every 5 s; a busy machine may take a few rounds."""


def wait_until_stored(teacher_api: httpx.Client, attendance_id: str) -> None:
    """Until the finished attendance is in the database (the API reads it from there)."""
    deadline = time.monotonic() + STORED_WITHIN_S
    while True:
        response = teacher_api.get(f"/attendances/{attendance_id}")
        assert response.status_code == 200, response.text
        if response.json()["source"] == "archive":
            return
        assert time.monotonic() < deadline, "the attendance was not stored in time"
        time.sleep(0.5)


def teacher_page(context: BrowserContext, live: LiveServer) -> Page:
    """A page of ``context`` logged in as the teacher through the login page."""
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("School number").fill(live.teacher.number)
    page.get_by_label("Password", exact=True).fill(live.teacher.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/teacher")
    return page


def check_in(
    live: LiveServer, student: Person, attendance_id: str, code: str | None = None
) -> dict[str, Any]:
    """A student's check-in from their phone (the API, as the check-in page posts it)."""
    token = log_in(live.base_url, student)
    response = httpx.post(
        f"{live.base_url}/api/v1/attendances/{attendance_id}/check-in",
        json={} if code is None else {"code": code},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def records(teacher_api: httpx.Client, attendance_id: str) -> dict[str, dict[str, Any]]:
    response = teacher_api.get(f"/attendances/{attendance_id}/records")
    assert response.status_code == 200, response.text
    return {record["student_number"]: record for record in response.json()["records"]}
