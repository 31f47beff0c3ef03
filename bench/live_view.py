"""The teacher's live view of a lecture hall: GET /api/v1/attendances/{id}/records with
1,500 checked-in students, timed through the ASGI app (in process, no network).

    python -m bench.live_view                               # embedded redis-server
    python -m bench.live_view --records 3000 --runs 200 --redis-url redis://127.0.0.1:6379/14

Prints the median (and p90) of the whole request through the app — authentication, the
Redis script, validation, serialisation — and of the service function alone. The replaced
system took 344 ms for this view; the target is under 20 ms. ``--redis-url`` must point at
a database the benchmark may flush.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import httpx
from asgi_lifespan import LifespanManager

from attn.app import create_app
from attn.config import Environment, Settings
from attn.models import AttendanceRecordRedis, RecordStatus, Role, UserRedis
from attn.models.types import SELF, utcnow
from attn.runtime import Runtime
from attn.services.accounts.auth import hash_secret
from attn.services.attendance import views

FIRST_NAMES = ["Çağrı", "Gülşen", "İsmail", "Ümran", "Şükrü", "Işıl", "Ayşe", "Oğuz"]
LAST_NAMES = ["Yılmaz", "Öztürk", "Şahin", "Kılıç", "Doğan", "Aydın", "Çelik", "Güneş"]


async def teacher_session(runtime: Runtime) -> tuple[UserRedis, dict[str, str]]:
    """A teacher login written straight to Redis (login itself is Argon2-bound)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    user = UserRedis(
        user_number="T0001",
        full_name="Prof. Dr. Ayşe Yılmaz",
        role=Role.TEACHER,
        token_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + timedelta(hours=1),
    )
    await runtime.redis_client.save_user_session(user, 3600)
    return user, {"Authorization": f"Bearer T0001.{secret}"}


async def fill(runtime: Runtime, attendance_id: UUID, count: int) -> None:
    """``count`` students checked in through the real check-in script."""
    now = utcnow()
    records = [
        AttendanceRecordRedis(
            attendance_id=attendance_id,
            student_number=f"2024{n:06d}",
            user_full_name=f"{FIRST_NAMES[n % 8]} {LAST_NAMES[n // 8 % 8]} {n}",
            status=RecordStatus.LATE if n % 5 == 0 else RecordStatus.PRESENT,
            checked_in_at=now,
            decided_by=SELF,
            client_ip=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            updated_at=now,
        )
        for n in range(count)
    ]
    for start in range(0, count, 200):
        batch = records[start : start + 200]
        await asyncio.gather(*(runtime.redis_client.check_in(r, now) for r in batch))
    stored = await runtime.redis_client.count_records(attendance_id)
    if stored != count:
        raise SystemExit(f"expected {count} records in Redis, found {stored}")


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(value * 1000 for value in seconds)
    p90 = ms[int(len(ms) * 0.9) - 1]
    return f"{label:<28} median {statistics.median(ms):6.2f} ms   p90 {p90:6.2f} ms"


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="attn-bench-") as data:
        settings = Settings(
            environment=Environment.DEVELOPMENT,
            data_dir=Path(data),
            redis_url=args.redis_url,
            database_url=f"sqlite:///{Path(data) / 'bench.sqlite3'}",
            auto_migrate=True,
            persist_enabled=False,
            log_level="WARNING",
        )
        app = create_app(settings)
        async with LifespanManager(app):
            runtime: Runtime = app.state.runtime
            await runtime.redis.flushdb()
            teacher, headers = await teacher_session(runtime)
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                started = await client.post(
                    "/api/v1/attendances",
                    json={"lesson_name": "Veri Yapıları", "duration_minutes": 90},
                    headers=headers,
                )
                if started.status_code != 201:
                    raise SystemExit(f"start failed: {started.text}")
                aid = UUID(started.json()["attendance_id"])
                await fill(runtime, aid, args.records)
                path = f"/api/v1/attendances/{aid}/records"

                async def request() -> float:
                    began = time.perf_counter()
                    response = await client.get(path, headers=headers)
                    elapsed = time.perf_counter() - began
                    if response.status_code != 200:
                        raise SystemExit(f"live view failed: {response.text}")
                    return elapsed

                async def service() -> float:
                    began = time.perf_counter()
                    async with runtime.sessionmaker() as session:
                        await views.attendance_records(
                            runtime.redis_client, session, teacher, aid, utcnow()
                        )
                    return time.perf_counter() - began

                first = await client.get(path, headers=headers)
                size = len(first.content)
                body = first.json()
                if body["count"] != args.records:
                    raise SystemExit(f"the view shows {body['count']} records")
                for _ in range(5):  # warm-up
                    await request()
                http_times = [await request() for _ in range(args.runs)]
                service_times = [await service() for _ in range(args.runs)]
            await runtime.redis.flushdb()
    print(f"live view of {args.records} records, {args.runs} runs (replaced system: 344 ms)")
    print(summary("GET through the ASGI app", http_times))
    print(summary("service function alone", service_times))
    print(f"response size: {size / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--redis-url", default=None, help="default: embedded redis-server")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
