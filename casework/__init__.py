"""Casework: case management for child-safety reports (see README.md, "How it works")."""
