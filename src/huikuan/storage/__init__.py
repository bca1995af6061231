"""Persistence: SQLAlchemy tables mapped onto the domain, migrations, bulk paths and the unit of work."""
