"""The reference site that `nox -s docs` builds, as a reader's browser shows it.

Each test opens the built site (mkdocs.yml's site_dir) through a loopback HTTP server in
Debian's headless Chromium; `nox -s docs` builds the site first and installs Chromium if it is
missing.
"""

from __future__ import annotations

import html
import inspect
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import ideogram_facade
from ideogram_facade import AsyncCharacterClient, CharacterClient, callbacks, journal, testing

from .browser import SiteServer, dump_dom, png_pixels, screenshot, site_dir

pytestmark = pytest.mark.docs


@pytest.fixture(scope="module")
def site() -> Path:
    return site_dir()


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[SiteServer]:
    with SiteServer(site) as server:
        yield server


def inventory(site: Path) -> dict[str, str]:
    """Each documented object's full name -> its page#anchor, from the site's objects.inv."""
    header_end = 0
    raw = (site / "objects.inv").read_bytes()
    for _ in range(4):  # four lines of header, then zlib
        header_end = raw.index(b"\n", header_end) + 1
    entries = {}
    for line in zlib.decompress(raw[header_end:]).decode().splitlines():
        name, _, _, uri, _ = line.split(" ", 4)
        entries[name] = uri.replace("$", name)
    return entries


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def test_every_page_opens_with_everything_it_loads(site: Path, server: SiteServer) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    pages.remove("404.html")
    assert {"index.html", "cli.html", "callbacks.html", "reference/clients.html"} <= set(pages)
    for page in pages:
        server.answers.clear()
        dom = dump_dom(server.base_url + page)
        assert re.search(r"<h1[^>]*>.*?\S.*?</h1>", dom, re.DOTALL), f"{page}: no heading"
        # A Markdown escape that reached the reader (`URL\|PATH` in a table's code span).
        escaped = re.findall(r".{0,30}\\[|*_`#\[\]].{0,30}", visible_text(dom))
        assert not escaped, f"{page} shows Markdown escapes: {escaped}"
        assert ("/" + page, 200) in server.answers, page
        failed = [answer for answer in server.answers if answer[1] != 200]
        assert not failed, f"{page} loaded, but not: {failed}"


def test_every_public_name_is_in_the_reference(site: Path) -> None:
    documented = inventory(site)
    modules = {"ideogram_facade": ideogram_facade, "ideogram_facade.testing": testing}
    modules["ideogram_facade.callbacks"] = callbacks
    modules["ideogram_facade.journal"] = journal
    for module_name, module in modules.items():
        for name in module.__all__:
            assert f"{module_name}.{name}" in documented, f"{module_name}.{name}"
    for client in (CharacterClient, AsyncCharacterClient):
        for method in (name for name in vars(client) if not name.startswith("_")):
            assert f"ideogram_facade.{client.__name__}.{method}" in documented, method


@pytest.mark.parametrize("client", [CharacterClient, AsyncCharacterClient])
def test_the_reference_shows_generates_signature_and_docstring(
    site: Path, server: SiteServer, client: type[CharacterClient | AsyncCharacterClient]
) -> None:
    name = f"ideogram_facade.{client.__name__}.generate"
    page, anchor = inventory(site)[name].split("#")
    dom = dump_dom(server.base_url + page)
    start = dom.index(">", dom.index(f'id="{anchor}"')) + 1  # after its heading's tag
    following = re.compile(r"<h[1-6][\s>]").search(dom, start)
    text = visible_text(dom[start : following.start() if following else len(dom)])

    # The heading (with an "async" label for a coroutine), then the signature.
    assert re.match(r"generate (async )?¶ generate\(", text), text[:200]
    signature = inspect.signature(client.generate)
    parameters = [name for name in signature.parameters if name != "self"]
    found = [re.search(rf"\b{parameter}: ", text) for parameter in parameters]
    positions = [match.start() if match else -1 for match in found]
    assert -1 not in positions, (signature, text)
    assert positions == sorted(positions), (signature, text)
    summary = (inspect.getdoc(client.generate) or "").split("\n\n")[0]
    assert " ".join(summary.replace("`", "").split()) in text


def test_the_api_page_is_drawn(site: Path, server: SiteServer, tmp_path: Path) -> None:
    page = inventory(site)["ideogram_facade.CharacterClient.generate"].split("#")[0]
    picture = tmp_path / "api.png"
    screenshot(server.base_url + page, picture, 1280, 1000)
    width, height, rows = png_pixels(picture.read_bytes())
    assert (width, height) == (1280, 1000)
    channels = len(rows[0]) // width
    # Text is drawn dark on light: a blank or unstyled-and-empty page has no such rows.
    with_text = sum(
        any(max(row[x : x + 3]) < 128 for x in range(0, len(row), channels)) for row in rows
    )
    assert with_text > height // 5, f"{with_text} of {height} rows show text: {picture}"
