"""Helpers shared by the test-suite: real worker processes, isolated broker/backend, a TCP proxy."""
