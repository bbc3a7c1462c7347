"""Uploads of reference images and downloads of results, for both clients, over real sockets."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest

from ideogram_facade import InvalidRequestError, ServerError, check_images
from ideogram_facade.testing import FakeApikley, Fault
from tests.conftest import Guarded


def png(width: int = 4, height: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    raw = b"".join(b"\x00" + b"\x80" * (width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def endpoints(fake: FakeApikley) -> list[str]:
    return [record.endpoint for record in fake.requests]


@pytest.mark.parametrize("content", [png(), JPEG, WEBP], ids=["png", "jpeg", "webp"])
def test_small_bytes_go_through_the_base64_upload(
    client: Guarded, fake: FakeApikley, content: bytes
) -> None:
    url = client.upload(content)
    assert endpoints(fake) == ["file-base64-upload"]
    assert url.startswith(fake.base_url)
    stored = fake.uploads
    assert [file.data for file in stored.values()] == [content]


def test_files_go_through_the_stream_upload_with_unique_names(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    path = tmp_path / "me.png"
    path.write_bytes(png())
    first, second = client.upload(path), client.upload(str(path))
    assert endpoints(fake) == ["file-stream-upload", "file-stream-upload"]
    assert first != second, "two uploads must not overwrite each other"
    assert client.upload(io.BytesIO(png()), file_name="mine.png").endswith("mine.png")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"GIF89a" + b"\x00" * 20, "not a JPEG, PNG or WebP"),
        (b"", "empty"),
        (png() + b"\x00" * (10 * 1024 * 1024), "at most 10 MB"),
    ],
    ids=["gif", "empty", "too-large"],
)
def test_bad_images_are_refused_before_sending(
    client: Guarded, fake: FakeApikley, content: bytes, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem):
        client.upload(content)
    assert fake.requests == []


def test_check_images_reads_each_local_image_as_submit_would(tmp_path: Path) -> None:
    (tmp_path / "me.png").write_bytes(png())
    (tmp_path / "street.png").write_bytes(png(8, 8))
    (tmp_path / "mask.png").write_bytes(png(4, 4))
    (tmp_path / "notes.txt").write_text("not an image")
    check_images({"reference_image": tmp_path / "me.png", "style_images": [JPEG, WEBP]})
    with pytest.raises(InvalidRequestError, match="mask is 4x4 pixels and the image 8x8"):
        check_images({"image": tmp_path / "street.png", "mask": tmp_path / "mask.png"})
    with pytest.raises(InvalidRequestError, match=r"style_images\[1\]"):
        check_images({"style_images": [JPEG, tmp_path / "notes.txt"]})


@pytest.mark.parametrize("kind", ["path", "str", "bytes"])
def test_a_local_reference_is_uploaded_then_submitted(
    client: Guarded, fake: FakeApikley, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "me.png"
    path.write_bytes(png())
    reference = {"path": path, "str": str(path), "bytes": png()}[kind]
    task_id = client.submit("a knight", reference)
    (upload,) = fake.uploads.values()
    (sent,) = fake.tasks[task_id].body["input"]["reference_image_urls"]
    assert sent.startswith(fake.base_url)
    assert sent.endswith(upload.file_name)


def test_a_string_that_is_neither_url_nor_file_is_refused(
    client: Guarded, fake: FakeApikley
) -> None:
    with pytest.raises(InvalidRequestError, match="neither an http"):
        client.submit("a knight", "portrait.png")
    assert fake.requests == []


def test_options_are_checked_before_a_local_reference_is_uploaded(
    client: Guarded, fake: FakeApikley
) -> None:
    with pytest.raises(InvalidRequestError, match="num_images"):
        client.submit("a knight", png(), num_images=9)
    assert fake.requests == []


def test_download_saves_each_image_under_its_task_id(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    task = client.generate("a knight", "https://example.com/me.png", num_images=2)
    paths = client.download(task, tmp_path / "out")
    assert [p.name for p in paths] == [f"{task.task_id}_1.png", f"{task.task_id}_2.png"]
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_the_image_host_never_receives_the_api_key(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    task = client.generate("a knight", "https://example.com/me.png")
    client.download(task, tmp_path)
    image_requests = [r for r in fake.requests if r.endpoint == "files"]
    assert image_requests
    assert not any(r.authorization_present for r in image_requests)


def test_download_refuses_to_overwrite_unless_asked(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    task = client.generate("a knight", "https://example.com/me.png")
    (path,) = client.download(task, tmp_path)
    path.write_bytes(b"mine")
    with pytest.raises(InvalidRequestError, match="overwrite=True"):
        client.download(task, tmp_path)
    assert path.read_bytes() == b"mine"
    client.download(task, tmp_path, overwrite=True)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary file left behind"


def test_an_expired_url_is_renewed_once(client: Guarded, fake: FakeApikley, tmp_path: Path) -> None:
    task = client.generate("a knight", "https://example.com/me.png")
    fake.expire_result_urls()
    (path,) = client.download(task, tmp_path)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert endpoints(fake).count("download-url") == 1


def test_a_broken_download_leaves_no_file_behind(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    task = client.generate("a knight", "https://example.com/me.png")
    fake.inject("files", Fault.http_status(500), times=10)
    with pytest.raises(ServerError) as info:
        client.download(task, tmp_path)
    assert info.value.task_id == task.task_id
    assert list(tmp_path.iterdir()) == []


def test_plain_urls_get_stable_names(client: Guarded, fake: FakeApikley, tmp_path: Path) -> None:
    task = client.generate("a knight", "https://example.com/me.png")
    (first,) = client.download(list(task.image_urls), tmp_path / "a")
    (second,) = client.download(list(task.image_urls), tmp_path / "b")
    assert first.name == second.name
    assert first.name.startswith("image_")


def test_downloaded_files_follow_the_umask(
    client: Guarded, fake: FakeApikley, tmp_path: Path
) -> None:
    task = client.generate("a knight", "https://example.com/me.png")
    (path,) = client.download(task, tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
