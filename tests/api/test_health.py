"""Probes: /health is liveness; /ready follows Redis and reports the database apart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from asgi_lifespan import LifespanManager

from attn.app import create_app
from attn.config import Environment, Settings
from attn.models import Role, UserRedis
from attn.models.types import utcnow
from attn.services.accounts.auth import hash_secret


def _settings(tmp_path: Path, *, redis_url: str, database_url: str) -> Settings:
    """An app on the given servers (one of them may be unreachable on purpose)."""
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        redis_url=redis_url,
        database_url=database_url,
        auto_migrate=False,
        persist_enabled=False,
    )


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
        settings = _settings(
            tmp_path, redis_url=redis_url, database_url="postgresql://attn@127.0.0.1:9/attn"
        )
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "degraded", "redis": "ok", "database": "down"}

    async def test_redis_outage_is_not_ready(self, sqlite_url: str, tmp_path: Path) -> None:
        settings = _settings(tmp_path, redis_url="redis://127.0.0.1:9/0", database_url=sqlite_url)
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
        response = await api.get("/api/v1/nope")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    async def test_unknown_page_is_a_page(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/nope")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


class TestOutageAnswers:
    """A backend outage is a temporary 503 with the envelope, never a 500."""

    async def test_archive_read_without_database_is_503(
        self, redis_url: str, tmp_path: Path
    ) -> None:
        settings = _settings(
            tmp_path, redis_url=redis_url, database_url="postgresql://attn@127.0.0.1:9/attn"
        )
        app = create_app(settings)
        async with LifespanManager(app):
            runtime = app.state.runtime
            now = utcnow()
            secret = "s" * 32
            await runtime.redis_client.save_user_session(
                UserRedis(
                    user_number="t1",
                    full_name="Ayşe Yılmaz",
                    role=Role.TEACHER,
                    token_hash=hash_secret(secret),
                    issued_at=now,
                    expires_at=now + timedelta(hours=1),
                ),
                3600,
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get(
                    f"/api/v1/attendances/{uuid4()}",
                    headers={"Authorization": f"Bearer t1.{secret}"},
                )
            await runtime.redis_client.delete_user_session("t1")
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"]
