"""Use cases: plain functions over stores and ports; no web framework here."""
