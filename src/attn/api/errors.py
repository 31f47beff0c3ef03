"""One JSON error envelope for every failure, request validation included."""

from __future__ import annotations

import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis import exceptions as redis_exceptions
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from attn.error_catalogue import codes_by_status
from attn.errors import (
    AttnError,
    DatabaseUnavailable,
    InternalError,
    InvalidInput,
    MetricsTokenInvalid,
    PayloadTooLarge,
    RateLimited,
    RedisUnavailable,
)

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every 4xx/5xx answer of the API has this shape."""

    error: ErrorBody


ERROR_CODES = codes_by_status()
"""Every ``code`` each status may carry, from the error classes
(:func:`attn.error_catalogue.catalogue`)."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the error envelope for these statuses,
    each naming the codes it may carry."""
    return {
        status: {"model": ErrorEnvelope, "description": _described(status)} for status in statuses
    }


def _described(status: int) -> str:
    codes = ERROR_CODES.get(status) or [HTTP_CODES.get(status, "error")]
    return "`code` is one of: " + ", ".join(f"`{code}`" for code in codes)


def _envelope(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(status_code=status, content=body)


def error_response(exc: AttnError) -> JSONResponse:
    """The envelope of a domain error (also sent by middleware, outside the handlers)."""
    response = _envelope(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, MetricsTokenInvalid):
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    elif isinstance(exc, PayloadTooLarge):  # the rest of the upload is not worth reading
        response.headers["Connection"] = "close"
    return response


async def _attn_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AttnError)
    return error_response(exc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    fields = ", ".join(
        ".".join(item["loc"][1:]) or item["loc"][0] for item in details if item["loc"]
    )
    return _envelope(
        InvalidInput.status, InvalidInput.code, f"invalid request: {fields or 'body'}", details
    )


def _body_problem(exc: StarletteHTTPException) -> str | None:
    """What was wrong with a JSON body FastAPI could not parse, or None for other errors.

    FastAPI answers malformed JSON (``json.JSONDecodeError``) with a 422, but anything else
    the decoder raises with a bare 400 "There was an error parsing the body": a body that
    is not UTF-8, an integer longer than Python converts (``ValueError``, above
    ``sys.get_int_max_str_digits()``) and nesting deeper than the recursion limit
    (``RecursionError``). To a client all are the same mistake, so they answer the same.
    """
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return f"JSON body is not UTF-8 ({cause.reason} at byte {cause.start})"
    if isinstance(cause, RecursionError):
        return "JSON body is nested too deeply"
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        digits = sys.get_int_max_str_digits()
        return f"JSON body has an integer of more than {digits} digits"
    return None


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, AttnError):  # FastAPI wraps what reading the body raised
        return error_response(exc.__cause__)
    problem = _body_problem(exc)
    if problem is not None:
        details = [{"loc": ["body"], "msg": problem, "type": "json_invalid"}]
        return _envelope(InvalidInput.status, InvalidInput.code, "invalid request: body", details)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    response = _envelope(exc.status_code, code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database is down or unreachable: a temporary 503, not an internal error.

    Live check-ins keep working from Redis; only archive reads and writes land here.
    """
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    response = error_response(DatabaseUnavailable("the database is unavailable; try again shortly"))
    response.headers["Retry-After"] = "5"
    return response


QUERY_CANCELED = "57014"
"""PostgreSQL's SQLSTATE when ``statement_timeout`` cancelled a statement."""


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A statement the server cancelled at the statement timeout (a hung or overloaded
    database) is unavailability too; any other database error is a bug (500)."""
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED:
        return await _database_unavailable(request, exc)
    return await _unexpected_error(request, exc)


async def _redis_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("redis unavailable on %s %s: %s", request.method, request.url.path, exc)
    response = error_response(RedisUnavailable("live storage is unavailable; try again"))
    response.headers["Retry-After"] = "2"
    return response


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(InternalError("internal error; the incident was logged"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AttnError, _attn_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    app.add_exception_handler(TimeoutError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # no free connection in time
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(redis_exceptions.ConnectionError, _redis_unavailable)
    app.add_exception_handler(redis_exceptions.TimeoutError, _redis_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)
