"""``attn user add|import|list``: accounts from the command line (same rules as the API).

Bad input (a bad user number, a taken one, a bad CSV row with its line number) ends with
one line on stderr and exit code 1; a usage error (conflicting options) with exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from attn.cli.base import app, configure_logging, fail, load_settings, run_async
from attn.error_text import first_line
from attn.models.api_users import OnExisting
from attn.models.types import Role

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from attn.runtime import Runtime

CLI_ACTOR = "cli"
"""Who the audit log names for changes made from the command line."""

user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@asynccontextmanager
async def transaction(
    role: str, *, migrate: bool | None = None
) -> AsyncIterator[tuple[Runtime, AsyncSession]]:
    """The runtime (embedded Redis started or joined) and one transaction, committed at the
    end unless the block raises; database errors become one-line failures."""
    from redis.exceptions import RedisError
    from sqlalchemy.exc import SQLAlchemyError

    from attn.runtime import Runtime

    settings = load_settings()
    configure_logging(settings)
    do_migrate = settings.auto_migrate if migrate is None else migrate
    try:
        runtime = await Runtime.open(settings, role=role, migrate=do_migrate)
    except SQLAlchemyError as exc:
        raise fail(f"database unavailable: {first_line(exc, limit=None, driver=True)}") from None
    try:
        async with runtime.sessionmaker() as session, session.begin():
            yield runtime, session
    except SQLAlchemyError as exc:
        raise fail(f"database error: {first_line(exc, limit=None, driver=True)}") from None
    except RedisError as exc:
        raise fail(f"redis error: {first_line(exc, limit=None, driver=True)}") from None
    finally:
        await runtime.close()


def _read_password(password: str | None, password_stdin: bool, no_password: bool) -> str | None:
    if sum((password is not None, password_stdin, no_password)) > 1:
        raise fail("choose one of --password, --password-stdin, --no-password", 2)
    if no_password:
        return None
    if password is not None:
        return password
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


@user_app.command("add")
@run_async
async def add(
    user_number: Annotated[str, typer.Argument(help="School number, e.g. S2001.")],
    name: Annotated[str, typer.Option("--name", "-n", metavar="NAME", help="Full name.")],
    role: Annotated[Role, typer.Option("--role", "-r", case_sensitive=False)] = Role.STUDENT,
    password: Annotated[
        str | None,
        typer.Option(
            metavar="PASSWORD", help="The password (visible in shell history: prefer the prompt)."
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: the user cannot log in yet.")
    ] = False,
) -> None:
    """Create one account (prompts for the password unless told otherwise)."""
    from attn.services.accounts import users

    secret = _read_password(password, password_stdin, no_password)
    data = users.parse_new_user(
        {"user_number": user_number, "full_name": name, "role": role, "password": secret}
    )
    async with transaction("cli") as (runtime, session):
        user = await users.create_user(
            session, runtime.settings, data, actor=CLI_ACTOR, now=runtime.clock.now()
        )
    login = "" if secret is not None else " (no password: cannot log in yet)"
    typer.echo(f"created {user.role.value} {user.user_number} ({user.full_name}){login}")


@user_app.command("import")
@run_async
async def import_(
    file: Annotated[
        Path,
        typer.Argument(help="CSV: user_number,full_name,role[,password]; - for stdin."),
    ],
    on_existing: Annotated[
        OnExisting,
        typer.Option(help="Numbers already taken: error, skip or update.", case_sensitive=False),
    ] = OnExisting.ERROR,
) -> None:
    """Import accounts from a CSV file: all rows or none; bad rows reported by line."""
    from attn.services.accounts import user_import

    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    async with transaction("cli") as (runtime, session):
        result = await user_import.import_csv(
            session,
            runtime.redis_client,
            runtime.settings,
            data,
            on_existing=on_existing,
            actor=CLI_ACTOR,
            now=runtime.clock.now(),
        )
    typer.echo(
        f"imported {result.total} rows: {result.created} created, "
        f"{result.updated} updated, {result.skipped} skipped (read as {result.encoding})"
    )


@user_app.command("list")
@run_async
async def list_(
    role: Annotated[Role | None, typer.Option(case_sensitive=False)] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, metavar="N")] = 50,
    offset: Annotated[int, typer.Option(min=0, metavar="N")] = 0,
) -> None:
    """List accounts (tab-separated: number, role, name, password set)."""
    from attn.services.accounts import users

    async with transaction("cli") as (_, session):
        page = await users.list_users(session, role=role, limit=limit, offset=offset)
    for user in page.items:
        has_password = "yes" if user.password_hash else "no"
        typer.echo(f"{user.user_number}\t{user.role.value}\t{user.full_name}\t{has_password}")
    shown = f"{offset + 1}-{offset + len(page.items)}" if page.items else "none"
    typer.echo(f"{shown} of {page.total} users", err=True)
