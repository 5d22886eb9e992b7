"""Shared infrastructure used by every domain."""
