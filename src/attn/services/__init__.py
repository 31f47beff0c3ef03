"""Business rules: no HTTP, no SQL strings, no key names."""
