"""/api/v1/attendances: teachers run attendances, students find them and check in."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status

from attn.api.deps import (
    ClientAddress,
    ClockDep,
    CurrentStaff,
    CurrentTeacher,
    CurrentUser,
    RedisDep,
    RuntimeDep,
    SessionDep,
    SettingsDep,
)
from attn.api.errors import error_responses
from attn.errors import ReasonRequired
from attn.models.api_attendances import (
    AcceptIn,
    AttendanceDetailOut,
    AttendanceOut,
    AttendancePage,
    AttendanceSearchOut,
    EditAttendanceIn,
    HistoryQuery,
    ReasonIn,
    RecordOut,
    RecordsOut,
    SaveRecordIn,
    StartAttendanceIn,
)
from attn.models.types import USER_NUMBER_PATTERN, Reason
from attn.services.attendance import export, history, manage, records, start, views
from attn.services.checkin import admission, mine
from attn.services.courses import access

router = APIRouter(tags=["attendances"])

AttendanceId = Annotated[UUID, Path(description="The attendance's UUID.")]
StudentNumber = Annotated[str, Path(pattern=USER_NUMBER_PATTERN, description="School number.")]
SearchText = Annotated[str, Query(max_length=200)]
JSON_MEDIA = "application/json"
CSV_MEDIA = "text/csv; charset=utf-8"

# 401 without a session, 403 for the wrong role or another teacher's attendance, 404 for
# an unknown id, 409 for a state that refuses the change, 422 for malformed input.
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


async def required_reason(
    reason: Annotated[Reason | None, Query(description='Or a JSON body {"reason": ...}.')] = None,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> str:
    """The reason of a deletion, from a JSON body or the query string; required."""
    if body is not None:
        return body.reason
    if reason is None:
        raise ReasonRequired("a reason is required", details={"field": "reason"})
    return reason


DeletionReason = Annotated[str, Depends(required_reason)]


def _json(content: bytes, *, created: bool = False) -> Response:
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(content=content, status_code=code, media_type=JSON_MEDIA)


def _status(response: Response, created: bool) -> None:
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK


def _with_200(description: str, errors: dict[int | str, dict[str, Any]]) -> dict[int | str, Any]:
    return {200: {"model": RecordOut, "description": description}, **errors}


# --- collection routes: declared before /{attendance_id}, which would swallow them ----


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AttendanceOut, responses=WRITE)
async def start_attendance(
    body: StartAttendanceIn,
    teacher: CurrentTeacher,
    client_ip: ClientAddress,
    redis: RedisDep,
    runtime: RuntimeDep,
    clock: ClockDep,
) -> AttendanceOut:
    """Start an attendance (teachers) with its checks; one live attendance at a time."""
    course = None
    if body.course_id is not None:
        course = await access.course_to_teach(runtime.sessionmaker, teacher, body.course_id)
    return await start.start_attendance(
        redis,
        runtime.settings,
        teacher,
        body,
        clock.now(),
        client_ip=client_ip,
        face_available=runtime.face_available,
        course=course,
        sessions=runtime.sessionmaker,
    )


@router.get("", response_model=AttendancePage, responses=READ)
async def list_attendances(
    query: Annotated[HistoryQuery, Query()],
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> AttendancePage:
    """History: the teacher's attendances (admins: everyone's), live first, paginated."""
    return await history.list_history(redis, session, user, query, clock.now())


@router.get("/active", response_model=list[AttendanceOut], responses=READ)
async def active_attendances(
    user: CurrentStaff, redis: RedisDep, clock: ClockDep
) -> list[AttendanceOut]:
    """The teacher's scheduled and open attendances (admins: all of them)."""
    return await start.active_attendances(redis, user, clock.now())


@router.get("/search", response_model=list[AttendanceSearchOut], responses=READ)
async def search_attendances(
    _user: CurrentUser,
    redis: RedisDep,
    clock: ClockDep,
    teacher_name: SearchText = "",
    lesson_name: SearchText = "",
) -> list[AttendanceSearchOut]:
    """Find open attendances by teacher and/or lesson name (forgiving match)."""
    return await admission.search_open(redis, teacher_name, lesson_name, clock.now())


# --- one attendance -------------------------------------------------------------------


@router.get("/{attendance_id}", response_model=AttendanceDetailOut, responses=READ)
async def get_attendance(
    attendance_id: AttendanceId,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """One attendance with its records, live or stored (same shape, see `source`)."""
    return _json(await views.attendance_detail(redis, session, user, attendance_id, clock.now()))


@router.patch("/{attendance_id}", response_model=AttendanceOut, responses=WRITE)
async def edit_attendance(
    attendance_id: AttendanceId,
    body: EditAttendanceIn,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> AttendanceOut:
    """Correct a stored attendance's name, window or late threshold, with a reason."""
    return await manage.edit_attendance(redis, session, user, attendance_id, body, clock.now())


@router.delete("/{attendance_id}", response_model=AttendanceOut, responses=WRITE)
async def delete_attendance(
    attendance_id: AttendanceId,
    reason: DeletionReason,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> AttendanceOut:
    """Soft-delete an attendance with a reason: no more check-ins, kept for the record."""
    return await manage.delete_attendance(redis, session, user, attendance_id, reason, clock.now())


@router.post("/{attendance_id}/finish", response_model=AttendanceOut, responses=WRITE)
async def finish_attendance(
    attendance_id: AttendanceId,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> AttendanceOut:
    """Close a live attendance now; it is stored right after."""
    return await manage.finish_attendance(redis, session, user, attendance_id, clock.now())


@router.get(
    "/{attendance_id}/export.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte order mark"},
        **READ,
    },
)
async def export_attendance(
    attendance_id: AttendanceId,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The records as a CSV attachment (UTF-8 with BOM), times in `ATTN_TIME_ZONE`."""
    csv_file = await export.export_csv(redis, session, user, attendance_id, zone=settings.zone)
    return Response(
        content=csv_file.content,
        media_type=CSV_MEDIA,
        headers={"Content-Disposition": csv_file.content_disposition},
    )


# --- records ----------------------------------------------------------------------


@router.get("/{attendance_id}/records", response_model=RecordsOut, responses=READ)
async def list_records(
    attendance_id: AttendanceId,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """The teacher's list of one attendance's records, live or stored."""
    return _json(await views.attendance_records(redis, session, user, attendance_id, clock.now()))


@router.get("/{attendance_id}/records/me", response_model=RecordOut, responses=READ)
async def my_record(
    attendance_id: AttendanceId, user: CurrentUser, redis: RedisDep, session: SessionDep
) -> RecordOut:
    """The caller's own record in this attendance, live or stored."""
    return await mine.my_record(redis, session, user, attendance_id)


@router.post(
    "/{attendance_id}/records/{student_number}/accept", response_model=RecordOut, responses=WRITE
)
async def accept_record(
    attendance_id: AttendanceId,
    student_number: StudentNumber,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
    body: AcceptIn | None = None,
) -> RecordOut:
    """Accept a student's record: present, or late by the check-in time."""
    return await records.decide_record(
        redis,
        session,
        user,
        attendance_id,
        student_number,
        accept=True,
        reason=body.reason if body else None,
        now=clock.now(),
    )


@router.post(
    "/{attendance_id}/records/{student_number}/reject", response_model=RecordOut, responses=WRITE
)
async def reject_record(
    attendance_id: AttendanceId,
    student_number: StudentNumber,
    body: ReasonIn,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> RecordOut:
    """Reject a student's record (``teacher_rejected``), with a reason."""
    return await records.decide_record(
        redis,
        session,
        user,
        attendance_id,
        student_number,
        accept=False,
        reason=body.reason,
        now=clock.now(),
    )


@router.put(
    "/{attendance_id}/records/{student_number}",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordOut,
    responses=_with_200("an existing record was changed", WRITE),
)
async def save_record(
    attendance_id: AttendanceId,
    student_number: StudentNumber,
    body: SaveRecordIn,
    response: Response,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> RecordOut:
    """Add a student by hand (201) or set a record's status (200)."""
    saved = await records.save_record(
        redis, session, user, attendance_id, student_number, body, clock.now()
    )
    _status(response, saved.created)
    return saved.record


@router.delete(
    "/{attendance_id}/records/{student_number}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=WRITE,
)
async def delete_record(
    attendance_id: AttendanceId,
    student_number: StudentNumber,
    reason: DeletionReason,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> None:
    """Delete a record with a reason (soft once the attendance is stored)."""
    await records.delete_record(
        redis, session, user, attendance_id, student_number, reason, clock.now()
    )
