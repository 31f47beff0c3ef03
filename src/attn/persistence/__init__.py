"""The one Redis -> SQL persistence job (DESIGN §5), run by serve, worker and persist."""
