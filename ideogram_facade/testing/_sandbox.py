"""`sandbox=True`: a client bound to an in-process fake service, for trying things offline.

The clients do not import this module (it is above them: the fake's `client()` makes one):
`ideogram_facade/__init__.py` hands them `start` through `ideogram_facade._sandbox`.
"""

from __future__ import annotations

import logging

from ideogram_facade import _constants as C

logger = logging.getLogger(C.LOGGER_NAME)

# Long enough that progress is visible, short enough for a first command.
SANDBOX_TIMING = (0.3, 0.5, 1.2)  # seconds waiting, queuing, generating


class Sandbox:
    """A running fake service and the settings that point a client at it."""

    def __init__(self) -> None:
        from ideogram_facade.testing._fake import FakeApikley
        from ideogram_facade.testing._tasks import TaskTiming

        waiting, queuing, generating = SANDBOX_TIMING
        self._fake = FakeApikley(
            timing=TaskTiming(waiting=waiting, queuing=queuing, generating=generating)
        )

    @classmethod
    def start(cls) -> Sandbox:
        sandbox = cls()
        sandbox._fake.start()
        logger.warning(
            "sandbox: using an in-process fake Apikley service at %s; nothing leaves this "
            "machine and nothing is charged",
            sandbox._fake.base_url,
        )
        return sandbox

    def settings(self) -> tuple[str, str, str]:
        """API key, base URL and upload base URL of the fake."""
        return self._fake.api_key, self._fake.base_url, self._fake.upload_base_url

    def stop(self) -> None:
        self._fake.stop()


def start() -> Sandbox:
    """A started sandbox: what `sandbox=True` gives a client."""
    return Sandbox.start()
