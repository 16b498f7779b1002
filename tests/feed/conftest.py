"""The change-flow fixtures (two suppliers, people, a clock) for the feed's tests."""

from tests.changes.conftest import clock, ctx, deps, notifier, world

__all__ = ["clock", "ctx", "deps", "notifier", "world"]
