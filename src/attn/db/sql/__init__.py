"""The SQL cold store (DESIGN §4): tables, engine, migrations and the repository functions.

Import the submodules directly (``attn.db.sql.engine``, ``.repository``, ``.migrate``,
``.rows``, ``.tables``); this package itself imports nothing, so loading one of them does not
pull in Alembic or the others.
"""
