"""Cross-source verification rules (pure): what the licence, the registry and the
master record say about one company, and where they disagree."""

from verification.licence import ComparisonRow, compare_fields, licence_findings, plain

__all__ = ["ComparisonRow", "compare_fields", "licence_findings", "plain"]
