"""Scheduled jobs: thin wrappers that open a transaction and call one service."""
