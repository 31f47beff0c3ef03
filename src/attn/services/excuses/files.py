"""An excuse's file: what it is (by its first bytes, not by what the client declared),
and where its bytes are kept (the ``excuse_files`` table, or ``ATTN_EXCUSE_FILES_DIR``).

Only the content decides the type: a PDF begins ``%PDF-``, a PNG with its 8-byte
signature, a JPEG with ``FF D8 FF``. A declared type that names another of the three is a
contradiction and refused too; anything else declared (``application/octet-stream``, a
browser's guess) is ignored, and the sniffed type is stored and served.
"""

from __future__ import annotations

import asyncio
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.sql import excuses_repo
from attn.db.sql.excuse_rows import ExcuseFileInfo, ExcuseListed
from attn.errors import PayloadTooLarge
from attn.excuse_errors import ExcuseFileNotFound, ExcuseFileType
from attn.models.api_excuses import MAX_FILE_BYTES, FileStorage

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf",
}
KNOWN_TYPES = frozenset(media for _, media, _ in SIGNATURES)
MAX_NAME = 200
FILE_WHAT = "the file"


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as the student sent it (already read, at most the limit plus one byte)."""

    name: str
    declared_type: str | None
    data: bytes


def sniff(data: bytes) -> tuple[str, str] | None:
    """``(media type, extension)`` of a PDF, PNG or JPEG by its first bytes, else None."""
    for signature, media, extension in SIGNATURES:
        if data.startswith(signature):
            return media, extension
    return None


def checked(upload: Upload) -> tuple[str, str]:
    """The file's type by its content; 413 over 5 MiB, 422 ``excuse_file_type`` otherwise."""
    if len(upload.data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(MAX_FILE_BYTES, FILE_WHAT)
    found = sniff(upload.data)
    declared = (upload.declared_type or "").split(";", 1)[0].strip().lower()
    declared = ALIASES.get(declared, declared)
    if found is None or (declared in KNOWN_TYPES and declared != found[0]):
        raise ExcuseFileType(
            "the file must be a PDF, JPEG or PNG (by its content)",
            details={"field": "file", "declared": declared or None},
        )
    return found


def clean_name(name: str, extension: str) -> str:
    """A file name safe to show and to send back: no folders, no control characters, at
    most 200 characters; an empty one becomes ``excuse.<ext>``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = " ".join(unicodedata.normalize("NFC", base).split()).strip(". ")
    if not base:
        return f"excuse.{extension}"
    return base[-MAX_NAME:]


def storage_for(settings: Settings) -> FileStorage:
    return FileStorage.FOLDER if settings.excuse_files_dir is not None else FileStorage.DATABASE


def _path(folder: Path, excuse_id: UUID) -> Path:
    return folder / excuse_id.hex


async def keep_in_folder(folder: Path, excuse_id: UUID, data: bytes) -> None:
    """Write the file whole or not at all (a temporary name, then a rename)."""
    await asyncio.to_thread(_write, folder, excuse_id, data)


def _write(folder: Path, excuse_id: UUID, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    final = _path(folder, excuse_id)
    partial = final.with_suffix(".part")
    with partial.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(final)


async def read_content(
    session: AsyncSession, settings: Settings, excuse_id: UUID, info: ExcuseFileInfo
) -> bytes:
    """The file's bytes from where they were kept; 404 when they are not there."""
    content: bytes | None
    if info.storage is FileStorage.DATABASE:
        content = await excuses_repo.get_file_content(session, excuse_id)
    elif settings.excuse_files_dir is None:
        content = None
    else:
        content = await asyncio.to_thread(_read, _path(settings.excuse_files_dir, excuse_id))
    if content is None:
        raise ExcuseFileNotFound("the request's file is not available")
    return content


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


async def download(
    session: AsyncSession, settings: Settings, listed: ExcuseListed
) -> tuple[ExcuseFileInfo, bytes]:
    """The request's file and its bytes; 404 when it has none."""
    info = listed.excuse.file
    if info is None:
        raise ExcuseFileNotFound("this request has no file")
    return info, await read_content(session, settings, listed.excuse.excuse_id, info)
