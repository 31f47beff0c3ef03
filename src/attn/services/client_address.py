"""The client address used for rate limits, network checks and logs.

The connection's peer address, unless that peer is a proxy listed in the settings: then the
right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Sequence[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]
) -> str:
    """Best knowledge of the client's IP; ``0.0.0.0`` when nothing usable is known."""
    address = peer or "0.0.0.0"  # noqa: S104 - a placeholder address, not a bind
    if not forwarded_for or not _trusted(address, proxies):
        return _canonical(address)
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not hop:
            continue
        if not _trusted(hop, proxies):
            return _canonical(hop)
        address = hop
    return _canonical(address)


def _canonical(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "0.0.0.0"  # noqa: S104
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)
