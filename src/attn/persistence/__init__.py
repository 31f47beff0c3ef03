"""The one Redis -> SQL persistence job, run by serve, worker and persist
(docs/design.md#persistence)."""
