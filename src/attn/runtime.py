"""The process-wide resources (Redis, database) built from settings, for every entry point.

``attn serve`` (through the app lifespan), ``attn worker``, ``attn persist`` and the other
CLI commands all open and close their clients here, so an embedded Redis is started (or
joined) the same way everywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from attn.clock import Clock, SystemClock
from attn.config import Settings
from attn.db.redis.events import EventsReader
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis, create_redis
from attn.db.sql.engine import create_engine, create_sessionmaker
from attn.db.sql.migrate import upgrade_async
from attn.embedded import EmbeddedRedis
from attn.services.attendance.live_events import ListenerSlots
from attn.services.security.face import FaceVerifier

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Clients shared by one process; create with :meth:`open`, release with :meth:`close`."""

    settings: Settings
    redis: AnyRedis
    redis_client: RedisClient
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    live_redis: AnyRedis | None = field(default=None)
    """The live channel listeners' own client: each blocking read holds one of its
    connections (at most ``ATTN_LIVE_LISTENERS_MAX``), never one the requests need."""
    live_slots: ListenerSlots = field(default_factory=lambda: ListenerSlots(limit=0))
    embedded_redis: EmbeddedRedis | None = field(default=None)
    face_verifier: FaceVerifier | None = field(default=None)
    """Sends photos to the outside face verification service; None without
    ``settings.face_service_url`` (attendances with the ``face`` check are refused then)."""
    clock: Clock = field(default_factory=SystemClock)
    """The time check-ins and their security checks use: tests put a ``FrozenClock`` here
    to move through code steps and grace windows without sleeping."""

    @classmethod
    async def open(cls, settings: Settings, *, role: str = "api", migrate: bool = False) -> Runtime:
        embedded: EmbeddedRedis | None = None
        redis_url = settings.redis_url
        if redis_url is None:
            embedded = EmbeddedRedis(settings.data_dir)
            redis_url = embedded.start()
        redis = create_redis(redis_url, cluster=settings.redis_cluster, client_name=f"attn-{role}")
        live_redis = create_redis(  # connects only when a listener reads
            redis_url,
            cluster=settings.redis_cluster,
            client_name=f"attn-{role}-live",
            max_connections=settings.live_listeners_max,
        )
        engine = create_engine(
            settings.effective_database_url,
            application_name=f"attn-{role}",
            statement_timeout=settings.database_statement_timeout,
        )
        redis_client = RedisClient(redis, events_max=settings.live_events_max)
        verifier = FaceVerifier(settings, redis_client) if settings.face_service_url else None
        runtime = cls(
            settings=settings,
            redis=redis,
            redis_client=redis_client,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            live_redis=live_redis,
            live_slots=ListenerSlots(limit=settings.live_listeners_max),
            embedded_redis=embedded,
            face_verifier=verifier,
        )
        if migrate:
            try:
                await upgrade_async(settings.effective_database_url)
            except Exception:
                await runtime.close()
                raise
        await runtime.warn_if_redis_forgets()
        return runtime

    async def warn_if_redis_forgets(self) -> None:
        """Live attendances exist only in Redis until persisted: say so if it keeps nothing."""
        try:
            persistence = await self.redis_client.has_persistence()
        except Exception:  # Redis down at start-up: /ready will say so
            log.warning("could not read the Redis persistence configuration", exc_info=True)
            return
        if persistence.get("aof") is False and persistence.get("rdb") is False:
            log.warning(
                "the Redis server at use has no persistence configured (no AOF, no RDB): "
                "a Redis restart loses live attendances that are not persisted yet"
            )

    @property
    def face_available(self) -> bool:
        """Whether attendances may use the ``face`` check (service URL and secret set)."""
        return self.face_verifier is not None and self.face_verifier.configured

    @property
    def events_reader(self) -> EventsReader:
        """Reads the live channel on :attr:`live_redis` (the shared client without one)."""
        return EventsReader(self.live_redis or self.redis)

    async def close(self) -> None:
        if self.face_verifier is not None:
            await self.face_verifier.aclose()
        if self.live_redis is not None:
            await self.live_redis.aclose()
        await self.redis.aclose()
        await self.engine.dispose()
        if self.embedded_redis is not None:
            self.embedded_redis.stop()
