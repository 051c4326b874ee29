"""Mail: rendering messages, the built-in outbox and the SMTP transport."""
