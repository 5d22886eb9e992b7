"""Atrium: a self-hostable, multi-tenant AI assistant and agent platform."""

__version__ = "0.1.0"
