"""Requests per second the fake answers on recordInfo, over keep-alive, from another process.

    python benchmarks/fake_throughput.py                        # 1, 100 and 1000 connections
    python benchmarks/fake_throughput.py --connections 1000 --seconds 5 --processes 2

The fake runs as `python -m ideogram_facade.testing serve` in a subprocess; this process (or
`--processes` of them) drives it with raw asyncio sockets, one request in flight per
connection, so the figure is the server's, not an HTTP client library's. All connections are
opened before the clock starts; the fake's own peak connection count is printed to prove they
were open at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BODY = {
    "model": "ideogram/character",
    "input": {"prompt": "benchmark", "reference_image_urls": ["https://example.com/a.png"]},
}


def start_fake() -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "generated")])
    command = [sys.executable, "-m", "ideogram_facade.testing", "serve", "--timing", "instant"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


async def drive(host: str, port: int, request: bytes, connections: int, seconds: float) -> int:
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    deadline = 0.0
    ready = asyncio.Event()

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        done = 0
        await ready.wait()
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
            body = await reader.readexactly(length)
            assert b'"state": "success"' in body, body[:200]
            done += 1
        writer.close()
        return done

    workers = [asyncio.create_task(one(r, w)) for r, w in streams]
    deadline = time.perf_counter() + seconds
    ready.set()
    return sum(await asyncio.gather(*workers))


def _worker(args: tuple[str, int, bytes, int, float]) -> int:
    return asyncio.run(drive(*args))


def measure(fake: dict[str, str], connections: int, seconds: float, processes: int) -> float:
    url = httpx.URL(fake["base_url"])
    headers = {"Authorization": f"Bearer {fake['api_key']}"}
    created = httpx.post(f"{url}/api/v1/jobs/createTask", json=BODY, headers=headers)
    task_id = created.json()["data"]["taskId"]
    request = (
        f"GET /api/v1/jobs/recordInfo?taskId={task_id} HTTP/1.1\r\n"
        f"Host: {url.host}:{url.port}\r\nAuthorization: Bearer {fake['api_key']}\r\n\r\n"
    ).encode()
    assert url.port is not None
    share = [connections // processes + (i < connections % processes) for i in range(processes)]
    jobs = [(url.host, url.port, request, n, seconds) for n in share if n]
    started = time.perf_counter()
    if len(jobs) == 1:
        total = _worker(jobs[0])
    else:
        with multiprocessing.Pool(len(jobs)) as pool:
            total = sum(pool.map(_worker, jobs))
    elapsed = time.perf_counter() - started
    # Connection setup happens before the timed part; count only the timed seconds.
    return total / min(elapsed, seconds) if elapsed else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, nargs="*", default=[1, 100, 1000])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    process, fake = start_fake()
    try:
        for connections in args.connections:
            rate = measure(fake, connections, args.seconds, args.processes)
            print(
                f"recordInfo keep-alive: {connections:5d} connections, "
                f"{args.processes} client process(es): {rate:9,.0f} requests/s",
                flush=True,
            )
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
