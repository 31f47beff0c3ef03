"""Building a report from what the queries returned: which cells count, the tallies, the
rates (through :mod:`attn.services.reports.rate`, nowhere else). No I/O here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from uuid import UUID

from attn.db.sql.reports_repo import CourseHeader, HeldAttendance, Stay
from attn.models import RecordStatus
from attn.models.api_reports import (
    CourseReport,
    ReportAttendance,
    ReportCourse,
    ReportStudent,
    StatusCounts,
    StudentCourse,
    StudentLesson,
)
from attn.services.reports.rate import Tally, as_percent, attendance_rate, is_under

ABSENT = RecordStatus.ABSENT.value
_STATUS = {status.value: status for status in RecordStatus}


def cell(marks: dict[UUID, str], stays: Sequence[Stay], attendance: HeldAttendance) -> str | None:
    """The student's status in a held attendance: their record's, else ``absent`` if they
    were on the roster at its close, else None (it does not count for them)."""
    found = marks.get(attendance.attendance_id)
    if found is not None:
        return found
    if any(stay.covers(attendance.closed_at) for stay in stays):
        return ABSENT
    return None


def counts_of(tally: Tally) -> StatusCounts:
    return StatusCounts(
        present=tally.present,
        late=tally.late,
        excused=tally.excused,
        absent=tally.absent,
        rejected=tally.rejected,
        pending=tally.pending,
        counted=tally.held,
    )


def report_course(course: CourseHeader) -> ReportCourse:
    return ReportCourse(
        course_id=course.course_id,
        code=course.code,
        name=course.name,
        term=course.term,
        late_weight_percent=course.late_weight_percent,
        threshold_percent=course.threshold_percent,
    )


def course_report(
    course: CourseHeader,
    held: Sequence[HeldAttendance],
    marks: dict[str, dict[UUID, str]],
    stays: Sequence[Stay],
    names: dict[str, str],
) -> CourseReport:
    """The matrix: a row for every student with a stay or a record, by number."""
    stays_of: dict[str, list[Stay]] = defaultdict(list)
    for stay in stays:
        stays_of[stay.student_number].append(stay)
    ids = [attendance.attendance_id for attendance in held]
    rows: list[ReportStudent] = []
    grid: list[list[str | None]] = []
    rates: dict[str, Fraction | None] = {}
    for number in sorted(marks.keys() | stays_of.keys()):
        own, own_stays = marks.get(number, {}), stays_of.get(number, [])
        statuses = [own.get(aid) for aid in ids]
        if len(own) < len(ids):  # a cell without a record: absent, or not counted
            statuses = [
                status if status is not None else cell(own, own_stays, attendance)
                for status, attendance in zip(statuses, held, strict=True)
            ]
        grid.append(statuses)
        rows.append(_student_row(course, number, names, own_stays, statuses, rates))
    return CourseReport(
        course=report_course(course),
        attendances=[
            ReportAttendance(
                attendance_id=a.attendance_id,
                lesson_name=a.lesson_name,
                starts_at=a.starts_at,
                closed_at=a.closed_at,
                counts=counts_of(Tally.of(s for r in grid if (s := r[index]) is not None)),
            )
            for index, a in enumerate(held)
        ],
        students=rows,
        under_threshold=_lowest_first(rows, rates),
    )


def _student_row(
    course: CourseHeader,
    number: str,
    names: dict[str, str],
    stays: Sequence[Stay],
    statuses: list[str | None],
    rates: dict[str, Fraction | None],
) -> ReportStudent:
    """The student's row; their exact rate goes into ``rates`` (for the lowest-first order)."""
    tally = Tally.of(status for status in statuses if status is not None)
    rate = rates[number] = attendance_rate(tally, course.late_weight_percent)
    return ReportStudent(
        student_number=number,
        full_name=names.get(number, number),
        enrolled=any(stay.left_at is None for stay in stays),
        statuses=statuses,  # validated into RecordStatus
        counts=counts_of(tally),
        rate_percent=as_percent(rate),
        under_threshold=is_under(rate, course.threshold_percent),
    )


def _lowest_first(rows: Sequence[ReportStudent], rates: dict[str, Fraction | None]) -> list[str]:
    """The students on the roster now who are under the threshold, lowest rate first."""
    under = [row.student_number for row in rows if row.enrolled and row.under_threshold]
    return sorted(under, key=lambda number: (rates[number] or Fraction(0), number))


def student_course(
    course: CourseHeader,
    held: Sequence[HeldAttendance],
    marks: dict[UUID, str],
    stays: Sequence[Stay],
) -> StudentCourse:
    """One course of a student's report: the attendances that count for them."""
    lessons: list[StudentLesson] = []
    for attendance in held:
        status = cell(marks, stays, attendance)
        if status is not None:
            lessons.append(
                StudentLesson(
                    attendance_id=attendance.attendance_id,
                    lesson_name=attendance.lesson_name,
                    starts_at=attendance.starts_at,
                    status=_STATUS[status],
                )
            )
    tally = Tally.of(lesson.status.value for lesson in lessons)
    rate = attendance_rate(tally, course.late_weight_percent)
    return StudentCourse(
        course=report_course(course),
        enrolled=any(stay.left_at is None for stay in stays),
        lessons=lessons,
        counts=counts_of(tally),
        rate_percent=as_percent(rate),
        under_threshold=is_under(rate, course.threshold_percent),
    )
