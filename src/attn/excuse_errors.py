"""The errors of excuse requests, beside :mod:`attn.errors` (kept within its size): the
same base classes, so the catalogue and the OpenAPI responses list them too."""

from __future__ import annotations

from attn.errors import Conflict, Forbidden, InvalidInput, NotFound


class ExcuseNotFound(NotFound):
    code = "excuse_not_found"


class NotYourExcuse(Forbidden):
    """Another student's request, or a teacher's who teaches neither the attendance nor
    its course."""

    code = "not_your_excuse"


class NotInAttendance(Forbidden):
    """A student with no record in the attendance and not on its course's roster then."""

    code = "not_in_attendance"


class ExcuseNotNeeded(Conflict):
    """The student's record is not one an excuse is for (present, excused, pending)."""

    code = "excuse_not_needed"


class ExcuseExists(Conflict):
    """The student already has an open request for this attendance."""

    code = "excuse_exists"


class ExcuseDecided(Conflict):
    """Approving or declining a request that was already approved or declined."""

    code = "excuse_decided"


class AttendanceNotStored(Conflict):
    """An attendance still live (or waiting to be stored): excuses come after it."""

    code = "attendance_not_stored"


class ExcuseFileType(InvalidInput):
    """A file that is not a PDF, JPEG or PNG by its content."""

    code = "excuse_file_type"


class InvalidExcuse(InvalidInput):
    """A bad field of the request's form (the note above all); ``details.field`` names it."""

    code = "invalid_excuse"


class ExcuseFileNotFound(NotFound):
    """A request without a file, or one whose file is no longer where it was kept."""

    code = "excuse_file_not_found"
