"""A typed client for Apikley's Ideogram character models: a portrait and a prompt in, the same
character out, in a new scene, painted into a picture, or in a remix of one.

    from ideogram_facade import CharacterClient

    with CharacterClient() as client:          # API key from APIKLEY_API_KEY
        task = client.generate("the same man as a 1920s pilot", "https://example.com/me.png")
        print(task.image_urls)
        client.generate("the same man", "me.png", model="character-edit",
                        image="street.png", mask="coat-mask.png")

`AsyncCharacterClient` is the same for asyncio. Every failure is an `ApikleyError`
(see `ideogram_facade._exceptions` for the tree); `ideogram_facade.testing` is a fake of the
service for offline tests.
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import _sandbox
from ._async_client import AsyncCharacterClient
from ._client import CharacterClient
from ._exceptions import (
    APIConnectionError,
    ApikleyError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    FeatureDisabledError,
    GenerationFailedError,
    InsufficientCreditsError,
    InvalidRequestError,
    InvalidSignatureError,
    JournalError,
    RateLimitError,
    SaveError,
    ServerError,
    ServiceUnavailableError,
    SubmissionUncertainError,
    TaskNotFoundError,
    TaskTimeoutError,
    UnexpectedResponseError,
)
from ._journal import JournalEntry
from ._models import PollPolicy, RateLimit, Task, TaskState
from ._requests import EditOptions, RemixOptions, SubmitOptions
from ._version import __version__


def _start_sandbox() -> _sandbox.Sandbox:
    # The fake service is in `testing`, above the clients: they get it through this starter,
    # and a program that never asks for a sandbox never loads it.
    from .testing._sandbox import start

    return start()


_sandbox.install(_start_sandbox)

if TYPE_CHECKING:
    from ._generated.models.image_size import ImageSize
    from ._generated.models.rendering_speed import RenderingSpeed
    from ._generated.models.style import Style

# ImageSize, RenderingSpeed and Style are the generated Literal types of the options, so a change
# of an enum in the spec reaches users' type checks. They are loaded on first access, like the
# rest of the generated package (see _requests).
_GENERATED_TYPES = {
    "ImageSize": "ideogram_facade._generated.models.image_size",
    "RenderingSpeed": "ideogram_facade._generated.models.rendering_speed",
    "Style": "ideogram_facade._generated.models.style",
}


def __getattr__(name: str) -> Any:
    if name in _GENERATED_TYPES:
        return getattr(importlib.import_module(_GENERATED_TYPES[name]), name)
    raise AttributeError(f"module 'ideogram_facade' has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApikleyError",
    "AsyncCharacterClient",
    "AuthenticationError",
    "BadRequestError",
    "CharacterClient",
    "EditOptions",
    "FeatureDisabledError",
    "GenerationFailedError",
    "ImageSize",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "JournalEntry",
    "JournalError",
    "PollPolicy",
    "RateLimit",
    "RateLimitError",
    "RemixOptions",
    "RenderingSpeed",
    "SaveError",
    "ServerError",
    "ServiceUnavailableError",
    "Style",
    "SubmissionUncertainError",
    "SubmitOptions",
    "Task",
    "TaskNotFoundError",
    "TaskState",
    "TaskTimeoutError",
    "UnexpectedResponseError",
    "__version__",
]
