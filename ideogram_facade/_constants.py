"""Every tunable of the client, in one place, with the reason for its value."""

from __future__ import annotations

import httpx

API_KEY_ENV = "APIKLEY_API_KEY"
"""The environment variable the clients and the CLI read the API key from."""
BASE_URL_ENV = "APIKLEY_BASE_URL"
UPLOAD_BASE_URL_ENV = "APIKLEY_UPLOAD_BASE_URL"
DEFAULT_BASE_URL = "https://api.apikley.ru"
# api-contract.md: the upload API is documented under the main host; upstream uses its own host.
DEFAULT_UPLOAD_BASE_URL = "https://api.apikley.ru/file-upload"

# Per HTTP request. Connecting is fast or failing; 30 s of read leaves room for a slow answer
# while keeping every wait bounded. The largest part is also each request's deadline as a whole
# (connect, send and the whole answer): httpx's own timeouts bound each read, not a request.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Each HTTP request's timeout, and its deadline as a whole, unless `timeout=` says otherwise."""
# An API answer is a few hundred bytes of JSON; past this it is not one we can use, and reading
# it whole would let a server fill our memory.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
# At most this many requests in flight per client: the rest wait in the client's own FIFO, not
# in httpcore's queue, whose cost grows with queue x connections (encode/httpcore#1035) and
# whose wait counts against each request's pool timeout. So the pool needs no more connections.
MAX_IN_FLIGHT = 100
# Keep alive every connection the pool may open: httpx's default keeps 20 of its 100, so a
# burst of concurrent polls closes and reopens connections over and over.
POOL_LIMITS = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
DEFAULT_MAX_RETRIES = 2
"""How many times a failed request is sent again when that is safe, unless `max_retries=`."""
# Upstream: "give up after 10-15 minutes".
DEFAULT_WAIT_TIMEOUT = 900.0
"""Seconds `wait()` and `generate()` wait for a task, unless `timeout=` says otherwise."""

# Backoff between retries of one request: 0.5 s, 1 s, 2 s, ... capped, ±25 % jitter.
RETRY_INITIAL_DELAY = 0.5
RETRY_MAX_DELAY = 8.0
RETRY_JITTER = 0.25
# A Retry-After above this is not honoured as is: the call fails with RateLimitError instead
# of sleeping for minutes inside a library call.
RETRY_AFTER_CAP = 60.0

# PollPolicy defaults; README "Polling" shows the schedule they give and why.
POLL_INITIAL = 2.5
POLL_MULTIPLIER = 1.15
POLL_MAXIMUM = 30.0
POLL_JITTER = 0.1
# For this long after this client created a task, wait() takes "recordInfo is null" (task not
# found) for a service that has not caught up, not for a wrong id: whether the service can
# answer so for a fresh task is unknown upstream (api-contract.md), and a wrong verdict would
# drop a paid task. Task ids remembered for it, at most:
FRESH_TASK_GRACE = 15.0
FRESH_TASKS_REMEMBERED = 10_000

# Upstream limits (Apikley says its own "may differ", so RateLimit makes them configurable).
CREATES_PER_10S = 20
POLLS_PER_SECOND = 10
# The service counts arrivals, the client counts departures: leave a margin for the jitter
# between the two so that a full window on our side is never a 21st request on theirs.
RATE_WINDOW_MARGIN = 0.05
# Shared windows (RateLimit(storage="sqlite://..." or "redis://...")): a request still out this
# long after it was let through is taken for dead (its process was killed) and stops counting.
# A live request is over well before: its deadline is 30 s by default.
RATE_LEASE = 300.0
# How long a call waits for the shared storage (the sqlite lock, a Redis connect or answer)
# before it fails with APIConnectionError instead of sending unlimited.
RATE_STORAGE_TIMEOUT = 5.0

# The task journal. A task's lease says which client works on it (submits, polls, downloads it);
# a lease that is not renewed lapses this long after it was taken, so that a killed process's
# tasks pass to the next resume() within 5 minutes. A working client renews it once it is
# RENEW old: between two renewals come at most a poll pause (45 s with callbacks), a poll and
# its turn in the rate limit, or one image download (2 min with the default timeout).
JOURNAL_LEASE = 300.0
JOURNAL_LEASE_RENEW = 60.0
# How often resume() looks again at a task another worker holds: the holder usually ends it in
# seconds, and each look is one read of the journal, so the resumer gets on with its own work
# soon after (at 15 s, the fleet example's second worker sat idle for most of its run).
JOURNAL_LEASE_CHECK = 2.0
# How long a write waits for another process's lock on a shared SQLite journal, and a connect
# to a PostgreSQL journal (whole seconds: libpq's unit), before failing with JournalError.
JOURNAL_BUSY_TIMEOUT = 10.0
JOURNAL_CONNECT_TIMEOUT = 10

# Reference images: JPEG, PNG or WebP, at most 10 MB.
MAX_REFERENCE_BYTES = 10 * 1024 * 1024
# Files up to this size go through the base64 upload (one JSON request), larger ones streamed.
BASE64_UPLOAD_MAX_BYTES = 1024 * 1024
UPLOAD_PATH = "ideogram-facade"

# The service keeps a task, and its images, this long (api-contract.md).
TASK_RETENTION_DAYS = 14
"""Days the service keeps a task and its images; after that they cannot be fetched."""

# Generated images are a few MB; anything past this is not an image we asked for.
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
# One image, start to finish, may take this many times a request's deadline (2 min with the
# default timeout): a few MB at any working speed, while a slow drip is cut off.
DOWNLOAD_DEADLINE_FACTOR = 4
# A download follows at most this many redirects, each checked like the first URL (a result
# URL's host may hand it on to a CDN; a chain longer than this is a loop, not a CDN).
MAX_REDIRECTS = 5
# Answers and downloads are decoded (gzip, deflate) at most this many bytes at a time, and
# counted against their cap as they are: memory stays within the cap plus this, whatever the
# compression ratio (64 kB of gzip can hold 64 MB).
DECODE_STEP = 64 * 1024

# How much of a raw answer an error keeps, so that a 5 MB HTML page doesn't flood a log.
ERROR_BODY_EXCERPT = 500

LOGGER_NAME = "ideogram_facade"

# Callbacks: how far a signed timestamp may be from this clock, as the vendor documents.
CALLBACK_TOLERANCE = 300.0
# A receiver remembers this many (task id, timestamp) pairs, to answer replays without acting
# on them twice; older ones fall out of the tolerance anyway.
CALLBACK_REPLAYS_REMEMBERED = 10_000
# The largest callback body a receiver reads: a task's JSON is a few kB.
CALLBACK_MAX_BYTES = 1024 * 1024
# With a receiver bound to the client, wait() polls a task it expects a callback for this
# rarely: the callback wakes it, and polling is only the fallback for a lost one.
CALLBACK_FALLBACK_POLL = 45.0
# Shared callbacks (shared_callbacks=True): the listening thread looks this often whether its
# client was closed, and a channel that failed is tried again after at most this long.
WAKE_LISTEN_STEP = 0.5
WAKE_RECONNECT_MAX = 30.0

# Budget(max_credits=...): the credits one image is reserved at, by rendering speed, for every
# model of the family. The service publishes no prices (api-contract.md: a task's answer only
# reports its `creditsConsumed` afterwards), so these are a guess meant to err high: a
# reservation must cover what the task will consume, and one too high only holds credits back
# until the task ends and settles at its real cost. Budget(costs=...) overrides them; ended
# tasks refine them (the storage's last observed cost of a kind, when higher).
BUDGET_CREDITS_PER_IMAGE = {"TURBO": 20.0, "BALANCED": 30.0, "QUALITY": 40.0}
# How long a budget step waits for its storage before the submit fails with APIConnectionError
# rather than spend unchecked. Longer than a rate-limit step's: every step of every process
# sharing a sqlite budget writes in turn and syncs to disk, and a submit that fails because
# others were submitting at the same moment has gained nothing.
BUDGET_STORAGE_TIMEOUT = 30.0
