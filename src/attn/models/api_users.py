"""API schemas for accounts: creating users one by one or from CSV, and listing them.

``UserCreate`` is also what the CSV import and the ``attn user`` commands validate each
row with, so a bad value gets the same message (naming the field) wherever it enters.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from attn.models.types import FullName, Role, UserNumber, UtcDateTime

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256
"""Long enough for passphrases; bounded so nobody makes Argon2 hash megabytes per request."""

NewPassword = Annotated[
    str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
]


class UserCreate(BaseModel):
    """A new account; without ``password`` it exists (for records) but cannot log in yet."""

    model_config = ConfigDict(extra="forbid")

    user_number: UserNumber = Field(examples=["S2001"])
    full_name: FullName = Field(max_length=1000, examples=["Ayşe Yılmaz"])
    role: Role
    password: NewPassword | None = Field(default=None, examples=["correct horse battery"])


class UserUpdate(BaseModel):
    """An admin's correction of an account: its name, its role, or both."""

    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = Field(default=None, max_length=1000, examples=["Şükrü Gündoğdu"])
    role: Role | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.full_name is None and self.role is None:
            raise ValueError("give full_name, role or both")
        return self


class StoredUser(Protocol):
    """What :meth:`UserOut.from_row` reads of a stored account (``db.sql.rows.UserRow`` has
    it): declared here, so the models do not import the data layer."""

    @property
    def user_number(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def role(self) -> Role: ...
    @property
    def password_hash(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


class StoredAccount(StoredUser, Protocol):
    """A stored account with its state, as admins see it."""

    @property
    def deactivated_at(self) -> datetime | None: ...


class UserOut(BaseModel):
    """An account as admins see it (never the password hash)."""

    user_number: str
    full_name: str
    role: Role
    has_password: bool = Field(description="False: the account cannot log in yet.")
    active: bool = Field(description="False: deactivated by an admin, cannot log in.")
    deactivated_at: UtcDateTime | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def from_row(cls, row: StoredAccount) -> UserOut:
        return cls(
            user_number=row.user_number,
            full_name=row.full_name,
            role=row.role,
            has_password=row.password_hash is not None,
            active=row.deactivated_at is None,
            deactivated_at=row.deactivated_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class PasswordReset(BaseModel):
    """An admin's new password for an account (every session of it ends)."""

    model_config = ConfigDict(extra="forbid")

    password: NewPassword = Field(examples=["correct horse battery"])


class UserPage(BaseModel):
    items: list[UserOut]
    total: int = Field(description="Matching users in all pages.")
    limit: int
    offset: int


class OnExisting(StrEnum):
    """What a CSV import does with a user number that is already taken."""

    ERROR = "error"
    SKIP = "skip"
    UPDATE = "update"


class ImportResult(BaseModel):
    """What one (all-or-nothing) CSV import did."""

    created: int
    updated: int
    skipped: int
    created_numbers: list[str] = Field(default_factory=list)
    updated_numbers: list[str] = Field(default_factory=list)
    skipped_numbers: list[str] = Field(default_factory=list)
    encoding: str | None = Field(
        default=None,
        description="What the CSV file was read as: ascii, utf-8, or the detected encoding "
        "(cp1254 from Excel in a Turkish locale); null for rows not from a file.",
        examples=["cp1254"],
    )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.skipped
