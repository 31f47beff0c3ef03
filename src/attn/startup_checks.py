"""What ``attn serve`` says about its settings as it starts, one line each.

Mistakes that make the service useless without failing (QR codes pointing at 127.0.0.1
while students come over the network) are warned about; choices worth knowing about (no
anti-proxy check by default: an operator turned off the rotating code, which is on unless
``ATTN_DEFAULT_CHECKS`` says otherwise) get a note. Mistakes that must stop the service are
refused by :class:`attn.config.Settings` itself, for every command: placeholder secrets, embedded
servers and a public base URL that is not https in production.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from attn.config import Settings

log = logging.getLogger("attn.startup")


@dataclass(frozen=True)
class Notice:
    """One line to log at ``level``."""

    level: int
    message: str


def serve_notices(settings: Settings, host: str) -> list[Notice]:
    """The warnings and notes for ``attn serve --host host`` with ``settings``."""
    notices = []
    public_host = urlsplit(settings.public_base_url).hostname or ""
    if is_loopback(public_host) and not is_loopback(host):
        notices.append(
            Notice(
                logging.WARNING,
                f"ATTN_PUBLIC_BASE_URL is {settings.public_base_url}, a loopback address, "
                f"while attn serve listens on {host}: QR codes and links would point to the "
                "phone itself; set ATTN_PUBLIC_BASE_URL to the address students open",
            )
        )
    if not settings.default_checks:
        notices.append(
            Notice(
                logging.INFO,
                "note: no anti-proxy check is on by default (ATTN_DEFAULT_CHECKS is []): "
                "an attendance started without checks takes any logged-in student's "
                "check-in; e.g. ATTN_DEFAULT_CHECKS='[\"code\"]' asks for the rotating code",
            )
        )
    return notices


def log_serve_notices(settings: Settings, host: str) -> None:
    for notice in serve_notices(settings, host):
        log.log(notice.level, "%s", notice.message)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this
    machine only; ``0.0.0.0`` and ``::`` (every address) are not."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
