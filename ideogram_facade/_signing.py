"""Callback signatures: the vendor's HMAC scheme, checked and made.

A leaf that both sides use: the receivers and `callbacks.verify_signature` check signatures
with it, and the fake service (`ideogram_facade.testing`) signs the callbacks it delivers with
`sign_callback`, so the two agree by construction. The public names are re-exported by
`ideogram_facade.callbacks`, whose docstring says what a signature proves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from . import _constants as C
from ._exceptions import InvalidRequestError, InvalidSignatureError, UnexpectedResponseError
from ._wire import _text

_TIMESTAMP = "X-Webhook-Timestamp"
_SIGNATURE = "X-Webhook-Signature"
_SHA256_SIZE = 32
# Above this a timestamp can only be in milliseconds (1e11 s is the year 5138), the unit the
# service uses for every time in its bodies; read it as such rather than call it stale.
_MILLISECONDS_FROM = 1e11
_ADVICE = "Reject the request (answer 401) and do not use its body"


def verify_signature(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | bytes | Sequence[str | bytes],
    *,
    tolerance: float = C.CALLBACK_TOLERANCE,
) -> None:
    """Check a callback's signature; return None if it is genuine and fresh.

    `body` is the request body exactly as received, `headers` its headers under any case of
    their names (a dict from http.server, a framework's headers, or a WSGI environ, where they
    are `HTTP_X_WEBHOOK_SIGNATURE`), `secret` the webhook HMAC key from the Apikley dashboard,
    or several (a list): while you rotate the key, callbacks signed with the old or the new one
    both verify. `tolerance` is how many seconds the timestamp may differ from this machine's
    clock.

    Raises `InvalidSignatureError` if a header is missing or malformed, the signature does not
    match, the timestamp is further than `tolerance` from now, the body is not the callback JSON
    with a task id, or `secret` is empty. The error never contains the secret or the signature.
    """
    keys = _keys(secret)
    task_id = _signed_task_id(body)
    timestamp = _header(headers, _TIMESTAMP, task_id)
    signature = _header(headers, _SIGNATURE, task_id)
    try:
        seconds = float(timestamp)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise InvalidSignatureError(
            f"the {_TIMESTAMP} header is not a Unix time in seconds. {_ADVICE}", task_id=task_id
        )
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        given = b""
    if len(given) != _SHA256_SIZE:
        raise InvalidSignatureError(
            f"the {_SIGNATURE} header is not a base64 HMAC-SHA256. {_ADVICE}", task_id=task_id
        )
    # Compared as bytes in constant time, so that timing does not reveal how much matched.
    # Every key is tried, so that the time taken does not tell which one matched.
    matches = [hmac.compare_digest(given, _digest(key, task_id, timestamp)) for key in keys]
    if not any(matches):
        raise InvalidSignatureError(
            "the signature does not match: the callback was forged or altered, or was signed "
            f"with another key. {_ADVICE}; if every callback fails, check that the secret is "
            "the webhook HMAC key of the account that created the task",
            task_id=task_id,
        )
    # Checked after the HMAC, so that "stale" is only ever said of a genuine callback: it was
    # replayed or delayed, or one of the two clocks is wrong.
    if seconds > _MILLISECONDS_FROM:
        seconds /= 1000
    age = time.time() - seconds
    if not abs(age) <= tolerance:
        when = f"{age:.0f} s old" if age > 0 else f"{-age:.0f} s in the future"
        raise InvalidSignatureError(
            f"the callback is signed correctly but its timestamp is {when}, beyond the "
            f"tolerance of {tolerance:g} s: a replayed or delayed callback, or this machine's "
            f"clock is wrong (check NTP). {_ADVICE}; get_task() tells the task's real state",
            task_id=task_id,
        )


def sign_callback(
    body: bytes | str | Mapping[str, Any], secret: str | bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The headers a genuine callback with this body carries, for testing your receiver.

    `timestamp` is the Unix time in seconds to sign (default: now); pass an old one to test
    that your receiver rejects stale callbacks. Raises `InvalidRequestError` if the body names
    no task id or the secret is empty.
    """
    if not secret:
        raise InvalidRequestError("secret must be the non-empty webhook HMAC key")
    decoded = _load(body, error=InvalidRequestError)
    task_id = _task_id(decoded)
    if task_id is None:
        raise InvalidRequestError(
            "the body must be a callback JSON object with data.taskId (or data.task_id)"
        )
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = base64.b64encode(_digest(secret, task_id, stamp)).decode("ascii")
    return {"Content-Type": "application/json", _TIMESTAMP: stamp, _SIGNATURE: signature}


def _keys(secret: str | bytes | Sequence[str | bytes]) -> list[str | bytes]:
    keys = [secret] if isinstance(secret, str | bytes) else list(secret)
    if not keys or not all(keys):
        raise InvalidSignatureError(
            "no webhook secret given (or an empty one), so no callback can be verified: pass "
            "the HMAC key from the Apikley dashboard (e.g. from APIKLEY_WEBHOOK_SECRET)"
        )
    return keys


def _digest(secret: str | bytes, task_id: str, timestamp: str) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()


def _load(
    body: bytes | str | Mapping[str, Any],
    *,
    error: type[InvalidRequestError | UnexpectedResponseError] = UnexpectedResponseError,
) -> object:
    if isinstance(body, Mapping):
        return body
    try:
        return json.loads(body)
    # RecursionError: deeply nested arrays, which an attacker can send to any public URL.
    except (ValueError, TypeError, RecursionError):
        raise error(
            "the callback body is not JSON. Check that the request came from the service",
            body=_excerpt(body),
        ) from None


def _task_id(envelope: object) -> str | None:
    # The same rule as parse_task's, so that the task id verified is the one parsed.
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    return _text(data.get("taskId", data.get("task_id"))) if isinstance(data, Mapping) else None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A receiver whose JSON parser keeps the first of two "taskId" keys would act on another
    # task than the one signed (json keeps the last): such a body is refused outright.
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _signed_task_id(body: bytes) -> str:
    try:
        envelope = json.loads(body, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, TypeError, RecursionError):
        envelope = None
    task_id = _task_id(envelope)
    if task_id is None:
        raise InvalidSignatureError(
            "the callback body is not JSON naming data.taskId (and duplicate keys are refused), "
            f"so there is nothing its signature could cover. {_ADVICE}"
        )
    return task_id


def _header(headers: Mapping[str, str], name: str, task_id: str) -> str:
    wanted = {name.lower(), "http_" + name.lower().replace("-", "_")}
    values = {
        value.strip()
        for key, value in headers.items()
        if isinstance(key, str) and isinstance(value, str) and key.lower() in wanted
    }
    if not values:
        raise InvalidSignatureError(
            f"the callback has no {name} header: it is not signed. {_ADVICE}. If no callback "
            "is signed, enable the webhook HMAC key in the Apikley dashboard, or confirm each "
            "callback with get_task() instead",
            task_id=task_id,
        )
    if len(values) > 1:
        raise InvalidSignatureError(
            f"the callback has {len(values)} different {name} headers. {_ADVICE}",
            task_id=task_id,
        )
    return values.pop()


def _excerpt(body: bytes | str | Mapping[str, Any]) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return text[: C.ERROR_BODY_EXCERPT]
