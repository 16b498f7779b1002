"""Storage: SQLModel tables, the engine, and repositories that encrypt on the way in."""
