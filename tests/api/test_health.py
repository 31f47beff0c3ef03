"""Probes: /health is liveness; /ready follows Redis and reports the database apart."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from attn.app import create_app
from attn.config import Environment, Settings


class TestProbes:
    async def test_health(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_ready_when_everything_answers(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "redis": "ok", "database": "ok"}

    async def test_database_outage_is_degraded_not_down(
        self, redis_url: str, tmp_path: Path
    ) -> None:
        # A PostgreSQL URL on a port where nothing listens: Redis still serves check-ins.
        settings = Settings(
            environment=Environment.TEST,
            data_dir=tmp_path,
            redis_url=redis_url,
            database_url="postgresql://attn@127.0.0.1:9/attn",
            auto_migrate=False,
            persist_enabled=False,
        )
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "degraded", "redis": "ok", "database": "down"}

    async def test_redis_outage_is_not_ready(self, sqlite_url: str, tmp_path: Path) -> None:
        settings = Settings(
            environment=Environment.TEST,
            data_dir=tmp_path,
            redis_url="redis://127.0.0.1:9/0",
            database_url=sqlite_url,
            auto_migrate=False,
            persist_enabled=False,
        )
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json() == {"status": "down", "redis": "down", "database": "ok"}

    async def test_metrics_are_prometheus_text(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/metrics")
        assert response.status_code == 200
        assert "attn_persist_attendances_total" in response.text

    async def test_unknown_path_uses_the_error_envelope(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/nope")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
