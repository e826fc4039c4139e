"""Persistence: the only package that talks SQL (tables, sessions, migrations, imports, facts)."""
