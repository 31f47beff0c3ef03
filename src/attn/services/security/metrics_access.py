"""Who may read ``GET /metrics`` (docs/operations.md#metrics-get-metrics).

The figures name every route and how busy the service is, so they are not for everyone:

- ``ATTN_METRICS_TOKEN`` set: a request with ``Authorization: Bearer <token>`` may read
  them from anywhere; a wrong token is refused even from an allowed address (a scraper
  with a stale token should fail loudly, not pass by luck of its address);
- ``ATTN_METRICS_NETWORKS`` set: a client address inside one of the ranges may read them
  without the token; the address is the one every request gets (the peer, or through a
  proxy listed in ``ATTN_TRUSTED_PROXIES`` the ``X-Forwarded-For`` entry it vouches for);
- neither set: only a direct connection from loopback (Prometheus on the same host). A
  request that came through a proxy we were not told to trust (it carries forwarding
  headers) is refused, because a reverse proxy on the same host makes every outside
  client look like loopback.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from attn.config import Settings
from attn.errors import MetricsForbidden, MetricsTokenInvalid
from attn.services.security.client_address import client_address, parse_ip, parse_networks


@dataclass(frozen=True)
class MetricsRequest:
    """What of a request the rule looks at."""

    peer: str | None
    forwarded_for: str | None
    """``X-Forwarded-For``, as sent."""
    forwarded: bool
    """Any forwarding header (``X-Forwarded-For``, ``Forwarded``, ``X-Real-IP``) is present."""
    authorization: str | None


def check_metrics_access(settings: Settings, request: MetricsRequest) -> None:
    """Return when ``request`` may read the metrics; raise the error to answer otherwise."""
    token = settings.metrics_token
    presented = _bearer(request.authorization)
    if token is not None and presented is not None:
        if hmac.compare_digest(presented.encode(), token.get_secret_value().encode()):
            return
        raise MetricsTokenInvalid("wrong metrics token")
    proxies = parse_networks(settings.trusted_proxies)
    address = parse_ip(client_address(request.peer, request.forwarded_for, proxies))
    if settings.metrics_networks:
        networks = parse_networks(settings.metrics_networks)
        if address is not None and any(address in network for network in networks):
            return
    elif token is None and _direct_loopback(request, address, proxies):
        return
    if token is not None:
        raise MetricsTokenInvalid("send the metrics token as 'Authorization: Bearer <token>'")
    raise MetricsForbidden(
        "metrics are served only to the addresses in ATTN_METRICS_NETWORKS"
        if settings.metrics_networks
        else "metrics are served only to loopback unless ATTN_METRICS_NETWORKS or "
        "ATTN_METRICS_TOKEN is set"
    )


def _direct_loopback(
    request: MetricsRequest,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
    proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
) -> bool:
    """Loopback, and not relayed by a proxy we do not trust (nginx on the same host)."""
    if address is None or not address.is_loopback:
        return False
    if not request.forwarded:
        return True
    peer = parse_ip(request.peer) if request.peer else None
    return peer is not None and any(peer in network for network in proxies)


def _bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
