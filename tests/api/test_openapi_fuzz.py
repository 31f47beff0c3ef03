"""Requests generated from the OpenAPI document never get a 5xx, for any operation.

Schemathesis builds requests from the app's own schema, valid and invalid ones, boundary
values first, and sends them to a real ``attn serve`` process on the embedded defaults, as
the demo teacher, student and admin. Bad input must always be a clear 4xx. Most generated
bodies stop at validation (the schema does not say everything the models check), which is
where a longer run of the same tool found a 500: a start time that overflowed when
converted to UTC (its regression tests are in ``test_attendances_start``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.processes import attn_serve, clean_env, free_port, run_attn

pytestmark = pytest.mark.fuzz  # a real server and thousands of requests: `-m "not fuzz"` skips it

EXAMPLES = 10
"""Random examples per operation and role, after the boundary cases of the coverage phase:
about a thousand requests per role, some ten seconds."""
SEED = 1
"""A fixed seed: a run is repeatable, so a new failure means a changed app, not bad luck."""
DEMO_PASSWORDS = {
    "demo-teacher": "demo-teacher-pass",
    "demo-s01": "demo-student-pass",
    "demo-admin": "demo-admin-pass",
}
NOT_FUZZED = ["/api/v1/auth/logout"]
"""Logging out would end the very session the remaining requests authenticate with."""


@dataclass(frozen=True)
class Accounts:
    base_url: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    """``attn serve`` with the demo accounts, and a face service that refuses connections,
    so the verification callback checks signatures and face check-ins meet an outage."""
    env = clean_env(
        Path(tmp_path_factory.mktemp("fuzz")) / "data",
        ATTN_FACE_SERVICE_URL=f"http://127.0.0.1:{free_port()}/verify",
        ATTN_FACE_SERVICE_SECRET="fuzz-test-secret-0123456789abcdef",
    )
    demo = run_attn("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    with attn_serve(env) as server:
        yield Accounts(
            server.base_url, {number: _log_in(server.base_url, number) for number in DEMO_PASSWORDS}
        )
    assert "Traceback" not in server.stderr, server.stderr


@pytest.mark.parametrize("user_number", list(DEMO_PASSWORDS))
def test_no_generated_request_gets_a_server_error(
    served: Accounts, user_number: str, tmp_path: Path
) -> None:
    """Schemathesis' own command line, whose coverage phase (boundary and invalid values
    of each field) runs before the random examples."""
    run = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", f"{served.base_url}/openapi.json",
            "--header", f"Authorization: Bearer {served.tokens[user_number]}",
            "--checks", "not_a_server_error",
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(EXAMPLES),
            "--seed", str(SEED),
            *(option for path in NOT_FUZZED for option in ("--exclude-path", path)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def _log_in(base_url: str, user_number: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"user_number": user_number, "password": DEMO_PASSWORDS[user_number]},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
