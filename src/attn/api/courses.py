"""/api/v1/courses: courses (admins create and correct them, name their teachers) and their
rosters (a course's teachers and admins: list, add, remove, import a CSV file)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status

from attn.api.deps import ClockDep, CurrentAdmin, CurrentStaff, RedisDep, SessionDep
from attn.api.errors import error_responses
from attn.api.users import csv_upload
from attn.models.api_courses import (
    CourseCreate,
    CourseList,
    CourseOut,
    CourseUpdate,
    RosterEntryOut,
    RosterImportResult,
    RosterOut,
    RosterStudent,
    TeachersSet,
)
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.courses import access, catalogue, roster, roster_import

router = APIRouter(tags=["courses"])

MAX_ROSTER_ROWS = 5000
"""Per request (a roster is a few hundred students; larger files through the CLI)."""

_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Rows `student_number,full_name` (or `;`-separated), optional header "
        "line; UTF-8, or another encoding detected (Windows-1254 preferred).",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}

CoursePath = Annotated[UUID, Path(description="The course's id.")]
StudentPath = Annotated[str, Path(pattern=USER_NUMBER_PATTERN)]


@router.get("", response_model=CourseList, responses=error_responses(401, 403, 422))
async def list_courses(
    user: CurrentStaff,
    session: SessionDep,
    term: Annotated[str | None, Query(max_length=32, description="Only this term's.")] = None,
) -> CourseList:
    """Every course for an admin, their own courses for a teacher, by term and code."""
    rows = await catalogue.list_courses(session, user, term=term)
    return CourseList(items=[CourseOut.from_row(row) for row in rows])


@router.post(
    "",
    response_model=CourseOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 422),
)
async def create_course(
    body: CourseCreate, admin: CurrentAdmin, session: SessionDep, clock: ClockDep
) -> CourseOut:
    """Create a course, with its teachers when given (codes are unique)."""
    row = await catalogue.create_course(session, body, actor=admin.user_number, now=clock.now())
    return CourseOut.from_row(row)


@router.get("/{course_id}", response_model=CourseOut, responses=error_responses(401, 403, 404, 422))
async def get_course(course_id: CoursePath, user: CurrentStaff, session: SessionDep) -> CourseOut:
    """One course (its teachers and admins)."""
    return CourseOut.from_row(await access.managed_course(session, user, course_id))


@router.patch(
    "/{course_id}", response_model=CourseOut, responses=error_responses(401, 403, 404, 409, 422)
)
async def update_course(
    course_id: CoursePath,
    body: CourseUpdate,
    admin: CurrentAdmin,
    session: SessionDep,
    clock: ClockDep,
) -> CourseOut:
    """Correct a course's code, name, term or settings."""
    row = await catalogue.update_course(
        session, course_id, body, actor=admin.user_number, now=clock.now()
    )
    return CourseOut.from_row(row)


@router.put(
    "/{course_id}/teachers",
    response_model=CourseOut,
    responses=error_responses(401, 403, 404, 422),
)
async def set_teachers(
    course_id: CoursePath,
    body: TeachersSet,
    admin: CurrentAdmin,
    session: SessionDep,
    clock: ClockDep,
) -> CourseOut:
    """Name the course's teachers (as a whole: those left out stop teaching it)."""
    row = await catalogue.set_teachers(
        session, course_id, body.teacher_numbers, actor=admin.user_number, now=clock.now()
    )
    return CourseOut.from_row(row)


@router.get(
    "/{course_id}/roster", response_model=RosterOut, responses=error_responses(401, 403, 404, 422)
)
async def list_roster(course_id: CoursePath, user: CurrentStaff, session: SessionDep) -> RosterOut:
    """The students enrolled now, by number."""
    course = await access.managed_course(session, user, course_id)
    entries = await roster.list_roster(session, course)
    items = [
        RosterEntryOut(
            student_number=e.student_number, full_name=e.full_name, enrolled_at=e.enrolled_at
        )
        for e in entries
    ]
    return RosterOut(course_id=course.course_id, items=items, total=len(items))


@router.post(
    "/{course_id}/roster",
    response_model=RosterEntryOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def add_student(
    course_id: CoursePath,
    body: RosterStudent,
    user: CurrentStaff,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
) -> RosterEntryOut:
    """Enrol a student (a new number becomes a student account); open attendances admit them."""
    course = await access.managed_course(session, user, course_id)
    entry = await roster.add_student(
        session, redis, course, body, actor=user.user_number, now=clock.now()
    )
    return RosterEntryOut(
        student_number=entry.student_number,
        full_name=entry.full_name,
        enrolled_at=entry.enrolled_at,
    )


@router.delete(
    "/{course_id}/roster/{student_number}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
async def remove_student(
    course_id: CoursePath,
    student_number: StudentPath,
    user: CurrentStaff,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
) -> None:
    """Take a student off the roster (records stay); open attendances refuse them from now."""
    course = await access.managed_course(session, user, course_id)
    await roster.remove_student(
        session, redis, course, student_number, actor=user.user_number, now=clock.now()
    )


@router.post(
    "/{course_id}/roster/import",
    response_model=RosterImportResult,
    responses=error_responses(401, 403, 404, 409, 413, 415, 422),
    openapi_extra=_IMPORT_BODY,
)
async def import_roster(
    course_id: CoursePath,
    user: CurrentStaff,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
    data: Annotated[bytes, Depends(csv_upload)],
) -> RosterImportResult:
    """Import a roster from CSV: all rows or none; every bad row is reported by line."""
    course = await access.managed_course(session, user, course_id)
    return await roster_import.import_roster(
        session,
        redis,
        course,
        data,
        actor=user.user_number,
        now=clock.now(),
        max_rows=MAX_ROSTER_ROWS,
    )
