"""``attn demo``: demo accounts with documented passwords, to try the whole flow in a minute.

Only on request and never in production. Running it again resets the demo accounts to the
documented names, roles and passwords (it touches no account outside the ``demo-`` numbers).
"""

from __future__ import annotations

import typer

from attn.cli.base import app, fail, load_settings, run_async
from attn.cli.users import transaction
from attn.config import Environment
from attn.models.api_users import OnExisting, UserCreate
from attn.models.types import Role

DEMO_ACTOR = "demo"
ADMIN = ("demo-admin", "Demo Admin", "demo-admin-pass")
TEACHER = ("demo-teacher", "Prof. Dr. Ayşe Yılmaz", "demo-teacher-pass")
STUDENT_PASSWORD = "demo-student-pass"  # noqa: S105 - demo data, documented
STUDENT_COUNT = 30
_FIRST = ("Ali", "Zeynep", "Mehmet", "Elif", "Can", "Ece", "Emre", "Selin", "Burak", "İrem")
_LAST = ("Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk")


def demo_users() -> list[UserCreate]:
    """The demo admin, the demo teacher and ``demo-s01`` … ``demo-s30``."""
    people = [
        UserCreate(user_number=ADMIN[0], full_name=ADMIN[1], role=Role.ADMIN, password=ADMIN[2]),
        UserCreate(
            user_number=TEACHER[0], full_name=TEACHER[1], role=Role.TEACHER, password=TEACHER[2]
        ),
    ]
    for index in range(STUDENT_COUNT):
        name = f"{_FIRST[index % len(_FIRST)]} {_LAST[index % len(_LAST)]}"
        people.append(
            UserCreate(
                user_number=f"demo-s{index + 1:02d}",
                full_name=name,
                role=Role.STUDENT,
                password=STUDENT_PASSWORD,
            )
        )
    return people


@app.command()
@run_async
async def demo() -> None:
    """Create (or reset) demo accounts; refused in production."""
    from attn.services.accounts.user_import import ParsedRow, import_rows

    settings = load_settings()
    if settings.environment is Environment.PRODUCTION:
        raise fail("attn demo refuses to run in production (ATTN_ENVIRONMENT=production)", 2)
    rows = [ParsedRow(line, user) for line, user in enumerate(demo_users(), start=1)]
    async with transaction("demo", migrate=True) as (runtime, session):
        result = await import_rows(
            session,
            runtime.redis_client,
            runtime.settings,
            rows,
            on_existing=OnExisting.UPDATE,
            actor=DEMO_ACTOR,
            now=runtime.clock.now(),
        )
    typer.echo(f"demo accounts ready ({result.created} created, {result.updated} reset):")
    typer.echo(f"  admin    {ADMIN[0]} / {ADMIN[2]}")
    typer.echo(f"  teacher  {TEACHER[0]} / {TEACHER[2]}")
    typer.echo(f"  students demo-s01 … demo-s{STUDENT_COUNT:02d} / {STUDENT_PASSWORD}")
