"""Argon2id password hashing with the settings' parameters, in the process's own threads.

Argon2 is slow on purpose (about 35 ms of one core at OWASP's m=19 MiB, t=2, p=1) and
argon2-cffi releases the GIL while it works, so hashes run in a thread pool of one thread
per core, created on first use and shared by every login and import of the process. It is
not asyncio's default pool: that one also serves ``to_thread`` callers (DNS, files) and has
more threads than cores, so a burst of logins would queue behind or crowd out the rest.
``concurrent.futures`` joins the pool's threads when the interpreter exits.

A hash made with other parameters (an older default, a changed setting) still verifies,
and :func:`check_password` hands back its replacement so the login can store it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import (
    PASSWORD_MEMORY_KIB,
    PASSWORD_PARALLELISM,
    PASSWORD_TIME_COST,
    Settings,
)
from attn.db.sql import repository

T = TypeVar("T")
HASHING_NICENESS = 10

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class Verdict:
    matches: bool
    new_hash: str | None = None
    """The password hashed with the current parameters, when it matched a hash made with
    other ones: store it in place of the old."""


@lru_cache(maxsize=8)
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher_for(settings: Settings | None = None) -> PasswordHasher:
    """The hasher of ``settings``' Argon2 parameters (None: the defaults, OWASP's)."""
    if settings is None:
        return _hasher(PASSWORD_MEMORY_KIB, PASSWORD_TIME_COST, PASSWORD_PARALLELISM)
    return _hasher(
        settings.password_memory_kib, settings.password_time_cost, settings.password_parallelism
    )


@lru_cache(maxsize=8)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the user has no hash, so a login takes as long either way."""
    return hasher.hash("attn-timing-equaliser")


def hash_password(password: str, settings: Settings | None = None) -> str:
    """Hash on the calling thread: for scripts and tests; services use :func:`hash_in_pool`."""
    return hasher_for(settings).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password or an account without one.

    The hash carries its own parameters, so any Argon2 hash verifies whatever the settings.
    """
    return _matches(hasher_for(), password_hash, password)


def _matches(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    try:
        hasher.verify(password_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def _verify(hasher: PasswordHasher, password_hash: str | None, password: str) -> Verdict:
    if not _matches(hasher, password_hash, password) or password_hash is None:
        return Verdict(matches=False)
    if hasher.check_needs_rehash(password_hash):
        return Verdict(matches=True, new_hash=hasher.hash(password))
    return Verdict(matches=True)


async def check_password(settings: Settings, password_hash: str | None, password: str) -> Verdict:
    """Verify in the pool; a match against a hash of other parameters comes with its new hash
    (computed in the same turn of the pool, so a login waits for the pool once)."""
    return await in_pool(settings, _verify, hasher_for(settings), password_hash, password)


async def store_new_hash(
    session: AsyncSession, user_number: str, verdict: Verdict, now: datetime
) -> None:
    """Replace an outdated hash with ``verdict.new_hash``, if it has one, in the caller's
    transaction (a login that fails after it leaves the old hash, which still verifies)."""
    if verdict.new_hash is not None:
        await repository.set_password_hash(session, user_number, verdict.new_hash, at=now)


async def hash_in_pool(settings: Settings, password: str) -> str:
    """Hash with the settings' parameters in the pool, off the event loop."""
    return await in_pool(settings, hasher_for(settings).hash, password)


async def in_pool(settings: Settings, func: Callable[..., T], *args: object) -> T:
    """``func(*args)`` in the process's hashing pool."""
    return await asyncio.get_running_loop().run_in_executor(pool(settings), func, *args)


def login_gate(settings: Settings) -> asyncio.Semaphore:
    """Logins allowed to read their user and verify at once in this event loop: two per
    hashing thread (one hashing, one ready next).

    A login holds a database connection from reading its user until its request ends, and
    a hall's logins queue behind Argon2 for seconds: without the gate a thousand of them
    would each hold a connection (or time out waiting for one, a 503) while they wait for
    the CPU. Behind it they wait without one, first come, first served.
    """
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(2 * pool_size(settings))
    return gate


def pool(settings: Settings) -> ThreadPoolExecutor:
    """The process's hashing pool, made on first use (after a server forks its workers) and
    sized by the settings of that first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=pool_size(settings),
                thread_name_prefix="attn-argon2",
                initializer=_yield_to_the_event_loop,
            )
        return _pool


def _yield_to_the_event_loop() -> None:
    """Run this hashing thread at a lower CPU priority than the event loop's.

    With every core hashing, the event loop would get only its share of a core against
    the hashing threads, and every request of the process (check-ins of students already
    logged in among them) would wait behind a login rush. At nice +10 the scheduler runs
    the event loop first whenever it has work; the hashes take the rest of the CPU.
    Linux sets the priority per thread; elsewhere the thread keeps the process's.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def pool_size(settings: Settings) -> int:
    """Threads of the hashing pool: ``settings.password_threads``, else the usable cores."""
    return settings.password_threads or usable_cores()


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
