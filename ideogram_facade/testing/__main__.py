"""Run a fake in the foreground, for another process (a benchmark, a manual session) to use.

    python -m ideogram_facade.testing serve --port 8000 --api-key sk-test --timing realistic
    {"base_url": "http://127.0.0.1:8000", "upload_base_url": "...", "api_key": "sk-test"}

The JSON line is printed (and flushed) on stdout once the socket is listening, and on stderr,
for a person, the `export` line that points `ideogram-character` and `CharacterClient()` at
the fake. Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from types import FrameType

from ideogram_facade._constants import API_KEY_ENV, BASE_URL_ENV, UPLOAD_BASE_URL_ENV
from ideogram_facade.testing._fake import FakeApikley
from ideogram_facade.testing._tasks import TaskTiming

_TIMINGS = {
    "instant": TaskTiming.instant,
    "fast": TaskTiming.fast,
    "realistic": TaskTiming.realistic,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ideogram_facade.testing")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run a fake Apikley API until interrupted")
    serve.add_argument("--port", type=int, default=0, help="default: an ephemeral port")
    serve.add_argument("--api-key", default=None, help="default: a random fake-... key")
    durations = ", ".join(f"{name} {timing().total:g} s" for name, timing in _TIMINGS.items())
    serve.add_argument(
        "--timing",
        choices=sorted(_TIMINGS),
        default="fast",
        help="how long each task takes to finish, through its waiting, queuing and generating "
        f"states ({durations}; default: %(default)s)",
    )
    serve.add_argument(
        "--credits",
        type=float,
        default=1_000_000.0,
        help="the account's starting credit balance, which each image lowers "
        "(default: %(default).0f)",
    )
    serve.add_argument("--webhook-key", default=None, help="sign callbacks with this HMAC key")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fake = FakeApikley(
        api_key=args.api_key,
        port=args.port,
        timing=_TIMINGS[args.timing](),
        credits=args.credits,
        webhook_key=args.webhook_key,
        # A long-running server must not keep every request in memory.
        request_log_limit=10_000,
    )
    with fake:
        line = {
            "base_url": fake.base_url,
            "upload_base_url": fake.upload_base_url,
            "api_key": fake.api_key,
        }
        print(json.dumps(line), flush=True)
        settings = {
            API_KEY_ENV: fake.api_key,
            BASE_URL_ENV: fake.base_url,
            UPLOAD_BASE_URL_ENV: fake.upload_base_url,
        }
        exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in settings.items())
        print(f"# to use this fake from a shell:\nexport {exports}", file=sys.stderr, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
