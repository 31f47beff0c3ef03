"""The SQL cold store: tables, engine, migrations and the repository functions
(docs/design.md#sql-schema).

Import the submodules directly (``attn.db.sql.engine``, ``.repository``, ``.migrate``,
``.rows``, ``.tables``); this package itself imports nothing, so loading one of them does not
pull in Alembic or the others.
"""
