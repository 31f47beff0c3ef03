"""Who may read ``GET /metrics``: a configured token, a configured address range, or with
neither only a direct loopback connection (docs/operations.md#who-may-read-them)."""

from __future__ import annotations

from typing import ClassVar

import httpx
import pytest

from attn.config import Settings
from tests.fixtures.app import error_code
from tests.helpers.metrics import app_with, client_from

TOKEN = "scraper-token-0123456789"
PROXY = "10.9.9.9"


async def metrics_from(
    settings: Settings, address: str, headers: dict[str, str] | None = None, /, **update: object
) -> httpx.Response:
    async with app_with(settings, **update) as app, client_from(app, address) as client:
        return await client.get("/metrics", headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestNothingConfigured:
    @pytest.mark.parametrize("address", ["127.0.0.1", "::1", "127.0.0.5"])
    async def test_a_direct_loopback_connection_reads_them(
        self, app_settings: Settings, address: str
    ) -> None:
        response = await metrics_from(app_settings, address)
        assert response.status_code == 200
        assert "attn_http_requests_total" in response.text

    @pytest.mark.parametrize("address", ["10.0.0.7", "192.168.1.20", "2001:db8::1"])
    async def test_any_other_address_is_403(self, app_settings: Settings, address: str) -> None:
        response = await metrics_from(app_settings, address)
        assert response.status_code == 403
        assert error_code(response) == "metrics_forbidden"
        assert "attn_" not in response.text

    @pytest.mark.parametrize(
        "header",
        [
            {"X-Forwarded-For": "203.0.113.9"},
            {"X-Forwarded-For": "127.0.0.1"},  # what any outside client may write
            {"Forwarded": "for=203.0.113.9"},
            {"X-Real-IP": "203.0.113.9"},
        ],
    )
    async def test_a_request_relayed_by_an_untrusted_local_proxy_is_403(
        self, app_settings: Settings, header: dict[str, str]
    ) -> None:
        """nginx on the same host connects from loopback for every outside client."""
        response = await metrics_from(app_settings, "127.0.0.1", header)
        assert response.status_code == 403

    async def test_a_trusted_local_proxy_passes_a_loopback_client(
        self, app_settings: Settings
    ) -> None:
        """Prometheus on the host scraping through the proxy, which vouches for it."""
        inside = {"X-Forwarded-For": "127.0.0.1"}
        outside = {"X-Forwarded-For": "203.0.113.9"}
        trusted = {"trusted_proxies": ["127.0.0.1/32"]}
        for header, status in ((inside, 200), (outside, 403)):
            response = await metrics_from(app_settings, "127.0.0.1", header, **trusted)
            assert response.status_code == status, header

    async def test_a_bearer_token_opens_nothing_when_none_is_configured(
        self, app_settings: Settings
    ) -> None:
        response = await metrics_from(app_settings, "10.0.0.7", bearer(TOKEN))
        assert response.status_code == 403


class TestToken:
    async def test_the_right_token_reads_them_from_anywhere(self, app_settings: Settings) -> None:
        for address in ("203.0.113.9", "127.0.0.1"):
            response = await metrics_from(app_settings, address, bearer(TOKEN), metrics_token=TOKEN)
            assert response.status_code == 200, address
            assert "attn_http_requests_total" in response.text

    @pytest.mark.parametrize("address", ["203.0.113.9", "127.0.0.1"])
    async def test_a_wrong_token_is_401(self, app_settings: Settings, address: str) -> None:
        response = await metrics_from(
            app_settings, address, bearer(TOKEN + "x"), metrics_token=TOKEN
        )
        assert response.status_code == 401
        assert error_code(response) == "metrics_token_invalid"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "headers", [None, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "}]
    )
    async def test_no_token_is_401_even_from_loopback(
        self, app_settings: Settings, headers: dict[str, str] | None
    ) -> None:
        """With a token configured, loopback is no longer enough on its own."""
        response = await metrics_from(app_settings, "127.0.0.1", headers, metrics_token=TOKEN)
        assert response.status_code == 401
        assert error_code(response) == "metrics_token_invalid"

    def test_a_short_token_is_refused_at_start_up(self, app_settings: Settings) -> None:
        with pytest.raises(ValueError, match="metrics_token"):
            Settings(**{**app_settings.model_dump(), "metrics_token": "short"})


class TestNetworks:
    NETWORKS: ClassVar[dict[str, list[str]]] = {
        "metrics_networks": ["10.20.0.0/16", "2001:db8:5::/48"]
    }

    @pytest.mark.parametrize("address", ["10.20.3.4", "::ffff:10.20.0.1", "2001:db8:5::9"])
    async def test_an_address_in_range_reads_them(
        self, app_settings: Settings, address: str
    ) -> None:
        response = await metrics_from(app_settings, address, **self.NETWORKS)
        assert response.status_code == 200

    @pytest.mark.parametrize("address", ["10.21.0.1", "127.0.0.1", "2001:db8:6::1"])
    async def test_an_address_out_of_range_is_403(
        self, app_settings: Settings, address: str
    ) -> None:
        """Loopback too: a configured range replaces the default."""
        response = await metrics_from(app_settings, address, **self.NETWORKS)
        assert response.status_code == 403
        assert error_code(response) == "metrics_forbidden"

    async def test_the_client_behind_a_trusted_proxy_counts(self, app_settings: Settings) -> None:
        update = {**self.NETWORKS, "trusted_proxies": [f"{PROXY}/32"]}
        inside, outside = {"X-Forwarded-For": "10.20.0.8"}, {"X-Forwarded-For": "10.99.0.8"}
        assert (await metrics_from(app_settings, PROXY, inside, **update)).status_code == 200
        assert (await metrics_from(app_settings, PROXY, outside, **update)).status_code == 403

    async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(
        self, app_settings: Settings
    ) -> None:
        """Anyone can write X-Forwarded-For: only the connection's own address counts."""
        spoofed = {"X-Forwarded-For": "10.20.0.8"}
        response = await metrics_from(app_settings, "10.99.0.8", spoofed, **self.NETWORKS)
        assert response.status_code == 403

    async def test_with_a_token_too_either_one_is_enough(self, app_settings: Settings) -> None:
        update = {**self.NETWORKS, "metrics_token": TOKEN}
        assert (await metrics_from(app_settings, "10.20.0.1", **update)).status_code == 200
        outside = await metrics_from(app_settings, "10.99.0.1", bearer(TOKEN), **update)
        assert outside.status_code == 200
        refused = await metrics_from(app_settings, "10.99.0.1", **update)
        assert refused.status_code == 401  # the token would open it: say so
        wrong = await metrics_from(app_settings, "10.20.0.1", bearer("x" * 20), **update)
        assert wrong.status_code == 401  # a stale token fails loudly, even from the range

    def test_a_malformed_range_is_refused_at_start_up(self, app_settings: Settings) -> None:
        with pytest.raises(ValueError, match="metrics_networks"):
            Settings(**{**app_settings.model_dump(), "metrics_networks": ["10.0.0.0/33"]})
