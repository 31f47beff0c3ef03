"""The report pages and downloads, played as a browser: the course report for its teachers
and admins (under-threshold list first, the matrix, download links whose CSV separator
follows the page language), a student's own report, the error pages for the wrong viewer,
and the files themselves: CSV (BOM, `,` or `;` with decimal commas, formula cells guarded,
the long and the matrix form) and XLSX opened with openpyxl (sheets, frozen header, widths,
statuses in words, Turkish names intact, a formula-like name kept as text)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from openpyxl import load_workbook

from attn.models import Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.helpers.course_reports import Scenario, make_course, scenario
from tests.helpers.pages import main_text

TURKISH = {"Accept-Language": "tr"}
BOM = "\ufeff"


def as_viewer(api: httpx.AsyncClient, account: Account) -> None:
    api.cookies.clear()
    api.cookies.set("attn_session", account.token)


@pytest.fixture
async def teacher(make_user: MakeUser) -> Account:
    return await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz")


@pytest.fixture
async def student(make_user: MakeUser) -> Account:
    return await make_user(Role.STUDENT, number="S1", name="Ayşe Çağlar")


@pytest.fixture
async def history(
    runtime: Runtime, make_user: MakeUser, teacher: Account, student: Account
) -> Scenario:
    other = await make_user(Role.TEACHER, number="T2", name="Mehmet Kaya")
    return await scenario(runtime, teacher, other)


def rows_of(response: httpx.Response, delimiter: str) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


class TestCoursePage:
    async def test_under_threshold_first_then_matrix_and_downloads(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        as_viewer(api, teacher)
        page = await api.get(f"/courses/{history.course_id}/report", headers=TURKISH)
        assert page.status_code == 200, page.text
        text = main_text(page.text)
        assert text.index("Sınırın altında") < text.index("Öğrenciler ve dersler")
        under = text[text.index("Sınırın altında") : text.index("İndirmeler")]
        assert "S1" not in under
        assert under.index("S2") < under.index("S3") < under.index("S4")  # lowest rate first
        assert "İsmail Öztürk S2 %25,0" in under
        assert f"/courses/{history.course_id}/report.xlsx" in page.text
        assert "form=matrix&amp;sep=semicolon" in page.text  # Turkish: Excel's `;`
        english = await api.get(f"/courses/{history.course_id}/report")
        assert "form=matrix&amp;sep=comma" in english.text
        assert "Under the threshold" in main_text(english.text)

    async def test_an_empty_course_says_so(
        self, api: httpx.AsyncClient, runtime: Runtime, teacher: Account
    ) -> None:
        course = await make_course(runtime, "BOS101", "T1", at=utcnow() - timedelta(days=1))
        as_viewer(api, teacher)
        page = await api.get(f"/courses/{course}/report")
        assert page.status_code == 200
        text = main_text(page.text)
        assert "No attendance of this course has been stored yet" in text
        assert "Nobody is enrolled in this course yet." in text

    async def test_the_wrong_viewer_gets_an_error_page(
        self, api: httpx.AsyncClient, make_user: MakeUser, student: Account, history: Scenario
    ) -> None:
        stranger = await make_user(Role.TEACHER, number="T3")
        for who, status in ((student, 403), (stranger, 403)):
            as_viewer(api, who)
            page = await api.get(f"/courses/{history.course_id}/report")
            assert page.status_code == status
            assert "<main" in page.text
        as_viewer(api, stranger)
        for path in (f"/courses/{uuid4()}/report", "/courses/not-a-uuid/report"):
            missing = await api.get(path)
            assert missing.status_code == 404
        api.cookies.clear()
        login = await api.get(f"/courses/{history.course_id}/report")
        assert login.status_code == 303
        assert login.headers["location"].startswith("/login")


class TestDownloads:
    async def test_csv_long_form_is_tidy_with_codes(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        as_viewer(api, teacher)
        response = await api.get(f"/courses/{history.course_id}/report.csv?sep=comma")
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="BIL203-attendance-long.csv"' in response.headers["content-disposition"]
        rows = rows_of(response, ",")
        assert rows[0][:3] == ["course_code", "term", "attendance_id"]
        assert len(rows) == 1 + 4 + 5 + 4  # one row per cell that counts
        evil = [row for row in rows if row[5] == "S3"]
        assert {row[6] for row in evil} == {'\'=HYPERLINK("http://evil")'}
        assert [row[7] for row in evil] == ["absent", "absent", "present"]

    async def test_csv_matrix_in_turkish_with_semicolons_and_decimal_commas(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        as_viewer(api, teacher)
        response = await api.get(
            f"/courses/{history.course_id}/report.csv?form=matrix", headers=TURKISH
        )
        rows = rows_of(response, ";")
        assert rows[0][:2] == ["Öğrenci numarası", "Ad soyad"]
        assert rows[0][-3:] == ["Sayılan", "Devam oranı (%)", "Sınırın altında"]
        by_number = {row[0]: row for row in rows[1:]}
        assert by_number["S1"][1] == "Ayşe Çağlar"
        assert by_number["S1"][2:5] == ["Var", "Geç", "Var"]
        assert by_number["S1"][-2:] == ["83,3", "Hayır"]
        assert by_number["S4"][2] == ""  # not enrolled at the first lesson
        assert by_number["S3"][1].startswith("'=")

    async def test_the_api_csv_comma_variant_keeps_decimal_points(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        response = await api.get(
            f"/api/v1/courses/{history.course_id}/report.csv?form=matrix",
            headers=teacher.headers,
        )
        rows = rows_of(response, ",")
        assert rows[0][0] == "Student number"
        assert {row[0]: row[-2] for row in rows[1:]}["S1"] == "83.3"

    async def test_xlsx_opens_with_words_frozen_header_and_widths(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        as_viewer(api, teacher)
        response = await api.get(f"/courses/{history.course_id}/report.xlsx", headers=TURKISH)
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["Çizelge", "Yoklamalar", "Kayıtlar"]
        matrix = book["Çizelge"]
        assert matrix.freeze_panes == "C2"
        assert [c.value for c in matrix[1]][:2] == ["Öğrenci numarası", "Ad soyad"]
        assert matrix.column_dimensions["B"].width >= len("İsmail Öztürk")
        rows = {row[0]: row for row in matrix.iter_rows(min_row=2, values_only=True)}
        assert rows["S2"][1] == "İsmail Öztürk"
        assert rows["S2"][2:5] == ("Geç", "Mazeretli", "Reddedildi")
        assert rows["S2"][-2:] == (25.0, "Evet")
        evil = next(r for r in matrix.iter_rows(min_row=2) if r[0].value == "S3")[1]
        assert (evil.value, evil.data_type) == ('=HYPERLINK("http://evil")', "s")
        lessons = book["Yoklamalar"]
        assert lessons.freeze_panes == "A2"
        assert [c.value for c in lessons[2]][2:] == [2, 1, 0, 1, 0, 0, 4]
        assert book["Kayıtlar"].max_row == 1 + 13


class TestStudentPages:
    async def test_own_report(
        self, api: httpx.AsyncClient, student: Account, history: Scenario
    ) -> None:
        as_viewer(api, student)
        page = await api.get("/student/report", headers=TURKISH)
        assert page.status_code == 200
        text = main_text(page.text)
        assert "Devam raporum" in text
        assert text.index("BIL203") < text.index("MAT101")
        assert "Devam oranı: %83,3" in text
        assert "%70 sınırının altında" in text  # MAT101: absent once, 0 %
        home = await api.get("/student")
        assert 'href="/student/report"' in home.text

    async def test_staff_view_and_refusals(
        self, api: httpx.AsyncClient, teacher: Account, student: Account, history: Scenario
    ) -> None:
        as_viewer(api, teacher)
        page = await api.get("/students/S1/report")
        assert page.status_code == 200
        text = main_text(page.text)
        assert "BIL203" in text
        assert "MAT101" not in text  # only the teacher's courses
        assert (await api.get("/students/S9/report")).status_code == 404
        assert (await api.get("/students/bad%20number/report")).status_code == 404
        as_viewer(api, student)
        assert (await api.get("/students/S1/report")).status_code == 403

    async def test_a_teacher_of_none_of_the_students_courses_is_told_in_words(
        self, api: httpx.AsyncClient, make_user: MakeUser, history: Scenario
    ) -> None:
        as_viewer(api, await make_user(Role.TEACHER, number="T9"))
        refused = await api.get("/students/S1/report")
        assert refused.status_code == 403
        assert "You may not see this student's attendance report." in main_text(refused.text)
