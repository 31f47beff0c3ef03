"""Every error class a client may be answered, found from :class:`attn.errors.AttnError`
itself, so a new class is listed (and documented in OpenAPI) without being registered."""

from __future__ import annotations

from attn import course_errors, excuse_errors, report_errors
from attn.errors import AttnError

_MODULES = (course_errors, excuse_errors, report_errors)
"""Modules of error classes besides :mod:`attn.errors`, imported so their classes are found."""


def catalogue() -> list[type[AttnError]]:
    """Every error class, by status then code: what a client may be answered."""
    found: list[type[AttnError]] = []
    pending: list[type[AttnError]] = [AttnError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: (cls.status, cls.code))


def codes_by_status() -> dict[int, list[str]]:
    """The codes each HTTP status may carry, for the OpenAPI error responses."""
    by_status: dict[int, list[str]] = {}
    for cls in catalogue():
        by_status.setdefault(cls.status, []).append(cls.code)
    return by_status
