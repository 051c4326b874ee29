"""Dispatch: sending invitations and reminders at their time, at most once."""
