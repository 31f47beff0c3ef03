"""HTTP metrics per route: requests by method, route and status, and their durations.

The route label is the route's *template* (``/api/v1/attendances/{attendance_id}``), never
the path a client sent, so attendance ids and user numbers do not become series of their
own; a path that matches no route is ``unmatched`` and a method outside the standard ones
is ``OTHER`` (both come from the client, who must not be able to grow the label set).
A streamed response (the live channel) is counted but kept out of the duration histogram:
its duration is how long the listener stayed, which would drown the requests' latencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Histogram
from sse_starlette import EventSourceResponse
from starlette.types import Scope

REQUESTS = Counter(
    "attn_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "attn_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template "
    "(streamed answers left out)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class _RouteInfo:
    template: str
    streams: bool


_Children = tuple[Counter, Histogram | None]


class HttpMetrics:
    """Counts and times every HTTP request; a request observer
    (:class:`attn.api.request_observer.RequestObserverMiddleware` times the request).

    The router leaves the matched route object in ``scope["route"]``; its full template
    (prefixes of included routers and all) is looked up in a table built from the app's
    routes on the first request, and the metric children per (method, route, status) are
    kept, so a request costs two dictionary lookups and two increments.
    """

    def __init__(self) -> None:
        self._routes: dict[int, _RouteInfo] | None = None
        self._children: dict[tuple[str, str, int], _Children] = {}

    def __call__(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope.get("method", "GET")
        if method not in METHODS:
            method = "OTHER"  # before the cache: a client's made-up methods must not grow it
        route = scope.get("route")
        key = (method, UNMATCHED if route is None else self._template(scope, route), status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._make_children(key, route)
        children[0].inc()
        if children[1] is not None:
            children[1].observe(seconds)

    def _template(self, scope: Scope, route: Any) -> str:
        if self._routes is None:
            self._routes = route_table(scope.get("app"))
        info = self._routes.get(id(route))
        if info is not None:
            return info.template
        return str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))

    def _make_children(self, key: tuple[str, str, int], route: Any) -> _Children:
        method, template, status = key
        info = (self._routes or {}).get(id(route))
        count = REQUESTS.labels(method=method, route=template, status=str(status))
        timed = None if info is not None and info.streams else DURATION.labels(method, template)
        return count, timed


def route_table(app: Any) -> dict[int, _RouteInfo]:
    """Each route object of ``app`` -> its full template and whether it streams.

    FastAPI 0.13x+ keeps an included router's routes as they were declared (without the
    prefixes) and gives their effective paths through :func:`fastapi.routing.
    iter_route_contexts`; older versions copied each route with its full path.
    """
    routes = getattr(app, "routes", None) or []
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI: every route is at the top, with its full path
        contexts: list[Any] = list(routes)
    else:
        contexts = list(iter_route_contexts(routes))
    table: dict[int, _RouteInfo] = {}
    for context in contexts:
        original = getattr(context, "original_route", context)
        template = getattr(context, "path_format", None) or getattr(context, "path", None)
        if template is None or id(original) in table:
            continue
        streams = _streams(getattr(original, "response_class", None))
        table[id(original)] = _RouteInfo(str(template), streams)
    return table


def _streams(response_class: Any) -> bool:
    cls = getattr(response_class, "value", response_class)  # FastAPI's DefaultPlaceholder
    return isinstance(cls, type) and issubclass(cls, EventSourceResponse)
