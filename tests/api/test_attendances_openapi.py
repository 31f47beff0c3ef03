"""The OpenAPI document describes every attendance and course endpoint and its error
responses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

ERROR_REF = "#/components/schemas/ErrorEnvelope"


@pytest.fixture
async def openapi(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith(("/api/v1/attendances", "/api/v1/me/", "/api/v1/courses"))
        for method, operation in item.items()
    ]


PUBLIC = {"POST /api/v1/attendances/{attendance_id}/scan"}
"""Operations that need no login (the QR scan comes before it)."""


class TestOpenApi:
    def test_every_contract_path_is_there(self, openapi: dict[str, Any]) -> None:
        found = {(method, path) for method, path, _ in operations(openapi)}
        aid, number = "{attendance_id}", "{student_number}"
        base = "/api/v1/attendances"
        assert found >= {
            ("POST", base),
            ("GET", base),
            ("GET", f"{base}/active"),
            ("GET", f"{base}/search"),
            ("GET", f"{base}/{aid}"),
            ("POST", f"{base}/{aid}/finish"),
            ("DELETE", f"{base}/{aid}"),
            ("GET", f"{base}/{aid}/records"),
            ("POST", f"{base}/{aid}/check-in"),
            ("GET", f"{base}/{aid}/records/me"),
            ("POST", f"{base}/{aid}/records/{number}/accept"),
            ("POST", f"{base}/{aid}/records/{number}/reject"),
            ("PUT", f"{base}/{aid}/records/{number}"),
            ("DELETE", f"{base}/{aid}/records/{number}"),
            ("GET", f"{base}/{aid}/export.csv"),
            ("GET", "/api/v1/me/attendance"),
        }

    def test_every_course_path_is_there(self, openapi: dict[str, Any]) -> None:
        found = {(method, path) for method, path, _ in operations(openapi)}
        base, cid = "/api/v1/courses", "{course_id}"
        assert found >= {
            ("GET", base),
            ("POST", base),
            ("GET", f"{base}/{cid}"),
            ("PATCH", f"{base}/{cid}"),
            ("PUT", f"{base}/{cid}/teachers"),
            ("GET", f"{base}/{cid}/roster"),
            ("POST", f"{base}/{cid}/roster"),
            ("DELETE", f"{base}/{cid}/roster/{{student_number}}"),
            ("POST", f"{base}/{cid}/roster/import"),
        }

    def test_each_has_a_summary_line_and_documented_errors(self, openapi: dict[str, Any]) -> None:
        for method, path, operation in operations(openapi):
            where = f"{method} {path}"
            description = operation.get("description", "")
            assert description, where
            assert "\n" not in description.strip(), where
            responses = operation["responses"]
            assert "401" in responses or where in PUBLIC, where
            assert "422" in responses, where
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": ERROR_REF}, where

    def test_json_views_document_their_schema(self, openapi: dict[str, Any]) -> None:
        base = "/api/v1/attendances/{attendance_id}"
        detail = openapi["paths"][base]["get"]["responses"]["200"]["content"]
        assert detail["application/json"]["schema"]["$ref"].endswith("/AttendanceDetailOut")
        records = openapi["paths"][f"{base}/records"]["get"]["responses"]["200"]["content"]
        assert records["application/json"]["schema"]["$ref"].endswith("/RecordsOut")
