"""/api/v1/users: accounts, for admins only (create one, import a CSV file, correct, list)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from starlette.datastructures import UploadFile

from attn.api.deps import ClockDep, CurrentAdmin, RedisDep, SessionDep, SettingsDep
from attn.api.errors import error_responses
from attn.api.request_body import declared_over, media_type, read_body
from attn.errors import NoFile, PayloadTooLarge, UnsupportedMediaType
from attn.models.api_users import (
    ImportResult,
    OnExisting,
    PasswordReset,
    UserCreate,
    UserOut,
    UserPage,
    UserUpdate,
)
from attn.models.types import USER_NUMBER_PATTERN, Role
from attn.services.accounts import access, user_import, users

router = APIRouter(tags=["users"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024
"""The request body: the CSV plus room for a multipart form's part headers."""
MAX_IMPORT_ROWS = 5000
"""Per request: every password costs an Argon2 hash (docs/performance.md#password-hashing);
larger files go through the CLI."""
CSV_MEDIA_TYPES = frozenset({"text/csv", "text/plain", "application/csv"})

_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Rows `user_number,full_name,role[,password]` (or `;`-separated), "
        "optional header line; UTF-8, or another encoding detected (Windows-1254 preferred).",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


CSV_WHAT = "the CSV"
"""How a 413 names the import's file."""


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(MAX_IMPORT_BYTES, CSV_WHAT)


async def csv_upload(request: Request) -> bytes:
    """The CSV bytes from a ``text/csv`` body or a multipart ``file`` field, size-capped."""
    if declared_over(request, MAX_IMPORT_BODY_BYTES):
        raise _too_large()
    content_type = media_type(request)
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise NoFile("send the CSV file in the form field 'file'")
            data = await upload.read(MAX_IMPORT_BYTES + 1)
    elif content_type in CSV_MEDIA_TYPES:
        data = await read_body(request, MAX_IMPORT_BYTES, CSV_WHAT)
    else:
        raise UnsupportedMediaType(
            "send the CSV as text/csv or as multipart/form-data with a 'file' field",
        )
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_large()
    return data


@router.post(
    "",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 422),
)
async def create_user(
    body: UserCreate,
    admin: CurrentAdmin,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> UserOut:
    """Create one account (without a password it cannot log in yet)."""
    row = await users.create_user(session, settings, body, actor=admin.user_number, now=clock.now())
    return UserOut.from_row(row)


@router.post(
    "/import",
    response_model=ImportResult,
    responses=error_responses(401, 403, 409, 413, 415, 422),
    openapi_extra=_IMPORT_BODY,
)
async def import_users(
    admin: CurrentAdmin,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    data: Annotated[bytes, Depends(csv_upload)],
    on_existing: Annotated[
        OnExisting, Query(description="Existing numbers: error (default), skip or update.")
    ] = OnExisting.ERROR,
) -> ImportResult:
    """Import accounts from CSV: all rows or none; every bad row is reported by line.

    The answer's `encoding` says what the file was read as (`ascii`, `utf-8`, `cp1254`, …).
    """
    return await user_import.import_csv(
        session,
        redis,
        settings,
        data,
        on_existing=on_existing,
        actor=admin.user_number,
        now=clock.now(),
        max_rows=MAX_IMPORT_ROWS,
    )


@router.get("", response_model=UserPage, responses=error_responses(401, 403, 422))
async def list_users(
    admin: CurrentAdmin,
    session: SessionDep,
    role: Role | None = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="A number's start, or words of the name."),
    ] = None,
    active: Annotated[bool | None, Query(description="Only active (or deactivated).")] = None,
    limit: Annotated[int, Query(ge=1, le=users.MAX_PAGE_SIZE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    """Accounts ordered by number, optionally of one role, found by number or name, one
    page at a time."""
    page = await users.list_users(
        session, role=role, query=q, active=active, limit=limit, offset=offset
    )
    return UserPage(
        items=[UserOut.from_row(row) for row in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


UserNumberPath = Annotated[str, Path(pattern=USER_NUMBER_PATTERN)]


@router.get("/{user_number}", response_model=UserOut, responses=error_responses(401, 403, 404, 422))
async def get_user(
    user_number: UserNumberPath, admin: CurrentAdmin, session: SessionDep
) -> UserOut:
    """One account."""
    return UserOut.from_row(await access.get_user(session, user_number))


@router.patch(
    "/{user_number}", response_model=UserOut, responses=error_responses(401, 403, 404, 422)
)
async def update_user(
    user_number: UserNumberPath,
    body: UserUpdate,
    admin: CurrentAdmin,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
) -> UserOut:
    """Correct an account's name or role; the user's live login follows at once."""
    row = await users.update_user(
        session, redis, user_number, body, actor=admin.user_number, now=clock.now()
    )
    return UserOut.from_row(row)


@router.delete(
    "/{user_number}/sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
async def end_sessions(
    user_number: UserNumberPath,
    admin: CurrentAdmin,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
) -> None:
    """End every session of a user on every device (a lost phone, say); audited."""
    await users.end_sessions(session, redis, user_number, actor=admin.user_number, now=clock.now())


@router.post(
    "/{user_number}/deactivate",
    response_model=UserOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def deactivate_user(
    user_number: UserNumberPath,
    admin: CurrentAdmin,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
) -> UserOut:
    """Stop an account's logins and end its sessions; its records stay (not your own)."""
    row = await access.deactivate(
        session, redis, user_number, actor=admin.user_number, now=clock.now()
    )
    return UserOut.from_row(row)


@router.post(
    "/{user_number}/reactivate",
    response_model=UserOut,
    responses=error_responses(401, 403, 404, 422),
)
async def reactivate_user(
    user_number: UserNumberPath,
    admin: CurrentAdmin,
    session: SessionDep,
    redis: RedisDep,
    clock: ClockDep,
) -> UserOut:
    """Let a deactivated account log in again."""
    row = await access.reactivate(
        session, redis, user_number, actor=admin.user_number, now=clock.now()
    )
    return UserOut.from_row(row)


@router.put(
    "/{user_number}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
async def reset_password(
    user_number: UserNumberPath,
    body: PasswordReset,
    admin: CurrentAdmin,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> None:
    """Set a new password; every session of the user ends. Audited, without the password."""
    await access.reset_password(
        session,
        redis,
        settings,
        user_number,
        body.password,
        actor=admin.user_number,
        now=clock.now(),
    )
