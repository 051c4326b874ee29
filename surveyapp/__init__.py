"""surveyapp: self-hostable customer-feedback platform."""

__version__ = "0.1.0"
