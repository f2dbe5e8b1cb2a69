"""Alembic migrations of ideabot's schema, shipped with the package (see models.schema)."""
