"""Async repositories: each takes a session and returns domain objects, never rows."""
