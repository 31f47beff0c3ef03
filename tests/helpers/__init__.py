"""Support code shared by the tests: factories, processes, refusals."""
