"""The client address used for rate limits, network checks and logs.

The connection's peer address, unless that peer is a proxy listed in the settings: then the
right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy. Entries left of that
one were written by the client and are ignored (anyone can send ``X-Forwarded-For``).

IPv4-mapped IPv6 addresses (``::ffff:10.0.0.1``, what a dual-stack socket reports for an
IPv4 peer) count as the IPv4 address, both for trust and in the answer, so ``10.0.0.0/8``
in the settings matches a proxy however the socket reports it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "0.0.0.0"  # noqa: S104 - a placeholder address, not a bind


def parse_networks(entries: Sequence[str]) -> tuple[IPNetwork, ...]:
    """The trusted-proxy networks; parsed once per distinct list (it runs on every request)."""
    return _parse_networks(tuple(entries))


@lru_cache(maxsize=16)
def _parse_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def parse_ip(address: str) -> IPAddress | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``), unmapped."""
    text = address.strip()
    if text.startswith("[") and "]" in text:  # [v6] or [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port (a bare v6 address has at least two colons)
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: IPAddress | None, proxies: Sequence[IPNetwork]) -> bool:
    return ip is not None and any(ip in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]
) -> str:
    """Best knowledge of the client's IP; ``0.0.0.0`` when nothing usable is known."""
    ip = parse_ip(peer) if peer else None
    if not forwarded_for or not _trusted(ip, proxies):
        return UNKNOWN if ip is None else str(ip)
    for hop in reversed(forwarded_for.split(",")):
        if not hop.strip():
            continue
        hop_ip = parse_ip(hop)
        if not _trusted(hop_ip, proxies):
            # What our own proxy saw connecting to it; garbage there means we cannot know.
            return UNKNOWN if hop_ip is None else str(hop_ip)
        ip = hop_ip
    return UNKNOWN if ip is None else str(ip)
