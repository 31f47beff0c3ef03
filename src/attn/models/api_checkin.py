"""Schemas of check-in security (docs/design.md#check-in-checks): the student's check-in
body and the teacher's views of the rotating code and of shared devices. No schema here
carries the code secret; the current code appears only in :class:`CodeOut`, which only the
owning teacher gets."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from attn.models.types import UtcDateTime

CODE_MAX_LENGTH = 32
"""Generous for a 6-symbol code typed with spaces; anything longer is not a code."""

SubmittedCode = Annotated[
    str,
    Field(
        max_length=CODE_MAX_LENGTH,
        description="The code shown by the teacher (case and spaces do not matter).",
    ),
]


SCAN_TICKET_PATTERN = r"^[A-Za-z0-9_-]{43}$"
"""32 random bytes, URL-safe base64 without padding."""

ScanTicket = Annotated[
    str,
    Field(
        pattern=SCAN_TICKET_PATTERN,
        description="A ticket from POST /attendances/{id}/scan: the code of the QR scan, "
        "usable once, from the same device, within ATTN_SCAN_TICKET_SECONDS of the scan. "
        "Send it instead of code.",
    ),
]


class CheckInIn(BaseModel):
    """The optional JSON body of a check-in (or the same as multipart/form-data fields):
    the code typed, or the ticket of a QR scan standing in for it (not both)."""

    model_config = ConfigDict(extra="forbid")

    code: SubmittedCode | None = None
    scan_ticket: ScanTicket | None = None

    @model_validator(mode="after")
    def _one_of_code_or_ticket(self) -> CheckInIn:
        if self.code is not None and self.scan_ticket is not None:
            raise ValueError("send code or scan_ticket, not both")
        return self


class ScanIn(BaseModel):
    """The code a QR scan carried, sent by the check-in page as soon as it opens."""

    model_config = ConfigDict(extra="forbid")

    code: SubmittedCode


class ScanTicketOut(BaseModel):
    """The scan kept for the check-in that follows the login.

    The ticket is single use, works only from the device (`X-Device-Id`, required) and for
    the attendance of the scan, within `ATTN_SCAN_TICKET_SECONDS`, and stands for the code
    as it was at the scan: send it as `scan_ticket` with the check-in instead of `code`.
    The code is checked then, not at the scan (a wrong one fails that check-in).
    """

    scan_ticket: str = Field(description="Send it as scan_ticket with the check-in.")
    expires_at: UtcDateTime = Field(description="The ticket is refused after this instant.")


CHECK_IN_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {
            "type": "string",
            "maxLength": CODE_MAX_LENGTH,
            "description": "The code shown by the teacher (with the code check).",
        },
        "scan_ticket": {
            "type": "string",
            "pattern": SCAN_TICKET_PATTERN,
            "description": "The ticket of a QR scan, instead of code.",
        },
        "photo": {
            "type": "string",
            "format": "binary",
            "description": "A JPEG or PNG photo of the student (with the face check).",
        },
    },
}


class CodeOut(BaseModel):
    """The current check-in code of a live attendance, for the teacher's screen."""

    code: str
    seconds_until_change: float = Field(description="Refresh the screen after this long.")
    step_seconds: int = Field(description="How often the code changes.")
    checkin_url: str = Field(description="The web check-in page with the code filled in.")


class SharedDeviceOut(BaseModel):
    """One device that more than one student tried to check in with."""

    device_id: str
    holder: str | None = Field(
        description="The student checked in with it (None: nobody passed the checks on it, "
        "or the attendance is stored and only the records are left)."
    )
    students: list[str] = Field(description="Every student who tried it, the holder first.")


class SharedDevicesOut(BaseModel):
    """Devices of one attendance used by several students: the typical proxy pattern."""

    attendance_id: UUID
    source: Literal["live", "archive"]
    devices: list[SharedDeviceOut]
