"""Embedded website surveys: sites, eligibility of a page's event, the widget and its frame."""
