"""``attn demo``: demo accounts with documented passwords and a course of theirs, to try the
whole flow in a minute.

Only on request and never in production. Running it again resets the demo accounts to the
documented names, roles and passwords (it touches no account outside the ``demo-`` numbers).
"""

from __future__ import annotations

import contextlib
import socket
import sys
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

import segno
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from attn.cli.base import app, fail, load_settings, run_async
from attn.cli.serve import listen_url
from attn.cli.users import transaction
from attn.config import Environment
from attn.db.redis_client import RedisClient
from attn.models.api_users import OnExisting, UserCreate
from attn.models.types import Role
from attn.startup_checks import is_loopback

DEMO_ACTOR = "demo"
ADMIN = ("demo-admin", "Demo Admin", "demo-admin-pass")
TEACHER = ("demo-teacher", "Prof. Dr. Ayşe Yılmaz", "demo-teacher-pass")
STUDENT_PASSWORD = "demo-student-pass"  # noqa: S105 - demo data, documented
STUDENT_COUNT = 30
COURSE = ("DEMO101", "Veri Yapıları", "demo")
"""The demo teacher's course: code, name, term."""
ENROLLED = 28
"""demo-s01 … demo-s28 are on its roster; demo-s29 and demo-s30 are not (walk-ins)."""
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
async def demo(
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS", help="The --host attn serve listens on (0.0.0.0: for phones)."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, metavar="PORT", help="The --port of attn serve.")
    ] = 8000,
) -> None:
    """Create (or reset) demo accounts and say where to open ATTN; refused in production."""
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
        await demo_course(session, runtime.redis_client, runtime.clock.now())
    typer.echo(f"demo accounts ready ({result.created} created, {result.updated} reset):")
    typer.echo(f"  admin    {ADMIN[0]} / {ADMIN[2]}")
    typer.echo(f"  teacher  {TEACHER[0]} / {TEACHER[2]}")
    typer.echo(f"  students demo-s01 … demo-s{STUDENT_COUNT:02d} / {STUDENT_PASSWORD}")
    typer.echo(
        f"  course   {COURSE[0]} {COURSE[1]}, taught by {TEACHER[0]}: demo-s01 … "
        f"demo-s{ENROLLED:02d} on its roster (demo-s{ENROLLED + 1:02d} and "
        f"demo-s{STUDENT_COUNT:02d} are not: walk-ins)"
    )
    _say_where(settings.public_base_url, host, port)


async def demo_course(session: AsyncSession, redis: RedisClient, now: datetime) -> None:
    """The demo teacher's course with the documented roster (students taken off it since
    are put back; anyone else added stays)."""
    from attn.db.sql import courses_repo
    from attn.db.sql.course_rows import CourseValues
    from attn.services.courses import live_roster

    course = await courses_repo.get_course_by_code(session, COURSE[0])
    if course is None:
        values = CourseValues(code=COURSE[0], name=COURSE[1], term=COURSE[2])
        course = await courses_repo.create_course(session, values, at=now)
    await courses_repo.set_teachers(session, course.course_id, [TEACHER[0]], at=now)
    numbers = [f"demo-s{index:02d}" for index in range(1, ENROLLED + 1)]
    if await courses_repo.enrol(session, course.course_id, numbers, at=now):
        roster = await live_roster.read_roster(session, course.course_id)
        await live_roster.roster_changed(redis, course.course_id, added=roster)


def _say_where(public_base_url: str, host: str, port: int) -> None:
    """The address to open, and, when phones can reach it, its QR code and the setting the
    projector's QR codes need to lead phones there too."""
    url = open_url(public_base_url, host, port)
    typer.echo(f"open {url} and log in as the teacher")
    if is_loopback(urlsplit(url).hostname or ""):
        return
    typer.echo("or scan this with a phone on the same network:")
    segno.make_qr(url, error="m").terminal(out=sys.stdout, compact=True)
    if is_loopback(urlsplit(public_base_url).hostname or ""):
        base = url.rstrip("/")
        typer.echo("so that the projector's QR codes lead phones here, serve with")
        typer.echo(f"  ATTN_PUBLIC_BASE_URL={base} scripts/serve --host {host} --port {port}")


def open_url(public_base_url: str, host: str, port: int) -> str:
    """Where a browser opens ATTN: ``ATTN_PUBLIC_BASE_URL`` once it names a reachable host;
    else this machine's network address when the server listens on every address, the
    address it listens on otherwise."""
    if not is_loopback(urlsplit(public_base_url).hostname or ""):
        return public_base_url.rstrip("/") + "/"
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming, not binding
        host = network_address()
    return f"{listen_url(host, port)}/"


def network_address() -> str:
    """This machine's address on its default route (a UDP "connect" sends nothing), or
    127.0.0.1 without a network."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
        except OSError:
            return "127.0.0.1"
        return str(probe.getsockname()[0])
