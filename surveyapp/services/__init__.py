"""Business rules, grouped by capability; each function takes the session it works in."""
