"""Data access: Redis (hot path) and SQL (cold store)."""
