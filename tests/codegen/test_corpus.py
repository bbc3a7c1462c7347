"""A vendor change flows through on its own: each one-document change below, applied to a copy
of the checkout, regenerates with no other edit (`codegen.regenerate`: the client, the typed
surface, the sync client), is summarised with the right verdict, and is used through the fake
by the regenerated package (or, for what it removes, refused with `InvalidRequestError`).

Each case costs a generator run and a process, so the corpus runs once, with the tests of
tools/ (`nox -s tools`, part of plain `nox`), not in the tests session of each Python, and the
marker `corpus` keeps it out of a plain `pytest`. The classes of change: a choice added or
removed in one model, a component one document changes before the others, a field added,
removed, renamed, made required, of another type, a limit tightened or loosened, a default
changed, a new image field, a new task state, a new model.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools import codegen, specdiff

pytestmark = pytest.mark.corpus

Spec = dict[str, Any]
CHARACTER = "market/ideogram/character.json"
EDIT = "market/ideogram/character-edit.json"
REMIX = "market/ideogram/character-remix.json"
RECORD_INFO = "market/common/get-task-detail.json"
CREATE = "/api/v1/jobs/createTask"
UPLOAD_MARK = "(File URL after upload, not file content; Accepted types: image/png)"


def inputs(spec: Spec) -> Spec:
    schema: Spec = spec["paths"][CREATE]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]["properties"]["input"]
    return schema


def properties(spec: Spec) -> Spec:
    found: Spec = inputs(spec)["properties"]
    return found


def rename(spec: Spec, old: str, new: str) -> None:
    schema = inputs(spec)
    schema["properties"] = {new if k == old else k: v for k, v in schema["properties"].items()}
    schema["required"] = [new if k == old else k for k in schema.get("required", [])]


def task_fields(spec: Spec) -> Spec:
    answer = spec["paths"]["/api/v1/jobs/recordInfo"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]["allOf"][1]
    fields: Spec = schema["properties"]["data"]["properties"]
    return fields


def task_state(spec: Spec) -> Spec:
    state: Spec = task_fields(spec)["state"]
    return state


def new_model(spec: Spec) -> None:
    """ideogram/character-sketch: the plain model's page, with a `line_weight` of its own."""
    operation = spec["paths"][CREATE]["post"]
    operation["operationId"] = "ideogram-character-sketch"
    operation["summary"] = "Generate content using ideogram/character-sketch"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["model"]["enum"] = ["ideogram/character-sketch"]
    body["properties"]["model"]["default"] = "ideogram/character-sketch"
    del properties(spec)["image_size"]
    properties(spec)["line_weight"] = {
        "type": "string",
        "enum": ["thin", "bold"],
        "default": "thin",
        "description": "How heavy the lines are",
    }


@dataclass(frozen=True)
class Mutation:
    id: str
    document: str
    change: Callable[[Spec], object]
    # (words of the operation's label, the item's text, breaking): each must be listed.
    summary: list[tuple[str, str, bool]]
    # Python run by the regenerated package, with `fake`, `client` (its sync client) and `sent()`
    # (the last createTask body) defined; it must not raise.
    use: str
    # A new document, listed in sources.json after the one it was made from.
    new_document: str | None = None


CORPUS = [
    Mutation(
        "choice-added-in-one-model",
        CHARACTER,
        lambda s: properties(s)["image_size"]["enum"].append("square_xl"),
        [
            (
                "ideogram/character`",
                'request field `input.image_size`: new choice "square_xl"',
                False,
            )
        ],
        """
        client.generate("a", URL, image_size="square_xl")
        assert sent()["input"]["image_size"] == "square_xl"
        refused(lambda: client.generate("a", URL, model="character-remix", image=URL,
                                        image_size="square_xl"), "image_size must be one of")
        assert "square_xl" in typing.get_args(f._surface.CharacterImageSize)
        assert "square_xl" not in typing.get_args(f._surface.CharacterRemixImageSize)
        """,
    ),
    Mutation(
        "choice-removed-in-one-model",
        REMIX,
        lambda s: properties(s)["rendering_speed"]["enum"].remove("QUALITY"),
        [
            (
                "character-remix",
                'request field `input.rendering_speed`: choice "QUALITY" removed',
                True,
            )
        ],
        """
        refused(lambda: client.generate("a", URL, model="character-remix", image=URL,
                                        rendering_speed="QUALITY"), "rendering_speed must be one")
        client.generate("a", URL, model="character-remix", image=URL, rendering_speed="TURBO")
        client.generate("a", URL, rendering_speed="QUALITY")  # the other models keep it
        """,
    ),
    Mutation(
        "choice-added-to-one-model-s-enum",
        REMIX,
        lambda s: properties(s)["style"]["enum"].append("ANIME"),
        [("character-remix", 'request field `input.style`: new choice "ANIME"', False)],
        """
        client.generate("a", URL, model="character-remix", image=URL, style="ANIME")
        assert sent()["input"]["style"] == "ANIME"
        refused(lambda: client.generate("a", URL, style="ANIME"), "style must be one of")
        assert "ANIME" in typing.get_args(f.Style)  # any model's
        assert "ANIME" in typing.get_args(f._surface.CharacterRemixStyle)
        assert "ANIME" not in typing.get_args(f._surface.CharacterStyle)
        """,
    ),
    Mutation(
        "enum-of-numbers-widened-in-one-model",
        CHARACTER,
        lambda s: properties(s)["num_images"]["enum"].extend(["5", "6"]),
        [("ideogram/character`", 'request field `input.num_images`: new choice "5", "6"', False)],
        """
        task = client.generate("a", URL, num_images=6)
        assert sent()["input"]["num_images"] == "6" and len(task.image_urls) == 6
        assert len(client.download(task, OUT)) == 6
        """,
    ),
    Mutation(
        "shared-envelope-changed-in-one-document",
        EDIT,
        lambda s: s["components"]["schemas"]["ApiResponse"]["properties"]["code"]["enum"].append(
            433
        ),
        [
            ("character-edit", "response field `code`: new choice 433", True),
            ("shared components", "`components.schemas.ApiResponse` now differs", False),
        ],
        """
        client.generate("a", URL, model="character-edit", image=URL, mask=URL)
        """,
    ),
    Mutation(
        "field-added",
        CHARACTER,
        lambda s: properties(s).update(
            magic_level={"type": "integer", "minimum": 1, "maximum": 3, "description": "How much"}
        ),
        [("ideogram/character`", "new optional request field `input.magic_level`", False)],
        """
        client.generate("a", URL, magic_level=2)
        assert sent()["input"]["magic_level"] == 2
        refused(lambda: client.generate("a", URL, magic_level=9), "magic_level must be <= 3")
        assert "--magic-level" in cli("generate", "--help")
        """,
    ),
    Mutation(
        "field-removed",
        EDIT,
        lambda s: properties(s).pop("seed"),
        [("character-edit", "request field `input.seed` removed", True)],
        """
        refused(lambda: client.generate("a", URL, model="character-edit", image=URL, mask=URL,
                                        seed=3), "ideogram/character-edit takes no seed")
        client.generate("a", URL, seed=3)
        """,
    ),
    Mutation(
        "image-field-renamed",
        EDIT,
        lambda s: rename(s, "mask_url", "mask_image_url"),
        [
            ("character-edit", "new required request field `input.mask_image_url`", True),
            ("character-edit", "request field `input.mask_url` removed", True),
        ],
        """
        client.generate("a", URL, model="character-edit", image=URL, mask_image=PNG)
        assert sent()["input"]["mask_image_url"].startswith("http")
        refused(lambda: client.generate("a", URL, model="character-edit", image=URL, mask=URL),
                "takes no mask")
        assert "--mask-image" in cli("generate", "--help")
        """,
    ),
    Mutation(
        "field-made-required",
        CHARACTER,
        lambda s: inputs(s)["required"].append("seed"),
        [("ideogram/character`", "request field `input.seed`: now required", True)],
        """
        refused(lambda: client.generate("a", URL), "ideogram/character requires seed")
        client.generate("a", URL, seed=42)
        assert sent()["input"]["seed"] == 42
        assert "seed" in f.CharacterOptions.__required_keys__
        """,
    ),
    Mutation(
        "field-type-changed",
        REMIX,
        lambda s: properties(s)["seed"].update(type="string"),
        [("character-remix", "request field `input.seed`: type integer -> string", True)],
        """
        client.generate("a", URL, model="character-remix", image=URL, seed="s-1")
        assert sent()["input"]["seed"] == "s-1"
        refused(lambda: client.generate("a", URL, model="character-remix", image=URL, seed=1),
                "seed must be a string")
        """,
    ),
    Mutation(
        "limit-tightened",
        CHARACTER,
        lambda s: properties(s)["prompt"].update(maxLength=1000),
        [("ideogram/character`", "request field `input.prompt`: maxLength 5000 -> 1000", True)],
        """
        refused(lambda: client.generate("x" * 1001, URL), "the limit is 1000")
        client.generate("x" * 1000, URL)
        """,
    ),
    Mutation(
        "limit-loosened",
        REMIX,
        lambda s: properties(s)["negative_prompt"].update(maxLength=2000),
        [("character-remix", "`input.negative_prompt`: maxLength 500 -> 2000 (looser)", False)],
        """
        client.generate("a", URL, model="character-remix", image=URL, negative_prompt="x" * 1500)
        assert len(sent()["input"]["negative_prompt"]) == 1500
        """,
    ),
    Mutation(
        "minimum-added",
        CHARACTER,
        lambda s: properties(s)["seed"].update(minimum=0),
        [("ideogram/character`", "request field `input.seed`: minimum none -> 0", True)],
        """
        refused(lambda: client.generate("a", URL, seed=-1), "seed must be >= 0")
        client.generate("a", URL, seed=0)
        """,
    ),
    Mutation(
        "default-changed",
        EDIT,
        lambda s: properties(s)["rendering_speed"].update(default="TURBO"),
        [
            (
                "character-edit",
                'request field `input.rendering_speed`: default "BALANCED" -> "TURBO"',
                True,
            )
        ],
        """
        client.generate("a", URL, model="character-edit", image=URL, mask=URL)
        assert sent()["input"]["rendering_speed"] == "TURBO"
        client.generate("a", URL)
        assert sent()["input"]["rendering_speed"] == "BALANCED"
        """,
    ),
    Mutation(
        "image-field-added",
        REMIX,
        lambda s: properties(s).update(
            pose_image_url={"type": "string", "description": f"A pose to copy {UPLOAD_MARK}"}
        ),
        [("character-remix", "new optional request field `input.pose_image_url`", False)],
        """
        client.generate("a", URL, model="character-remix", image=URL, pose_image=PNG)
        uploaded = sent()["input"]["pose_image_url"]
        assert any(uploaded.endswith(name) for name in fake.uploads), uploaded
        assert "--pose-image" in cli("generate", "--help")
        """,
    ),
    Mutation(
        "new-task-state",
        RECORD_INFO,
        lambda s: task_state(s)["enum"].append("cancelling"),
        [("recordInfo", 'response field `data.state`: new choice "cancelling"', True)],
        """
        task_id = client.submit("a", URL)
        answer = {"code": 200, "msg": "success", "data": {"taskId": task_id, "state": "cancelling"}}
        fake.inject("recordInfo", Fault.raw(json.dumps(answer).encode()))
        seen = []
        task = client.wait(task_id, on_update=lambda t: seen.append(t.state))
        assert f.TaskState.UNKNOWN in seen and task.state is f.TaskState.SUCCESS
        """,
    ),
    Mutation(
        "new-model",
        CHARACTER,
        new_model,
        [("ideogram/character-sketch", "new operation", False)],
        """
        client.generate("a", URL, model="character-sketch", line_weight="bold")
        assert sent()["model"] == "ideogram/character-sketch"
        assert sent()["input"]["line_weight"] == "bold"
        refused(lambda: client.generate("a", URL, model="character-sketch", image_size="square"),
                "ideogram/character-sketch takes no image_size")
        assert f.model("character-sketch").options["line_weight"].choices == ("thin", "bold")
        assert set(f.CharacterSketchOptions.__annotations__) >= {"line_weight", "seed"}
        assert "_surface.CharacterSketchOptions" in inspect.getsource(f._client)
        assert "character-sketch" in cli("generate", "--help")
        """,
        new_document="market/ideogram/character-sketch.json",
    ),
    Mutation(
        "response-field-added",
        RECORD_INFO,
        lambda s: task_fields(s).update(progress={"type": "integer", "description": "percent"}),
        [("recordInfo", "new response field `data.progress`", False)],
        """
        task = client.generate("a", URL)
        assert task.state is f.TaskState.SUCCESS
        """,
    ),
    Mutation(
        "description-only",
        REMIX,
        lambda s: properties(s)["strength"].update(description="How much of the image is kept"),
        [],
        """
        client.generate("a", URL, model="character-remix", image=URL, strength=0.3)
        """,
    ),
]

PRELUDE = """
import inspect, json, subprocess, sys, typing
import ideogram_facade as f
from ideogram_facade.testing import FakeApikley, Fault, TaskTiming

URL = "https://example.com/portrait.png"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
OUT = sys.argv[1]

def refused(call, words):
    try:
        call()
    except f.InvalidRequestError as error:
        assert words in str(error), error
    else:
        raise AssertionError(f"not refused: {words}")

def sent():
    return dict(list(fake.tasks.values())[-1].body)

def cli(*arguments):
    done = subprocess.run([sys.executable, "-m", "ideogram_facade.cli", *arguments],
                          capture_output=True, text=True, check=True)
    return done.stdout

fake = FakeApikley(timing=TaskTiming.fast()).start()
client = fake.client()
"""


def checkout_copy(root: Path) -> Path:
    """What regeneration reads and writes, copied: openapi/, generated/, the package (its
    _generated symlink pointing into the copy's generated/), the options page."""
    for name in ("openapi", "generated", "ideogram_facade"):
        shutil.copytree(
            codegen.ROOT / name,
            root / name,
            symlinks=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    page = root / "docs" / "reference" / "options.md"
    page.parent.mkdir(parents=True)
    shutil.copy(codegen.ROOT / "docs" / "reference" / "options.md", page)
    return root


def apply(mutation: Mutation, openapi: Path) -> None:
    source = openapi / mutation.document
    document = json.loads(source.read_text(encoding="utf-8"))
    mutation.change(document)
    target = openapi / (mutation.new_document or mutation.document)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if mutation.new_document:
        listing = json.loads((openapi / "sources.json").read_text(encoding="utf-8"))
        documents = listing["documents"]
        at = next(i for i, s in enumerate(documents) if s["path"] == mutation.document)
        entry = copy.deepcopy(documents[at]) | {"path": mutation.new_document}
        documents.insert(at + 1, entry)
        (openapi / "sources.json").write_text(json.dumps(listing, indent=2) + "\n")


def test_the_corpus_covers_every_class_of_change() -> None:
    assert len(CORPUS) >= 15
    assert len({mutation.id for mutation in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("mutation", CORPUS, ids=lambda mutation: mutation.id)
def test_a_one_document_change_regenerates_is_summarised_and_works(
    mutation: Mutation, tmp_path: Path
) -> None:
    root = checkout_copy(tmp_path / "checkout")
    before = specdiff.load(root / "openapi")
    apply(mutation, root / "openapi")

    codegen.regenerate(root)  # no other edit

    changes = specdiff.compare(before, specdiff.load(root / "openapi"))
    listed = [(change.operation, change.text, change.breaking) for change in changes]
    for words, text, breaking in mutation.summary:
        assert any(
            words in operation and text in item and verdict is breaking
            for operation, item, verdict in listed
        ), (words, text, breaking, listed)
    if not mutation.summary:
        assert listed == []

    code = PRELUDE + textwrap.dedent(mutation.use) + "\nclient.close(); fake.stop()\n"
    environment = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
