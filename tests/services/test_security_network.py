"""The network check: CIDR ranges for IPv4 and IPv6, defaults, and X-Forwarded-For honoured
only from trusted proxies (through the same client_address the API uses)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from attn.api.deps import get_client_address
from attn.config import Environment, Settings
from attn.errors import InvalidInput
from attn.services.security.client_address import client_address, parse_networks
from attn.services.security.network import (
    NETWORK_MISMATCH,
    address_allowed,
    check_network,
    default_networks,
)

CLASSROOM = ["10.20.30.0/24", "2001:db8:20:30::/64"]


class TestAddressAllowed:
    @pytest.mark.parametrize(
        "client",
        ["10.20.30.1", "10.20.30.254", "2001:db8:20:30::1", "2001:db8:20:30:ffff::9"],
    )
    def test_inside(self, client: str) -> None:
        assert address_allowed(client, CLASSROOM)

    @pytest.mark.parametrize(
        "client", ["10.20.31.1", "192.168.1.10", "2001:db8:20:31::1", "::1", "127.0.0.1"]
    )
    def test_outside(self, client: str) -> None:
        assert not address_allowed(client, CLASSROOM)

    def test_ipv4_mapped_ipv6_client_matches_ipv4_ranges(self) -> None:
        assert address_allowed("::ffff:10.20.30.7", CLASSROOM)
        assert not address_allowed("::ffff:10.20.31.7", CLASSROOM)

    def test_ipv4_client_matches_a_range_written_as_mapped_ipv6(self) -> None:
        assert address_allowed("10.20.30.7", ["::ffff:10.20.30.0/120"])

    def test_single_addresses(self) -> None:
        assert address_allowed("203.0.113.5", ["203.0.113.5/32"])
        assert not address_allowed("203.0.113.6", ["203.0.113.5/32"])
        assert address_allowed("2001:db8::5", ["2001:db8::5/128"])

    @pytest.mark.parametrize(
        "client",
        ["", "not-an-ip", "0.0.0.0", "::", "10.20.30.1/24"],  # noqa: S104 - values, not binds
    )
    def test_unknown_or_unspecified_clients_never_match(self, client: str) -> None:
        assert not address_allowed(client, [*CLASSROOM, "0.0.0.0/0", "::/0"])

    def test_empty_list_fails_closed(self) -> None:
        assert not address_allowed("10.20.30.1", [])

    def test_bad_entries_are_skipped(self) -> None:
        assert address_allowed("10.20.30.1", ["garbage", "10.20.30.0/24"])
        assert not address_allowed("10.20.30.1", ["garbage"])

    def test_check_network_gives_the_fail_reason(self) -> None:
        assert check_network("10.20.30.1", CLASSROOM) is None
        assert check_network("10.99.0.1", CLASSROOM) == NETWORK_MISMATCH


class TestDefaultNetworks:
    def test_ipv4_teacher(self) -> None:
        assert default_networks("203.0.113.5") == ["203.0.113.5/32"]

    def test_ipv6_teacher(self) -> None:
        assert default_networks("2001:DB8::5") == ["2001:db8::5/128"]

    def test_mapped_teacher_becomes_ipv4(self) -> None:
        assert default_networks("::ffff:203.0.113.5") == ["203.0.113.5/32"]

    def test_students_behind_the_teachers_nat_pass(self) -> None:
        assert address_allowed("203.0.113.5", default_networks("203.0.113.5"))

    @pytest.mark.parametrize("teacher", ["0.0.0.0", "::", "unknown"])  # noqa: S104 - not a bind
    def test_unknown_teacher_address_is_refused(self, teacher: str) -> None:
        with pytest.raises(InvalidInput) as info:
            default_networks(teacher)
        assert info.value.code == "network_unknown"


class TestBehindProxies:
    """The address the check sees is ``client_address``: X-Forwarded-For counts only when
    the connection comes from a configured proxy."""

    PROXIES = parse_networks(["127.0.0.1/32", "fd00::/8"])

    def test_forwarded_for_from_a_trusted_proxy_is_used(self) -> None:
        seen = client_address("127.0.0.1", "10.20.30.9", self.PROXIES)
        assert seen == "10.20.30.9"
        assert address_allowed(seen, CLASSROOM)

    def test_forwarded_for_from_anyone_else_is_ignored(self) -> None:
        seen = client_address("198.51.100.7", "10.20.30.9", self.PROXIES)
        assert seen == "198.51.100.7"
        assert not address_allowed(seen, CLASSROOM)

    def test_no_proxies_configured_means_the_header_is_ignored(self) -> None:
        seen = client_address("127.0.0.1", "10.20.30.9", [])
        assert not address_allowed(seen, CLASSROOM)

    def test_a_spoofed_left_entry_does_not_help(self) -> None:
        # The client wrote "10.20.30.9" itself; the proxy appended the real peer.
        seen = client_address("127.0.0.1", "10.20.30.9, 198.51.100.7", self.PROXIES)
        assert seen == "198.51.100.7"
        assert not address_allowed(seen, CLASSROOM)

    def test_chained_trusted_proxies_over_ipv6(self) -> None:
        seen = client_address("fd00::1", "2001:db8:20:30::42, fd00::2", self.PROXIES)
        assert seen == "2001:db8:20:30::42"
        assert address_allowed(seen, CLASSROOM)

    @pytest.mark.parametrize(
        ("trusted", "peer", "expected"),
        [
            ([], "127.0.0.1", "127.0.0.1"),
            (["127.0.0.1/32"], "127.0.0.1", "10.20.30.9"),
            (["127.0.0.1/32"], "198.51.100.7", "198.51.100.7"),
            (["::1/128"], "::1", "10.20.30.9"),
        ],
    )
    async def test_the_api_dependency_uses_the_trusted_proxies_setting(
        self, trusted: list[str], peer: str, expected: str
    ) -> None:
        """``get_client_address`` (what the check-in route will pass on) with real settings."""
        settings = Settings(environment=Environment.TEST, trusted_proxies=trusted)
        request = Request(
            {
                "type": "http",
                "method": "POST",
                "path": "/",
                "headers": [(b"x-forwarded-for", b"10.20.30.9")],
                "client": (peer, 50000),
            }
        )
        assert await get_client_address(request, settings) == expected
