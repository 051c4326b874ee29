"""Reporting services: filters, rollups, dashboard figures, journey, improvement log, charts."""
