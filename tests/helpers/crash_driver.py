"""A persistence run that parks its process at one point, for the tests to SIGKILL it there.

    python tests/helpers/crash_driver.py before_commit|after_commit MARKER_FILE

Settings come from the ``ATTN_*`` environment like any ``attn`` command. When the job
reaches the point it writes the attendance id to MARKER_FILE and waits forever: the test
then kills the process with SIGKILL, so no ``finally``, no rollback message, no lease
release runs, exactly as when a machine loses power or the OOM killer strikes.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from attn.config import get_settings
from attn.persistence.job import PersistenceJob
from attn.runtime import Runtime


class ParkingJob(PersistenceJob):
    def __init__(self, runtime: Runtime, point: str, marker: Path) -> None:
        super().__init__(runtime)
        self.point, self.marker = point, marker

    async def _before_commit(self, attendance_id: str) -> None:
        if self.point == "before_commit":
            await self._park(attendance_id)

    async def _after_commit(self, attendance_id: str) -> None:
        if self.point == "after_commit":
            await self._park(attendance_id)

    async def _park(self, attendance_id: str) -> None:
        self.marker.write_text(attendance_id)
        await asyncio.Event().wait()


async def main(point: str, marker: Path) -> None:
    runtime = await Runtime.open(get_settings(), role="crash-driver")
    await ParkingJob(runtime, point, marker).run_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
