"""A typed client for Apikley's ideogram/character model: a portrait and a prompt in, the same
character in new scenes out.

    from ideogram_facade import CharacterClient

    with CharacterClient() as client:          # API key from APIKLEY_API_KEY
        task = client.generate("the same man as a 1920s pilot", "https://example.com/me.png")
        print(task.image_urls)

`AsyncCharacterClient` is the same for asyncio. Every failure is an `ApikleyError`
(see `ideogram_facade._exceptions` for the tree); `ideogram_facade.testing` is a fake of the
service for offline tests.
"""

from ._async_client import AsyncCharacterClient
from ._client import CharacterClient
from ._exceptions import (
    APIConnectionError,
    ApikleyError,
    APITimeoutError,
    AuthenticationError,
    FeatureDisabledError,
    GenerationFailedError,
    InsufficientCreditsError,
    InvalidRequestError,
    InvalidSignatureError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    SubmissionUncertainError,
    TaskNotFoundError,
    TaskTimeoutError,
    UnexpectedResponseError,
)
from ._models import ImageSize, PollPolicy, RateLimit, RenderingSpeed, Style, Task, TaskState
from ._requests import SubmitOptions
from ._version import __version__

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "ApikleyError",
    "AsyncCharacterClient",
    "AuthenticationError",
    "CharacterClient",
    "FeatureDisabledError",
    "GenerationFailedError",
    "ImageSize",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "PollPolicy",
    "RateLimit",
    "RateLimitError",
    "RenderingSpeed",
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
