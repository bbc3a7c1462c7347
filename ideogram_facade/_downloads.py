"""Downloading result images: one flow, shared by both clients like those of `_core`.

Each image is streamed by the client into a hidden part file (the `Fetch` effect) and renamed
to `<task_id>_<n>.<ext>` only when whole. No API key goes to the image host. A result URL that
has expired (403/404) is renewed once through the download-url endpoint; 429, 5xx and network
errors are retried by the same rules as API reads.

Redirects are followed here, not by httpx: each hop's URL passes the same checks as the first
(an http(s) URL, and no host on this machine or a private network unless allowed) before
anything connects to it, at most `MAX_REDIRECTS` of them, all within the file's one deadline.
So an image host cannot hand the client on to 127.0.0.1 or 169.254.169.254.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import httpx

from . import _constants as C
from . import _files, _options, _requests, _retry, _wire
from ._effects import Fetch, Fetched, Flow, Sleep
from ._exceptions import (
    ApikleyError,
    InvalidRequestError,
    RateLimitError,
    SaveError,
    UnexpectedResponseError,
)
from ._models import Task


@attrs.frozen
class Downloads:
    """What the download flow needs from its client, and nothing else."""

    timeout: httpx.Timeout
    max_retries: int
    allow_private_urls: bool
    clock: Callable[[], float]
    random: Callable[[], float]  # a uniform draw from [0, 1): where a backoff falls in its jitter
    deadline: Callable[[], float]  # when a file whose download starts now must be whole
    renew: Callable[[str, str | None], Flow[Any]]  # (expired URL, task id) -> a fresh URL
    before_each: Callable[[], Flow[None]] | None = None  # before each image (a task's lease)

    def download(
        self, task_or_urls: Task | Sequence[str], directory: str | Path, overwrite: bool
    ) -> Flow[list[Path]]:
        """Each image into `directory` as <task_id>_<n>.<ext>; a URL that expired is renewed."""
        if isinstance(task_or_urls, Task):
            task_id: str | None = task_or_urls.task_id
            urls: Sequence[str] = task_or_urls.image_urls
            if not task_or_urls.succeeded:
                raise InvalidRequestError(
                    f"the task is {task_or_urls.state.value}, so it has no images; wait() for it",
                    task_id=task_id,
                )
            most = _options.most_images()
            if len(urls) > most:
                # A task has at most `num_images` images: a longer list did not come from one.
                raise UnexpectedResponseError(
                    f"the task lists {len(urls)} result URLs, but a task makes at most {most} "
                    "images; nothing was downloaded. Fetch the task again; report it if it "
                    "persists",
                    task_id=task_id,
                )
        elif isinstance(task_or_urls, str):
            raise InvalidRequestError("pass a Task or a list of URLs, not one string")
        else:
            task_id, urls = None, list(task_or_urls)
        for url in urls:
            self._check(url, "image URL", task_id)
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _save_error(folder, error, task_id) from None
        paths = []
        for number, url in enumerate(urls, start=1):
            if self.before_each is not None:
                yield from self.before_each()
            stem = f"{_files.download_stem(task_id, url)}_{number}"
            paths.append((yield from self._one(url, folder, stem, task_id, overwrite)))
        return paths

    def _check(self, url: str, what: str, task_id: str | None) -> str:
        _requests.check_url(what, url)
        return _requests.check_public_url(
            what, url, allowed=self.allow_private_urls, task_id=task_id
        )

    def _follow(self, url: str, folder: Path, task_id: str | None) -> Flow[tuple[object, str]]:
        """What fetching `url` ends in, after its redirects; and the URL that gave it."""
        ends = self.deadline()
        for _ in range(C.MAX_REDIRECTS + 1):
            reply = yield Fetch(url, folder, self.timeout, ends)
            host = httpx.URL(url).host
            if _unreadable_location(reply):
                # httpx reads a redirect's Location even when it is not to follow it, and
                # refuses one it cannot parse (httpx 0.24 refuses more, such as an IPv4
                # address written as one number): never followed, never retried.
                raise _not_a_url(host, str(reply), task_id)
            location = _location(reply)
            if location is None:
                return reply, url
            try:
                target = str(httpx.URL(url).join(location))
            except (httpx.InvalidURL, ValueError):
                raise _not_a_url(host, repr(location[:200]), task_id) from None
            url = self._check(target, f"the redirect from {host} to", task_id)
        raise UnexpectedResponseError(
            f"the image URL redirected more than {C.MAX_REDIRECTS} times (last to "
            f"{httpx.URL(url).host}); not saved. Fetch the task again; report it if it persists",
            task_id=task_id,
        )

    def _one(
        self, url: str, folder: Path, stem: str, task_id: str | None, overwrite: bool
    ) -> Flow[Path]:
        renewed = False
        attempt = 0
        while True:
            reply, where = yield from self._follow(url, folder, task_id)
            if isinstance(reply, OSError):
                # The clients return the disk's errors as they are (the network's are httpx's):
                # nothing a retry of the download would mend.
                raise _save_error(folder, reply, task_id)
            if isinstance(reply, Fetched) and reply.part is not None:
                try:
                    extension = _files.image_extension(reply.part, where, task_id)
                    return _files.place(reply.part, folder / f"{stem}{extension}", overwrite)
                except OSError as disk_error:
                    raise _save_error(folder, disk_error, task_id) from None
                finally:  # placed, refused or interrupted: no part file stays behind
                    reply.part.unlink(missing_ok=True)
            expired = isinstance(reply, Fetched) and reply.status_code in (403, 404)
            if expired and not renewed:
                # Result URLs expire after about a day; the service signs a fresh one.
                renewed = True
                fresh = yield from self.renew(url, task_id)
                url = self._check(fresh, "renewed download URL", task_id)
                continue
            error = _download_error(reply, where, task_id)
            delay = None
            if not expired:
                delay = _retry.delay(
                    idempotent=True,
                    reply=reply,
                    error=error,
                    attempt=attempt,
                    retries=self.max_retries,
                    deadline=None,
                    now=self.clock(),
                    spread=self.random(),
                )
            if delay is None:
                raise error
            attempt += 1
            yield Sleep(delay)


def _save_error(folder: Path, error: OSError, task_id: str | None) -> SaveError:
    reason = error.strerror or str(error)
    later = (
        f"download({task_id!r}, ...) fetches them again once it can be written (the service "
        f"keeps them {C.TASK_RETENTION_DAYS} days)"
        if task_id
        else "download the URLs again once it can be written"
    )
    return SaveError(f"cannot write {folder}: {reason}; {later}", path=str(folder), task_id=task_id)


_REDIRECTS = (301, 302, 303, 307, 308)


def _location(reply: object) -> str | None:
    """Where a redirect points, as sent; None for any other reply."""
    if isinstance(reply, Fetched) and reply.status_code in _REDIRECTS:
        return reply.headers.get("location")
    return None


def _unreadable_location(reply: object) -> bool:
    return isinstance(reply, httpx.RemoteProtocolError) and str(reply).startswith(
        "Invalid URL in location header"
    )


def _not_a_url(host: str, location: str, task_id: str | None) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"{host} redirected the image to a location that is not a URL ({location}); not "
        "followed, not saved. Fetch the task again; report it if it persists",
        task_id=task_id,
    )


def _download_error(reply: object, url: str, task_id: str | None) -> ApikleyError:
    host = httpx.URL(url).host
    if isinstance(reply, Exception):
        return _wire.transport_error(
            reply, endpoint=f"download from {host}", idempotent=True, task_id=task_id
        )
    assert isinstance(reply, Fetched)
    if reply.too_large:
        return UnexpectedResponseError(
            f"the image from {host} is larger than {C.MAX_DOWNLOAD_BYTES} bytes; not saved",
            task_id=task_id,
        )
    if reply.undecodable:
        return UnexpectedResponseError(
            f"the image from {host} could not be read: {reply.undecodable}; not saved",
            task_id=task_id,
        )
    status = reply.status_code
    cls, advice = _wire.classify(status) or (UnexpectedResponseError, "")
    if status in (403, 404):
        cls, advice = UnexpectedResponseError, "The URL stayed expired after renewal."
    extra: dict[str, Any] = {}
    if cls is RateLimitError:
        extra["retry_after"] = _wire.retry_after(reply.headers)
    return cls(
        f"download from {host} failed with HTTP {status}. {advice} Fetch the task again for "
        "fresh URLs",
        status_code=status,
        task_id=task_id,
        endpoint=f"download from {host}",
        **extra,
    )
