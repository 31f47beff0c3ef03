"""Accounts: login sessions and CSRF (``auth``), password hashing, the user directory
(``users``) and its CSV import."""
