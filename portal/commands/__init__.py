"""``portal`` sub-commands, one module per group; each exposes ``register(subparsers)``.

A command handler takes the parsed arguments and returns the exit status; a
:class:`CommandError` becomes a one-line message on stderr and exit 2.
"""

from __future__ import annotations


class CommandError(Exception):
    """A user-facing failure of a command: the message says what to do."""
