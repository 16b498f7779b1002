"""Ownership-verification adapters: one real provider (聚美智数 jumdata) and a demo."""
