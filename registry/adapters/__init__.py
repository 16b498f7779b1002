"""Real and demo implementations of :class:`registry.ports.BusinessRegistry`."""
