"""The settings reference, ``docs/configuration.md``, generated from :class:`Settings`.

    python -m attn.config_reference            # write docs/configuration.md
    python -m attn.config_reference --check    # exit 1 if it is out of date

Every ``ATTN_`` variable with its type, default and meaning comes from the fields
themselves (their annotation, default, bounds and ``description``), so the reference cannot
drift from the code: ``tests/test_config_reference.py`` fails when the file is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from attn.config import Settings

DEFAULT_OUTPUT = Path("docs/configuration.md")
COMMAND = "python -m attn.config_reference"
PREFIX = "ATTN_"

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Installation",
        ("environment", "public_base_url", "secret_key", "data_dir", "time_zone", "log_level"),
    ),
    (
        "Redis and the database",
        (
            "redis_url",
            "redis_cluster",
            "database_url",
            "database_statement_timeout",
            "auto_migrate",
        ),
    ),
    (
        "Logins and sessions",
        (
            "session_ttl_student",
            "session_ttl_teacher",
            "session_ttl_admin",
            "session_max_age",
            "remember_days",
            "max_sessions_staff",
        ),
    ),
    (
        "Password hashing",
        ("password_memory_kib", "password_time_cost", "password_parallelism", "password_threads"),
    ),
    (
        "Rate limits and request sizes",
        (
            "rate_limit_login_per_user_address_per_minute",
            "rate_limit_login_per_minute",
            "rate_limit_per_address_per_minute",
            "rate_limit_checkin_per_minute",
            "max_json_body_bytes",
        ),
    ),
    ("Attendances", ("one_live_attendance_per_teacher", "max_attendance_minutes")),
    ("Excuses", ("excuse_files_dir",)),
    (
        "Check-in security (anti-proxy)",
        (
            "default_checks",
            "trusted_proxies",
            "code_step_seconds",
            "code_grace_seconds",
            "scan_ticket_seconds",
            "code_attempts_per_minute",
        ),
    ),
    (
        "Face verification",
        (
            "face_service_url",
            "face_service_secret",
            "face_callback_max_skew_seconds",
            "face_late_callback_seconds",
            "face_photo_max_bytes",
        ),
    ),
    (
        "Persistence (Redis to SQL)",
        (
            "persist_enabled",
            "persist_interval",
            "persist_concurrency",
            "persist_lease_ms",
            "persist_batch",
        ),
    ),
    ("Live channel", ("live_events_max", "live_listeners_max", "live_heartbeat_seconds")),
    ("Metrics", ("metrics_token", "metrics_networks")),
)
OTHER_SECTION = "Other"

INTRO = f"""\
# Configuration reference

<!-- Generated from attn.config.Settings by `{COMMAND}`: do not edit by hand. -->

Every setting of ATTN is an environment variable with the `{PREFIX}` prefix, read once
when a process starts (`attn serve`, `attn worker` and every other command) and validated
then: a bad value stops the command with one line naming the variable, never a traceback.
Booleans are `true` or `false` (`1`/`0`, `yes`/`no` work too); lists are JSON, e.g.
`ATTN_DEFAULT_CHECKS='["code","device"]'`; unset means the default below.

With `ATTN_ENVIRONMENT=production`, start-up refuses the placeholder `ATTN_SECRET_KEY`,
the embedded Redis and SQLite (set `ATTN_REDIS_URL` and `ATTN_DATABASE_URL`), Argon2
parameters below OWASP's minimum, and an `ATTN_PUBLIC_BASE_URL` that is not `https://`
(the login cookie is HTTPS-only there). `attn serve` also warns when it listens on other
addresses while `ATTN_PUBLIC_BASE_URL` names a loopback one (the QR codes would point
there), and notes when no anti-proxy check is on by default. [operations.md](operations.md)
says how the settings work together; this page is generated from the settings class
(`src/attn/config.py`) by `{COMMAND}`.
"""


def env_name(field_name: str) -> str:
    """The environment variable of a settings field."""
    return PREFIX + field_name.upper()


def render() -> str:
    """The whole reference as Markdown."""
    parts = [INTRO]
    for title, names in _sections():
        parts.append(f"\n## {title}\n\n")
        parts.append("| variable | type | default | meaning |\n| --- | --- | --- | --- |\n")
        parts.extend(_row(name, Settings.model_fields[name]) for name in names)
    return "".join(parts)


def _sections() -> Iterator[tuple[str, tuple[str, ...]]]:
    """The sections in order, every field in exactly one (new fields under "Other")."""
    fields = Settings.model_fields
    listed: set[str] = set()
    for title, names in SECTIONS:
        unknown = [name for name in names if name not in fields]
        if unknown:
            raise LookupError(f"section {title!r} names no such setting: {', '.join(unknown)}")
        listed.update(names)
        yield title, names
    rest = tuple(name for name in fields if name not in listed)
    if rest:
        yield OTHER_SECTION, rest


def _row(name: str, field: FieldInfo) -> str:
    cells = (f"`{env_name(name)}`", type_text(field), default_text(field), meaning(field))
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"


def meaning(field: FieldInfo) -> str:
    """The field's description, which every field must have."""
    if not field.description:
        raise ValueError(f"settings field {field.alias or field} has no description")
    return " ".join(field.description.split())


def type_text(field: FieldInfo) -> str:
    """``integer, 30 to 2592000``, ``one of `a`, `b` ``, ``JSON list of strings``..."""
    annotation = _without_none(field.annotation)
    bounds = ", ".join(_bounds(field.metadata))
    text = _type_name(annotation)
    return f"{text}, {bounds}" if bounds else text


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(f"`{member.value}`" for member in annotation)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return f"JSON list of {_type_name(item)}s"
    names = {bool: "boolean", int: "integer", float: "number", str: "string", Path: "path"}
    if annotation is SecretStr:
        return "secret string"
    if annotation in names:
        return names[annotation]
    raise TypeError(f"no reference text for the settings type {annotation!r}")


def _bounds(metadata: Iterable[object]) -> Iterator[str]:
    for item in metadata:
        if isinstance(item, Ge):
            yield f"at least {_number(item.ge)}"
        elif isinstance(item, Gt):
            yield f"more than {_number(item.gt)}"
        elif isinstance(item, Le):
            yield f"at most {_number(item.le)}"
        elif isinstance(item, Lt):
            yield f"less than {_number(item.lt)}"


def default_text(field: FieldInfo) -> str:
    """The default as one would write it in the environment; ``unset`` for None."""
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, Enum):
        value = value.value
    elif isinstance(value, list):
        value = "[" + ", ".join(f'"{item}"' for item in value) + "]"
    elif isinstance(value, int | float):
        value = _number(value)
    return f"`{value}`"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Write the settings reference.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = render()
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
