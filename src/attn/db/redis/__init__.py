"""The Redis data access layer, split by concern; :class:`attn.db.redis_client.RedisClient`
combines the parts into the one client the services use."""
