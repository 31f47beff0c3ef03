"""ATTN: class attendance with a Redis hot path and a SQL cold store."""

__version__ = "0.1.0"
