"""The web layer: the only code that imports Litestar."""
