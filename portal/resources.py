"""Where the files that are not Python live: templates and migrations.

In a source checkout they sit at the repository's top level (``templates/``,
``migrations/``); the built wheel carries them inside the package as
``portal/_bundled/templates`` and ``portal/_bundled/migrations`` (a build
mapping in ``pyproject.toml``). Both layouts are found from the installed
package, never from the current directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["migrations_dir", "templates_dir"]


def _locate(name: str) -> Path:
    bundled = Path(str(files("portal"))) / "_bundled" / name
    if bundled.is_dir():
        return bundled
    checkout = Path(__file__).resolve().parents[1] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"the portal's {name} are neither inside the package ({bundled}) "
        f"nor beside it ({checkout}); reinstall the wheel"
    )


def templates_dir() -> Path:
    """The Jinja2 templates folder."""
    return _locate("templates")


def migrations_dir() -> Path:
    """The Alembic script folder (``env.py`` and ``versions/``)."""
    return _locate("migrations")
