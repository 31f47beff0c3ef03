"""The ``device`` check: one device checks in only one student per attendance
(docs/design.md#check-in-checks).

Stops the classic proxy: one student in class checking in friends on their own phone. The
device is named by the client in the ``X-Device-Id`` header: the web UI makes a random id
once and keeps it in the browser's storage. A determined cheat can forge the header, so the
check raises the effort rather than proving anything; combined with ``code`` and ``network``
it stops the easy cases, and the teacher sees which students tried a shared device.

The claim must be atomic with the check-in (two students racing on one phone), so it lives
inside the check-in script (``lua/check_in.lua``, :meth:`RedisClient.check_in` with
``device_taken_reason``): only a record that passes every other check claims the device.
"""

from __future__ import annotations

import re

from attn.errors import DeviceIdInvalid, DeviceIdRequired

DEVICE_ID_HEADER = "X-Device-Id"
DEVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,128}")
"""The same rule as ``AttendanceRecordRedis.device_id``."""
DEVICE_REUSED = "device_reused"
"""``fail_reason`` of a check-in from a device another student already checked in with."""


def validate_device_id(value: str | None, *, required: bool) -> str | None:
    """The device id from the header, checked.

    Raises InvalidInput ``device_id_required`` when the ``device`` check is on and the
    header is missing (omitting it must not skip the check), ``device_id_invalid`` when it
    is malformed. Without the check a missing id is fine (None) but a bad one still fails.
    """
    if value is None or not value.strip():
        if required:
            raise DeviceIdRequired(
                f"this attendance needs the {DEVICE_ID_HEADER} header (your device's id)",
            )
        return None
    value = value.strip()
    if not DEVICE_ID_PATTERN.fullmatch(value):
        raise DeviceIdInvalid(
            f"{DEVICE_ID_HEADER} must be 8-128 characters of A-Z a-z 0-9 . _ : -",
        )
    return value
