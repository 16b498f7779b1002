"""Real and demo implementations of :mod:`tax_bureau.ports`."""
