"""A loopback fake of the Apikley API, for tests of code that talks to `ideogram/character`.

    from ideogram_facade.testing import Fault, FakeApikley, ManualClock, TaskTiming

    with FakeApikley(timing=TaskTiming(waiting=0, queuing=0.1, generating=0.5)) as fake:
        client = httpx.Client(base_url=fake.base_url,
                              headers={"Authorization": f"Bearer {fake.api_key}"})
        fake.inject("createTask", Fault.http_status(429, retry_after=1))
        fake.script_next_task(fail=("500", "content policy"))
        ...                                  # exercise the code under test
        assert fake.creates_accepted == 1
        assert fake.polls(task_id) <= 5

It is a real HTTP/1.1 server on 127.0.0.1 (its own thread and asyncio loop), so it works
from sync and async tests alike, and from other processes:

    python -m ideogram_facade.testing serve --port 8000 --timing realistic

With pytest, the `fake_apikley` fixture (from `ideogram_facade.testing.pytest_plugin`) yields
a started fake on `TaskTiming.fast()`.
"""

from ideogram_facade.testing._fake import FakeApikley
from ideogram_facade.testing._faults import ENDPOINTS, Fault
from ideogram_facade.testing._records import CallbackDelivery, RequestRecord
from ideogram_facade.testing._tasks import ManualClock, TaskTiming, TaskView
from ideogram_facade.testing._uploads import StoredFile

__all__ = [
    "ENDPOINTS",
    "CallbackDelivery",
    "FakeApikley",
    "Fault",
    "ManualClock",
    "RequestRecord",
    "StoredFile",
    "TaskTiming",
    "TaskView",
]
