"""Public survey views."""
