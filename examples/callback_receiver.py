"""A callback receiver on the standard library alone: verify, print the task, answer.

    APIKLEY_WEBHOOK_SECRET=... python examples/callback_receiver.py 8080

then submit with `callback_url="https://<your host>/..."` (the service must be able to reach
it). With APIKLEY_WEBHOOK_SECRET set, a callback whose signature is missing, wrong or stale is
answered 401 and not printed; without it, callbacks are accepted unverified, so anyone who
knows the URL can post one. Another program can reuse the handler:

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(secret="whsec-...", on_task=queue.put))
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ideogram_facade import ApikleyError, InvalidSignatureError, Task
from ideogram_facade.callbacks import parse_callback, verify_signature

# A callback is a few kilobytes; anything far larger is not one, and is not read into memory.
MAX_BODY = 1_000_000


def show(task: Task) -> None:
    if task.succeeded:
        outcome = " ".join(task.image_urls)
    else:
        outcome = f"fail code {task.fail_code}: {task.fail_message}"
    print(f"{task.task_id}: {task.state.value} {outcome}", flush=True)


def handler(
    secret: str | None, on_task: Callable[[Task], None] = show
) -> type[BaseHTTPRequestHandler]:
    """A request handler class that passes each genuine callback's task to `on_task`."""

    class CallbackHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                self._answer(413 if length > MAX_BODY else 400)
                return
            body = self.rfile.read(length)
            try:
                if secret:
                    verify_signature(body, dict(self.headers), secret)
                task = parse_callback(body)
            except InvalidSignatureError as error:
                print(f"rejected: {error}", file=sys.stderr, flush=True)
                self._answer(401)
                return
            except ApikleyError as error:
                print(f"unreadable callback: {error}", file=sys.stderr, flush=True)
                self._answer(400)
                return
            # on_task runs before the answer so that a crash in it is not acknowledged; keep it
            # quick (queue slow work), since the service may give up on a slow receiver.
            on_task(task)
            self._answer(200)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # show() already prints each callback once; no access log on top

    return CallbackHandler


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    secret = os.environ.get("APIKLEY_WEBHOOK_SECRET") or None
    if secret is None:
        print("APIKLEY_WEBHOOK_SECRET is not set: callbacks are NOT verified", file=sys.stderr)
    # Every interface: the service calls in from outside (behind your TLS proxy, ideally).
    server = ThreadingHTTPServer(("0.0.0.0", port), handler(secret))  # noqa: S104
    print(f"listening on port {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
