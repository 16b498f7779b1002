"""Real implementations of the audit ports."""
