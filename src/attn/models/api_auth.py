"""API schemas for logging in and out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from attn.models.api_users import PASSWORD_MAX_LENGTH
from attn.models.redis import UserRedis
from attn.models.types import Role, UserNumber, UtcDateTime


class LoginIn(BaseModel):
    """No minimum password length here: the policy applies when a password is set."""

    model_config = ConfigDict(extra="forbid")

    user_number: UserNumber = Field(examples=["S2001"])
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    remember: bool = Field(
        default=False,
        description='Students: "remember this phone" (needs the X-Device-Id header). Sets '
        "the attn_remember cookie, which POST /api/v1/auth/resume turns into a new session "
        "without a password.",
    )


class SessionUser(BaseModel):
    """Who is logged in (as the session stored it at login)."""

    user_number: str
    full_name: str
    role: Role

    @classmethod
    def from_session(cls, session: UserRedis) -> SessionUser:
        return cls(user_number=session.user_number, full_name=session.full_name, role=session.role)


class TokenOut(BaseModel):
    """Send ``access_token`` as ``Authorization: Bearer <token>``; it is shown only once."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: UtcDateTime = Field(
        description="When the session ends unless used; each request slides it (capped)."
    )
    user: SessionUser


class MeOut(SessionUser):
    expires_at: UtcDateTime = Field(description="When the session ends unless used again.")

    @classmethod
    def from_session(cls, session: UserRedis) -> MeOut:
        return cls(
            user_number=session.user_number,
            full_name=session.full_name,
            role=session.role,
            expires_at=session.expires_at,
        )
