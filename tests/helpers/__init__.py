"""Helpers the tests share: factories, processes, API and persistence arrangements."""
