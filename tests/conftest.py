"""Fixtures for the whole suite live in ``tests/fixtures``; registered here."""

pytest_plugins = [
    "tests.fixtures.redis",
    "tests.fixtures.redis_cluster",
    "tests.fixtures.sql",
    "tests.fixtures.app",
    "tests.fixtures.verification_service",
    "tests.fixtures.checkin",
]
