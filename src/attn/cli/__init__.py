"""The ``attn`` command line; each module adds its commands to the one Typer app."""

from attn.cli import courses, demo, persist, serve, users
from attn.cli.base import app

__all__ = ["app", "courses", "demo", "main", "persist", "serve", "users"]


def main() -> None:
    app()
