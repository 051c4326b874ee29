"""The versioned JSON API for integrators (web layer); each version is one blueprint."""
