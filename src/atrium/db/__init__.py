"""Database location, roles, migrations and the embedded server."""
