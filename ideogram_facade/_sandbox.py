"""How a client reaches the sandbox (`sandbox=True`) without importing `testing`.

The sandbox is the fake service of `ideogram_facade.testing`, which sits above the clients (its
`client()` makes one). So the clients never import it: `ideogram_facade/__init__.py` installs
the starter here, and the fake service is loaded only when a client asks for a sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Sandbox(Protocol):
    """A running fake service and the settings that point a client at it."""

    def settings(self) -> tuple[str, str, str]:
        """API key, base URL and upload base URL of the fake."""
        ...

    def stop(self) -> None: ...


_starter: Callable[[], Sandbox] | None = None


def install(starter: Callable[[], Sandbox]) -> None:
    global _starter
    _starter = starter


def start() -> Sandbox:
    if _starter is None:  # only if this module was loaded without its package
        raise RuntimeError("import ideogram_facade before asking for a sandbox")
    return _starter()
