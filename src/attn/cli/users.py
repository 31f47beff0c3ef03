"""``attn user add|import|list`` and ``attn demo``: accounts from the command line."""

from __future__ import annotations

import typer

from attn.cli.base import app

user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
