"""Logging for every ``attn`` process: one stderr handler, and no secret ever in a log line.

:class:`RedactSecrets` rewrites a record's message (and its traceback text) so that bearer
tokens, our ``<user_number>.<secret>`` tokens, ``password``/``access_token``/cookie values
and check-in ``code`` values read ``[REDACTED]``. :func:`configure_logging` puts it on the
root logger and uvicorn's loggers as asked, but a filter on a *logger* only sees records
logged on that very logger, not those propagating up from ``attn.api.foo``; and handlers
added later (uvicorn's ``dictConfig``, a test's capture) would miss a filter on handlers.
So the same redaction also runs in the log-record factory: every record of the process is
clean before any handler sees it.

Redaction is pattern-based and so best effort: it catches secrets under the names above and
our token shape, not a password logged bare under some other name. Do not log request
bodies or headers; :class:`AccessLog` logs only method, path (never the query
string), status, duration, client address and user number.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Scope

from attn.api.request_observer import RequestObserverMiddleware
from attn.config import Settings
from attn.services.security.client_address import client_address, parse_networks

REDACTED = "[REDACTED]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_SENSITIVE_NAMES = (
    "password|passwd|new_password|access_token|refresh_token|token|secret|csrf_token"
    "|x-csrf-token|attn_session|attn_csrf|authorization|cookie|code"
)
_VALUE = (
    r"""(?:\[REDACTED\]"""  # already done: redacting twice changes nothing
    r"""|b?"(?:[^"\\]|\\.)*"|b?'(?:[^'\\]|\\.)*'"""  # quoted, escapes included
    r"""|[^\s"',;&)}\]]+)"""  # bare, up to a separator
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer <anything up to a separator>
    (re.compile(r"(?i)\b(bearer\s+)" + _VALUE), rf"\1{REDACTED}"),
    # key=value, key: value, "key": "value", ('key', 'value') (JSON, forms, reprs, headers)
    (
        re.compile(
            rf"""(?ix)(?P<key>(?:
                (?P<q>["'])(?:{_SENSITIVE_NAMES})(?P=q)\s*[:=,]\s*   # quoted name
                | \b(?:{_SENSITIVE_NAMES})\b\s*[:=]\s*            # bare name
            )(?:(?:bearer|basic|digest)\s+)?)"""
            + _VALUE
        ),
        rf"\g<key>{REDACTED}",
    ),
    # our tokens, wherever they appear: keep the user number, hide the secret
    (re.compile(r"\b([A-Za-z0-9._-]{1,32})\.[A-Za-z0-9_-]{16,}"), rf"\1.{REDACTED}"),
)
_DONE = "_attn_redacted"


def redact(text: str) -> str:
    """``text`` with every secret we recognise replaced by ``[REDACTED]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(redact(arg) if isinstance(arg, str) else arg for arg in args)
    if isinstance(args, Mapping):
        return {key: redact(v) if isinstance(v, str) else v for key, v in args.items()}
    return args


def redact_record(record: logging.LogRecord) -> None:
    """Make ``record`` safe to emit, in place (idempotent).

    The message keeps its ``msg % args`` structure when redacting the parts suffices
    (uvicorn's access formatter unpacks ``args``); when a secret only shows once formatted
    (``log.info("password=%s", pw)``) the record is flattened to the redacted text.
    """
    if getattr(record, _DONE, False):
        return
    setattr(record, _DONE, True)
    try:
        original = record.getMessage()
    except Exception:  # a broken format: the handler would print msg and args verbatim
        record.msg, record.args = redact(f"{record.msg} {record.args!r}"), None
        original = None
    if original is not None:
        clean = redact(original)
        if clean != original:
            _rewrite(record, clean)
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _rewrite(record: logging.LogRecord, clean: str) -> None:
    if isinstance(record.msg, str) and record.args:
        record.msg, record.args = redact(record.msg), _redact_args(record.args)
        try:
            message: str | None = record.getMessage()
        except Exception:  # the redacted format string no longer matches its args
            message = None
        if message is not None and redact(message) == message:
            return
    record.msg, record.args = clean, None


class RedactSecrets(logging.Filter):
    """Redacts secrets from every record it sees; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FILTER = RedactSecrets()


def install_redaction() -> None:
    """Redact in the record factory, and filter root, uvicorn and their handlers (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, _DONE, False):
        logging.setLogRecordFactory(_redacting_factory(factory))
    for name in ("", *UVICORN_LOGGERS):
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if _FILTER not in target.filters:
                target.addFilter(_FILTER)


def _redacting_factory(
    factory: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        redact_record(record)
        return record

    setattr(make_record, _DONE, True)
    return make_record


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (as ``logging.lastResort`` does), so
    a handler made while something swapped stderr (a test runner) never writes to a closed
    stream later."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Ignored: the stream is always the current ``sys.stderr``."""


def configure_logging(settings: Settings) -> None:
    """Level from settings, one stderr handler on the root logger, redaction everywhere."""
    root = logging.getLogger()
    level = logging.getLevelName(settings.log_level.upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    if not any(getattr(handler, _DONE, False) for handler in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        setattr(handler, _DONE, True)
        root.addHandler(handler)
    install_redaction()
    if not isinstance(level, int):
        root.warning("unknown ATTN_LOG_LEVEL %r; using INFO", settings.log_level)


class AccessLog:
    """One ``attn.access`` line per HTTP request, without query strings or headers; a request
    observer (:class:`attn.api.request_observer.RequestObserverMiddleware` times the request).

    The user number is the one ``deps.get_current_user`` put in the request state.
    """

    def __init__(self, logger: str = "attn.access") -> None:
        self.log = logging.getLogger(logger)

    def __call__(self, scope: Scope, status: int, seconds: float) -> None:
        if not self.log.isEnabledFor(logging.INFO):  # skip the address work when muted
            return
        self.log.info(
            "%s %s %s %d %.1fms user=%s",
            _client(scope),
            scope.get("method", "-"),
            scope.get("path", "-"),
            status,
            seconds * 1000,
            scope.get("state", {}).get("user_number", "-"),
        )


class AccessLogMiddleware(RequestObserverMiddleware):
    """The request observer with the access log alone, for an app without the metrics (the
    ATTN app has one observer with both, see ``app.py``)."""

    def __init__(self, app: ASGIApp, logger: str = "attn.access") -> None:
        super().__init__(app, [AccessLog(logger)])


def _client(scope: Scope) -> str:
    peer = scope["client"][0] if scope.get("client") else None
    runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
    proxies = parse_networks(runtime.settings.trusted_proxies) if runtime is not None else ()
    headers = dict(scope.get("headers") or [])
    forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1") or None
    return client_address(peer, forwarded, proxies)
