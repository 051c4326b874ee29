"""Benchmark harness and scripts for surveyapp; never part of the test suite."""
