"""`index.html` in an output folder: a page to judge the images by looking at them.

    write(folder, cards, running=True)   # batch: one card per line, rewritten as lines finish
    add(folder, card)                     # generate: this task's card beside earlier ones

The page needs no network: the images are the saved files, by relative paths; a reference
given as a URL is a link, not loaded; styles and the one script are inline, and its
Content-Security-Policy forbids loading anything else. The cards are also kept in the page as
JSON, which is how `add()` finds the earlier ones. A page this module did not write is never
overwritten.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ._request import Request, is_url

FILE_NAME = "index.html"
_GENERATOR = "ideogram-character gallery"
_CARDS = re.compile(r'<script type="application/json" id="cards">(.*?)</script>', re.DOTALL)
# Nothing but the folder's own files and the inline style and script: no network at all.
_POLICY = (
    "default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'"
)
# A page still being written by a batch reloads itself this often (seconds).
_REFRESH = 10
# A batch rewrites the page at most this often (seconds): well within a reload.
REWRITE_EVERY = 2.0


@dataclass(frozen=True)
class Card:
    """One request: what was asked, and what came of it. Paths are absolute or relative to
    the current folder; the page shows them relative to its own."""

    title: str  # "line 3", or the task id
    prompt: str
    model: str
    reference: str  # an http(s) URL or a local path
    state: str  # done, failed, unfinished, pending, ...
    task_id: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    files: Sequence[str] = ()
    error: str | None = None


def card_of(request: Request, title: str, state: str, **outcome: Any) -> Card:
    """The card of a command line's or a batch line's request; `outcome`: task_id, files,
    error."""
    options = {k: v for k, v in request.arguments().items() if k != "model"}
    return Card(
        title, request.prompt, request.model, request.reference, state, **outcome, options=options
    )


def add(folder: Path, card: Card) -> str | None:
    """Put `card` on the folder's page, replacing one of the same task; None, or why not."""
    found = _read_cards(folder / FILE_NAME)
    if isinstance(found, str):
        return found
    kept = [old for old in found if card.task_id is None or old.get("task_id") != card.task_id]
    return _write(folder, [*kept, _as_json(card, folder)], running=False)


def write(folder: Path, cards: Sequence[Card], *, running: bool) -> str | None:
    """The folder's page with exactly these cards; None, or why it was not written."""
    found = _read_cards(folder / FILE_NAME)
    if isinstance(found, str):
        return found
    return _write(folder, [_as_json(card, folder) for card in cards], running=running)


def _read_cards(page: Path) -> list[dict[str, Any]] | str:
    try:
        text = page.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot read {page}: {error}"
    found = _CARDS.search(text)
    if _GENERATOR not in text or found is None:
        return f"{page} was not written by ideogram-character: left as it is"
    try:
        cards = json.loads(found[1])
    except ValueError:
        return f"{page} has been edited: left as it is"
    return [card for card in cards if isinstance(card, dict)]


def _as_json(card: Card, folder: Path) -> dict[str, Any]:
    data = asdict(card)
    data["options"] = dict(card.options)
    data["files"] = [_relative(name, folder) for name in card.files]
    if card.reference and not is_url(card.reference):
        data["reference"] = _relative(card.reference, folder)
    return data


def _relative(path: str, folder: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()


def _write(folder: Path, cards: list[dict[str, Any]], *, running: bool) -> str | None:
    page = folder / FILE_NAME
    part = folder / f".{FILE_NAME}.part"
    try:
        part.write_text(_page(cards, running), encoding="utf-8")
        os.replace(part, page)  # a reader (a browser refreshing) never sees half a page
    except OSError as error:
        part.unlink(missing_ok=True)
        return f"cannot write {page}: {error.strerror or error}"
    return None


def _page(cards: list[dict[str, Any]], running: bool) -> str:
    data = json.dumps(cards, ensure_ascii=False).replace("</", "<\\/")
    refresh = f'<meta http-equiv="refresh" content="{_REFRESH}">' if running else ""
    done = sum(card["state"] == "done" for card in cards)
    heading = f"{done} of {len(cards)} done" + (" (still running)" if running else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="{_GENERATOR}">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
{refresh}
<title>ideogram-character: {escape(heading)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{escape(heading)}</h1>
<main>
{"".join(_card(card) for card in cards)}
</main>
<script type="application/json" id="cards">{data}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _card(card: dict[str, Any]) -> str:
    images = "".join(
        f'<a href="{_src(name)}"><img src="{_src(name)}" alt="{escape(name)}"></a>'
        for name in card["files"]
    )
    reference = card["reference"]
    if not reference:
        shown = "none"
    elif is_url(reference):
        shown = (
            f'<a href="{escape(reference)}" rel="noreferrer">{escape(reference)}</a> (a URL: '
            "not loaded, so that this page needs no network)"
        )
    else:
        shown = f'<img class="reference" src="{_src(reference)}" alt="{escape(reference)}">'
    options = "".join(
        f"<dt>{escape(str(name))}</dt><dd>{escape(_value(value))}</dd>"
        for name, value in card["options"].items()
    )
    error = f'<p class="error">{escape(card["error"])}</p>' if card.get("error") else ""
    task = escape(card["task_id"] or "no task")
    return f"""<article class="{escape(card["state"])}">
<h2>{escape(card["title"])} <span class="state">{escape(card["state"])}</span></h2>
<div class="images">{images}</div>{error}
<p class="prompt">{escape(card["prompt"])}</p>
<dl><dt>model</dt><dd>{escape(card["model"])}</dd>{options}<dt>task</dt><dd>{task}</dd></dl>
<div class="ref">reference: {shown}</div>
</article>
"""


def _src(path: str) -> str:
    return escape(quote(path))


def _value(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem; background: #f4f4f5; color: #18181b; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
article { background: #fff; border-radius: 8px; padding: 1rem; box-shadow: 0 1px 3px #0002; }
article.failed { border-left: 4px solid #dc2626; }
article.done { border-left: 4px solid #16a34a; }
article.running { border-left: 4px solid #2563eb; }
h1 { font-size: 1.3rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
.state { font-weight: normal; color: #52525b; }
.images { display: flex; flex-wrap: wrap; gap: .5rem; }
.images img { width: 10rem; height: 10rem; object-fit: cover; border-radius: 4px; }
img.reference { width: 4rem; height: 4rem; object-fit: cover; vertical-align: middle; }
img.missing { outline: 2px dashed #dc2626; }
.error { color: #b91c1c; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 .75rem; font-size: .85rem; }
dt { color: #52525b; } dd { margin: 0; overflow-wrap: anywhere; }
.ref { font-size: .85rem; overflow-wrap: anywhere; }
"""

# Marks each image loaded or missing (moved or deleted since), so that a gap is visible.
_SCRIPT = """
addEventListener("load", () => {
  for (const img of document.images) {
    const ok = img.complete && img.naturalWidth > 0;
    img.dataset.loaded = ok ? "yes" : "no";
    if (!ok) { img.classList.add("missing"); img.title = "missing: " + img.getAttribute("src"); }
  }
  document.body.dataset.checked = "yes";
});
"""
