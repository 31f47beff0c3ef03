"""The one settings object: every knob is an ``ATTN_`` environment variable."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from attn.database_urls import async_database_url as async_database_url  # re-exported

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - a marker we refuse in production

# Argon2id as OWASP's Password Storage Cheat Sheet recommends it (m=19 MiB, t=2, p=1):
# about 35 ms of one core per hash here, so a hall of students can log in at once.
PASSWORD_MEMORY_KIB = 19_456
PASSWORD_TIME_COST = 2
PASSWORD_PARALLELISM = 1
PASSWORD_MIN_PRODUCTION_WORK = 7_168 * 5
"""OWASP's weakest equivalent setting (m=7 MiB, t=5) as memory x passes: every one of its
listed alternatives (47 MiB x 1 ... 7 MiB x 5) has at least this much."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Validated at start-up; built by :func:`get_settings` so tests can set env first."""

    model_config = SettingsConfigDict(env_prefix="ATTN_", extra="ignore", frozen=True)

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="`production` refuses placeholder secrets, embedded servers, weak "
        "password hashing and a public base URL that is not https.",
    )
    data_dir: Path = Field(
        default=Path("data"),
        description="Folder of the embedded Redis (append-only file on) and the SQLite file.",
    )

    redis_url: str | None = Field(
        default=None,
        description="Redis to use, e.g. `redis://redis:6379/0`, `rediss://...` or "
        "`unix:///run/redis.sock`; unset: an embedded redis-server in the data dir.",
    )
    redis_cluster: bool = Field(default=False, description="Connect with the Redis Cluster client.")
    database_url: str | None = Field(
        default=None,
        description="SQL database, e.g. `postgresql://attn@db/attn`; unset: a SQLite file in "
        "the data dir.",
    )
    database_statement_timeout: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description=(
            "Seconds one SQL statement, connection or pool checkout may take before the "
            "request answers 503 database_unavailable (PostgreSQL: server statement_timeout "
            "plus a client bound for a server that hangs; SQLite: the busy timeout)."
        ),
    )
    auto_migrate: bool = Field(
        default=True,
        description="Run the database migrations when `attn serve` or `attn worker` starts "
        "(`attn migrate` does it by hand).",
    )

    session_ttl_student: int = Field(
        default=600,
        ge=30,
        le=86_400 * 30,
        description="Seconds a student's login session lives without being used.",
    )
    session_ttl_teacher: int = Field(
        default=3600,
        ge=30,
        le=86_400 * 30,
        description="Seconds a teacher's login session lives without being used.",
    )
    session_ttl_admin: int = Field(
        default=1800,
        ge=30,
        le=86_400 * 30,
        description="Seconds an admin's login session lives without being used.",
    )
    session_max_age: int = Field(
        default=12 * 3600,
        ge=60,
        description="Absolute lifetime of a login in seconds, refreshes included.",
    )
    remember_days: int = Field(
        default=120,
        ge=1,
        le=400,
        description='Days a student\'s "remember this phone" credential opens new sessions '
        "without a password (rotated at each use; revoked by logout, a new password, an "
        "admin, or a login on another phone).",
    )
    max_sessions_staff: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Sessions a teacher or admin may hold at once (the projector PC, a phone, "
        "...); the oldest ends when one more logs in. A student always holds one: a login on "
        "another phone ends the old one.",
    )

    password_memory_kib: int = Field(
        default=PASSWORD_MEMORY_KIB,
        ge=8,
        le=4 * 1024 * 1024,
        description="Argon2id memory per password hash, in KiB (OWASP: 19456 = 19 MiB).",
    )
    password_time_cost: int = Field(
        default=PASSWORD_TIME_COST, ge=1, le=50, description="Argon2id passes over the memory."
    )
    password_parallelism: int = Field(
        default=PASSWORD_PARALLELISM, ge=1, le=64, description="Argon2id lanes per hash."
    )
    password_threads: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Threads hashing and verifying passwords in each process; unset: one "
        "per core the process may use.",
    )

    persist_enabled: bool = Field(
        default=True, description="Run the persistence job inside `attn serve`."
    )
    persist_interval: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds between persistence runs while things are fine (failures back "
        "off up to 60 s).",
    )
    persist_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Attendances one process persists at once, each in its own transaction.",
    )
    persist_lease_ms: int = Field(
        default=30_000,
        ge=1000,
        description="Milliseconds a worker holds an attendance it persists; renewed every "
        "third of it, so a killed worker's attendances wait at most this long.",
    )
    persist_batch: int = Field(
        default=50, ge=1, le=10_000, description="Due attendance ids read from Redis at a time."
    )

    live_events_max: int = Field(
        default=5_000,
        ge=100,
        le=1_000_000,
        description="Entries each attendance's live-channel stream keeps (XADD MAXLEN ~): a "
        "lecture hall's check-ins, retries and decisions, so a listener that reconnects within "
        "the lesson gets what it missed; past it, the listener is told to reload the list.",
    )
    live_listeners_max: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Live-list listeners (SSE connections) each API process serves at once; "
        "each holds one Redis connection of its own for its blocking read. One more is "
        "answered 503 too_many_listeners.",
    )
    live_heartbeat_seconds: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="Seconds between the comment lines an idle live channel sends so proxies "
        "keep the connection open.",
    )

    one_live_attendance_per_teacher: bool = Field(
        default=True,
        description="Refuse a teacher's attendance whose time window overlaps another of "
        "theirs that is neither finished nor deleted.",
    )
    max_attendance_minutes: int = Field(
        default=12 * 60, ge=1, description="Longest time window of one attendance, in minutes."
    )

    rate_limit_login_per_user_address_per_minute: int = Field(
        default=10,
        ge=1,
        description="Failed logins per user number from one client address: stops a guesser "
        "without locking the owner, who logs in from another address, out.",
    )
    rate_limit_login_per_minute: int = Field(
        default=100,
        ge=1,
        description="Failed logins per user number from all addresses together: the ceiling "
        "against guessing spread over many addresses. Right passwords never count.",
    )
    rate_limit_checkin_per_minute: int = Field(
        default=30, ge=1, description="Check-ins per student per minute."
    )
    rate_limit_per_address_per_minute: int = Field(
        default=3000,
        ge=1,
        description="Failures per client address: failed logins, and check-ins whose token "
        "matches no session (counted apart). Logged-in requests and right passwords never "
        "count, so a lecture hall behind one NAT address is limited per student only.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (networks) whose `X-Forwarded-For` is believed, as a JSON "
        'list, e.g. `["10.0.0.0/8"]`; from anyone else the connection\'s address counts.',
    )

    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Bearer token that opens GET /metrics from anywhere (at least 16 "
        "characters; send it as 'Authorization: Bearer <token>'). With neither this nor "
        "ATTN_METRICS_NETWORKS set, /metrics answers only direct connections from loopback.",
    )
    metrics_networks: list[str] = Field(
        default_factory=list,
        description="Client address ranges (CIDR) that may read GET /metrics without the "
        "token, e.g. the Prometheus server's; the address is found as for every request "
        "(ATTN_TRUSTED_PROXIES honoured).",
    )

    # Check-in security, the teacher picks checks per attendance: docs/design.md#check-in-checks.
    default_checks: list[str] = Field(
        default_factory=lambda: ["code"],
        description="Checks on when a teacher starts an attendance without choosing: JSON "
        "list of `code`, `network`, `device`, `face`; `[]` for none (any check-in counts).",
    )
    code_step_seconds: int = Field(
        default=15, ge=5, le=3600, description="Seconds between two rotating check-in codes."
    )
    code_grace_seconds: int = Field(
        default=10,
        ge=0,
        le=3600,
        description="Seconds the previous code stays valid after the code changed.",
    )
    scan_ticket_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="How long the code read from a QR scan stays usable through the login "
        "(counted from the scan; single use, bound to the attendance and the device).",
    )
    code_attempts_per_minute: int = Field(
        default=10, ge=1, description="Wrong codes per student per minute before 429."
    )
    face_service_url: str | None = Field(
        default=None, description="Outside face verification service (POST endpoint)."
    )
    face_service_secret: SecretStr | None = Field(
        default=None, description="Shared secret signing requests and callbacks (HMAC-SHA256)."
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people and outside services reach ATTN at: the QR codes "
        "and the face service's callback link to it; https in production.",
    )
    face_callback_max_skew_seconds: int = Field(
        default=300,
        ge=10,
        description="Seconds a face callback's timestamp may differ from this server's clock.",
    )
    face_late_callback_seconds: int = Field(
        default=3600,
        ge=0,
        description="Seconds after persistence a face callback is still accepted.",
    )
    face_photo_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest check-in photo, in bytes."
    )
    excuse_files_dir: Path | None = Field(
        default=None,
        description="Folder for the files attached to excuse requests (one file per "
        "request, named by its id); unset: they are kept in the database.",
    )
    max_json_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body of every route without a limit of its own (all "
        "JSON ones, login included); larger is refused with 413 while still being read.",
    )

    secret_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SECRET),
        description="The server's secret (signs the web pages' CSRF tokens): a long random "
        "string, the same in every process; production refuses the placeholder.",
    )
    log_level: str = Field(default="INFO", description="Log level: DEBUG, INFO, WARNING or ERROR.")
    time_zone: str = Field(
        default="Europe/Istanbul",
        description="IANA time zone of the installation: times people read (CSV exports) "
        "are local to it; the JSON API stays UTC.",
    )

    @field_validator("trusted_proxies", "metrics_networks")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)
        return value

    @field_validator("default_checks")
    @classmethod
    def _known_checks(cls, value: list[str]) -> list[str]:
        unknown = set(value) - {"code", "network", "device", "face"}
        if unknown:
            raise ValueError(f"unknown checks: {', '.join(sorted(unknown))}")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # ValueError: a malformed key ("", "../etc", a file that is not a zone)
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Europe/Istanbul or UTC"
            ) from None
        return value

    @model_validator(mode="after")
    def _argon2_parameters(self) -> Settings:
        """Argon2 needs 8 KiB per lane; production must not hash weaker than OWASP allows."""
        if self.password_memory_kib < 8 * self.password_parallelism:
            raise ValueError(
                f"ATTN_PASSWORD_MEMORY_KIB ({self.password_memory_kib}) must be at least 8 KiB "
                f"per lane of ATTN_PASSWORD_PARALLELISM ({self.password_parallelism})"
            )
        work = self.password_memory_kib * self.password_time_cost
        if self.environment is Environment.PRODUCTION and work < PASSWORD_MIN_PRODUCTION_WORK:
            raise ValueError(
                "ATTN_PASSWORD_MEMORY_KIB x ATTN_PASSWORD_TIME_COST is below OWASP's minimum "
                f"for production ({work} < {PASSWORD_MIN_PRODUCTION_WORK}, e.g. 19456 x 2)"
            )
        return self

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
                raise ValueError("ATTN_SECRET_KEY must be set in production")
            if self.redis_url is None or self.database_url is None:
                raise ValueError("ATTN_REDIS_URL and ATTN_DATABASE_URL must be set in production")
            if not self.public_base_url.lower().startswith("https://"):
                # the login cookie is Secure there: over http the browser drops it and the
                # login page comes back without a word
                raise ValueError(
                    f"ATTN_PUBLIC_BASE_URL must be https:// in production, not "
                    f"{self.public_base_url!r}: set it to the address students open"
                )
        return self

    def max_sessions(self, role: str) -> int:
        """How many sessions a user of ``role`` may hold at once."""
        return 1 if role == "student" else self.max_sessions_staff

    def session_ttl(self, role: str) -> int:
        """Login-session TTL in seconds for a role."""
        return {
            "student": self.session_ttl_student,
            "teacher": self.session_ttl_teacher,
            "admin": self.session_ttl_admin,
        }[role]

    @property
    def zone(self) -> ZoneInfo:
        """``time_zone`` as a tzinfo (ZoneInfo caches its instances)."""
        return ZoneInfo(self.time_zone)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "attn.sqlite3"

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy async URL: the configured one, normalised, or embedded SQLite."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.sqlite_path.resolve()}"
        return async_database_url(self.database_url)


@lru_cache
def get_settings() -> Settings:
    return Settings()
