"""Which address a request comes from: the peer, unless a trusted proxy forwarded it."""

from __future__ import annotations

import pytest

from attn.services.security.client_address import UNKNOWN, client_address, parse_ip, parse_networks

NO_PROXIES = parse_networks([])
PROXIES = parse_networks(["10.0.0.0/8", "2001:db8:ffff::/48"])


class TestWithoutProxies:
    @pytest.mark.parametrize(
        ("peer", "expected"),
        [
            ("192.0.2.10", "192.0.2.10"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("::ffff:192.0.2.10", "192.0.2.10"),
            ("::1", "::1"),
        ],
    )
    def test_the_peer_address_canonical(self, peer: str, expected: str) -> None:
        assert client_address(peer, None, NO_PROXIES) == expected

    @pytest.mark.parametrize("peer", [None, "", "testclient", "not-an-ip", "/run/attn.sock"])
    def test_unknown_peers_are_the_placeholder(self, peer: str | None) -> None:
        assert client_address(peer, None, NO_PROXIES) == UNKNOWN

    def test_a_spoofed_forwarded_for_is_ignored(self) -> None:
        assert client_address("192.0.2.10", "203.0.113.5", NO_PROXIES) == "192.0.2.10"

    def test_forwarded_for_from_an_untrusted_peer_is_ignored_even_with_proxies_configured(
        self,
    ) -> None:
        assert client_address("192.0.2.10", "203.0.113.5, 10.0.0.1", PROXIES) == "192.0.2.10"


class TestBehindTrustedProxies:
    def test_the_client_as_the_proxy_saw_it(self) -> None:
        assert client_address("10.0.0.2", "203.0.113.5", PROXIES) == "203.0.113.5"

    def test_a_chain_of_trusted_proxies_is_walked_from_the_right(self) -> None:
        chain = "203.0.113.5, 10.1.1.1, 10.2.2.2"
        assert client_address("10.0.0.2", chain, PROXIES) == "203.0.113.5"

    def test_entries_left_of_the_first_untrusted_hop_are_the_clients_own_claims(self) -> None:
        # The client sent "X-Forwarded-For: 198.51.100.1"; our proxy appended what it saw.
        chain = "198.51.100.1, 203.0.113.5, 10.1.1.1"
        assert client_address("10.0.0.2", chain, PROXIES) == "203.0.113.5"

    def test_ipv6_clients_and_proxies(self) -> None:
        chain = "2001:db8:1::7, 2001:db8:ffff::2"
        assert client_address("2001:db8:ffff::1", chain, PROXIES) == "2001:db8:1::7"

    def test_a_proxy_seen_as_ipv4_mapped_ipv6_is_still_trusted(self) -> None:
        """A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d."""
        assert client_address("::ffff:10.0.0.2", "203.0.113.5", PROXIES) == "203.0.113.5"

    def test_an_ipv4_mapped_client_is_reported_as_ipv4(self) -> None:
        assert client_address("10.0.0.2", "::ffff:203.0.113.5", PROXIES) == "203.0.113.5"

    def test_a_mapped_entry_of_a_trusted_proxy_in_the_chain_is_skipped(self) -> None:
        chain = "203.0.113.5, ::ffff:10.1.1.1"
        assert client_address("10.0.0.2", chain, PROXIES) == "203.0.113.5"

    def test_ports_and_brackets_written_by_some_proxies(self) -> None:
        assert client_address("10.0.0.2", "203.0.113.5:51000", PROXIES) == "203.0.113.5"
        assert client_address("10.0.0.2", "[2001:db8:1::7]:443", PROXIES) == "2001:db8:1::7"

    def test_only_proxies_in_the_chain_gives_the_leftmost(self) -> None:
        assert client_address("10.0.0.2", "10.9.9.9, 10.1.1.1", PROXIES) == "10.9.9.9"

    def test_empty_entries_are_skipped(self) -> None:
        assert client_address("10.0.0.2", " , 203.0.113.5,, ", PROXIES) == "203.0.113.5"

    def test_garbage_where_the_client_should_be_is_the_placeholder(self) -> None:
        assert client_address("10.0.0.2", "unknown", PROXIES) == UNKNOWN

    def test_an_empty_header_means_the_peer(self) -> None:
        assert client_address("10.0.0.2", "", PROXIES) == "10.0.0.2"


class TestParseIp:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("192.0.2.1", "192.0.2.1"),
            (" 192.0.2.1 ", "192.0.2.1"),
            ("192.0.2.1:8080", "192.0.2.1"),
            ("[::1]", "::1"),
            ("[::1]:8080", "::1"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("fe80::1%eth0", "fe80::1%eth0"),
        ],
    )
    def test_forms(self, text: str, expected: str) -> None:
        assert str(parse_ip(text)) == expected

    @pytest.mark.parametrize("text", ["", "unknown", "1.2.3", "300.1.1.1", "[::1", "a:b"])
    def test_not_addresses(self, text: str) -> None:
        assert parse_ip(text) is None
