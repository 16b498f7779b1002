"""Real implementations of the crypto ports (one module per provider or engine)."""
