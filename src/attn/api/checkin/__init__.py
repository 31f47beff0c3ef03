"""The check-in route, the hot path of a lecture's first minutes: the route, its one
request dependency (``context``), reading its body (``body``) and its OpenAPI."""
