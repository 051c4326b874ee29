"""Pure domain helpers: no Flask, no SQLAlchemy."""
