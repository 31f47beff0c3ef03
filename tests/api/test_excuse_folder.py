"""With ``ATTN_EXCUSE_FILES_DIR`` set, an excuse's file is written to that folder (named by
the request's id), not into the database, and is served from there."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import httpx
import pytest
from sqlalchemy import func, select

from attn.config import Settings
from attn.db.sql.tables import EXCUSE_FILES
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser, error_code
from tests.helpers.excuses import PDF, as_pdf, ask, make_scene


@pytest.fixture
def app_settings(app_settings: Settings, tmp_path: Path) -> Settings:
    return app_settings.model_copy(update={"excuse_files_dir": tmp_path / "excuse-files"})


async def test_the_file_is_kept_in_the_folder_and_served_from_it(
    api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, tmp_path: Path
) -> None:
    scene = await make_scene(runtime, make_user)
    response = await ask(api, scene.absent, scene.attendance_id, file=as_pdf())
    assert response.status_code == 201, response.text
    excuse = UUID(response.json()["excuse_id"])
    kept = tmp_path / "excuse-files" / excuse.hex
    assert kept.read_bytes() == PDF
    async with runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(EXCUSE_FILES)) == 0
    served = await api.get(f"/api/v1/excuses/{excuse}/file", headers=scene.teacher.headers)
    assert (served.status_code, served.content) == (200, PDF)

    kept.unlink()  # an operator lost the folder: a clear 404, not a 500
    gone = await api.get(f"/api/v1/excuses/{excuse}/file", headers=scene.teacher.headers)
    assert (gone.status_code, error_code(gone)) == (404, "excuse_file_not_found")
