"""The ``network`` check: the client must be on the classroom's network
(docs/design.md#check-in-checks).

The client address comes from :func:`attn.services.security.client_address.client_address`, which
honours ``X-Forwarded-For`` only when the connection comes from a proxy listed in
``settings.trusted_proxies``; otherwise anyone could claim any address in a header.

By default an attendance allows only the teacher's own address (``/32`` or ``/128``): right
when teacher and students share one NAT address (a campus Wi-Fi), too strict otherwise, so
teachers give ranges such as the classroom Wi-Fi subnet (``10.20.30.0/24``) when starting.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence

from attn.errors import NetworkUnknown

log = logging.getLogger(__name__)

NETWORK_MISMATCH = "network_mismatch"
"""``fail_reason`` of a check-in from outside the attendance's allowed networks."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_address(value: str) -> IPAddress | None:
    """The address, with IPv4-mapped IPv6 (``::ffff:10.0.0.1``) unwrapped to IPv4."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_allowed(client_ip: str, allowed: Sequence[str]) -> bool:
    """Whether ``client_ip`` lies in one of the ``allowed`` CIDR ranges (IPv4 or IPv6).

    An IPv4-mapped IPv6 client (a dual-stack socket) matches IPv4 ranges. An unknown or
    unspecified client address (``0.0.0.0``, ``::``) matches nothing, and neither does an
    empty list: the check fails closed. Unparsable entries are skipped (logged); the
    attendance settings validate them before they are stored.
    """
    address = _parse_address(client_ip)
    if address is None or address.is_unspecified:
        return False
    mapped = (
        ipaddress.IPv6Address(f"::ffff:{address}")
        if isinstance(address, ipaddress.IPv4Address)
        else None
    )
    for entry in allowed:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            log.warning("skipping unparsable allowed network %r", entry)
            continue
        if address.version == network.version and address in network:
            return True
        if mapped is not None and network.version == 6 and mapped in network:
            return True  # an IPv4 client against a range written as ::ffff:a.b.c.d/n
    return False


def default_networks(teacher_ip: str) -> list[str]:
    """The allowed ranges when the teacher gives none: the teacher's own address only.

    Raises InvalidInput (``network_unknown``) when the teacher's address is unknown: the
    default would then match other unknown clients instead of the classroom.
    """
    address = _parse_address(teacher_ip)
    if address is None or address.is_unspecified:
        raise NetworkUnknown(
            "your network address is unknown; give the allowed networks explicitly "
            "(e.g. the classroom Wi-Fi subnet 10.20.30.0/24)",
        )
    return [f"{address}/{address.max_prefixlen}"]


def check_network(client_ip: str, allowed: Sequence[str]) -> str | None:
    """The ``network`` check of one check-in: None when it passes, else the fail reason."""
    return None if address_allowed(client_ip, allowed) else NETWORK_MISMATCH
