"""The errors of courses and rosters, beside :mod:`attn.errors` (kept within its size):
the same base classes, so the catalogue and the OpenAPI responses list them too."""

from __future__ import annotations

from attn.errors import Conflict, Forbidden, InvalidInput, NotFound


class NotYourCourse(Forbidden):
    """A teacher managing a course they do not teach."""

    code = "not_your_course"


class CourseNotFound(NotFound):
    code = "course_not_found"


class EnrolmentNotFound(NotFound):
    """Removing a student who is not on the course's roster."""

    code = "enrolment_not_found"


class CourseExists(Conflict):
    """Another course has this code (codes are unique in the installation)."""

    code = "course_exists"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"


class NotATeacher(InvalidInput):
    """A number given as a course's teacher that is no teacher's account."""

    code = "not_a_teacher"


class NotEnrolled(Forbidden):
    """A check-in to a course's attendance by a student not on its roster. The attempt is
    kept (a rejected record with ``fail_reason`` ``not_enrolled``) for the teacher, who may
    accept it by hand (a walk-in)."""

    code = "not_enrolled"
