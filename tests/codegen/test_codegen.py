"""The generation pipeline: drift is caught, spec updates arrive as a diff, names stay readable."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from tools import codegen

VENDORED = [source["path"] for source in codegen.sources()]


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """A private copy of openapi/ to change."""
    return Path(shutil.copytree(codegen.OPENAPI, tmp_path / "openapi"))


@pytest.mark.parametrize("path", VENDORED)
def test_every_vendored_document_is_valid_openapi(path: str) -> None:
    validate(read_from_filename(str(codegen.OPENAPI / path))[0])


def test_sources_name_an_upstream_url_for_every_vendored_file() -> None:
    on_disk = {
        p.relative_to(codegen.OPENAPI).as_posix()
        for p in codegen.OPENAPI.rglob("*.json")
        if p.name != "sources.json"
    }
    assert set(VENDORED) == on_disk
    assert all(s["url"].startswith("https://") for s in codegen.sources())


def test_the_committed_client_matches_the_specs() -> None:
    assert codegen.drift() == []


def test_drift_reports_a_new_enum_value_of_one_model(specs: Path) -> None:
    # Each model's enums are its own types: a choice one page adds changes that model only.
    document = specs / "market/ideogram/character-remix.json"
    spec = json.loads(document.read_text())
    properties = spec["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["properties"]["input"]["properties"]
    properties["style"]["enum"].append("ANIME")
    document.write_text(json.dumps(spec, indent=2))
    diff = "".join(codegen.drift(codegen.GENERATED, specs))
    assert '+    "ANIME",' in diff
    changed = set(re.findall(r"^\+\+\+ regenerated/(\S+)", diff, re.MULTILINE))
    assert changed == {
        "models/ideogram_character_remix_body_input_style.py",
        "openapi.json",
    }


@pytest.mark.parametrize("path", VENDORED)
def test_drift_reports_a_one_word_change_anywhere(specs: Path, path: str) -> None:
    document = specs / path
    spec = json.loads(document.read_text())
    spec["info"]["title"] += " Changed"
    document.write_text(json.dumps(spec, indent=2))
    assert codegen.drift(codegen.GENERATED, specs) != []


def test_a_component_one_document_changes_is_kept_per_document(specs: Path) -> None:
    # The vendor updates its pages one at a time: one page's envelope gains a code first.
    document = specs / "common-api/common-api.json"
    spec = json.loads(document.read_text())
    spec["components"]["schemas"]["ApiResponse"]["properties"]["code"]["enum"].append(433)
    document.write_text(json.dumps(spec, indent=2))
    merged = codegen.merge(specs)
    schemas = merged["components"]["schemas"]
    assert 433 not in schemas["ApiResponse"]["properties"]["code"]["enum"]
    assert 433 in schemas["CommonApiApiResponse"]["properties"]["code"]["enum"]
    credit = json.dumps(merged["paths"]["/api/v1/chat/credit"])
    assert re.findall(r'"(#/components/schemas/[^"]+)"', credit) == [
        "#/components/schemas/CommonApiApiResponse"
    ]
    assert codegen.drift(codegen.GENERATED, specs) != []  # and it generates


FAMILY = [
    ("market/ideogram/character.json", "IdeogramCharacterBody", "IdeogramCharacterBodyInput"),
    (
        "market/ideogram/character-edit.json",
        "IdeogramCharacterEditBody",
        "IdeogramCharacterEditBodyInput",
    ),
    (
        "market/ideogram/character-remix.json",
        "IdeogramCharacterRemixBody",
        "IdeogramCharacterRemixBodyInput",
    ),
]


def test_the_models_sharing_create_task_keep_each_its_own_body() -> None:
    merged = codegen.merge()
    body = merged["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]
    refs = [one["$ref"] for one in body["content"]["application/json"]["schema"]["oneOf"]]
    assert refs == [
        "#/components/schemas/IdeogramCharacterBody",
        "#/components/schemas/IdeogramCharacterEditBody",
        "#/components/schemas/IdeogramCharacterRemixBody",
    ]
    endpoint = (codegen.GENERATED / codegen.PACKAGE / "api/default/create_task.py").read_text()
    models = (codegen.GENERATED / codegen.PACKAGE / "models" / "__init__.py").read_text()
    union = re.search(r"body: (.*?),\n\)", endpoint, re.DOTALL)
    assert union is not None
    for path, request, input_model in FAMILY:
        assert request in [name.strip() for name in union[1].split("|")]
        assert f"import {input_model}\n" in models
        # Each document's own operation is kept whole, so its wording reaches drift.
        vendored = merged["x-vendored"][path]["operations"]["post /api/v1/jobs/createTask"]
        document = json.loads((codegen.OPENAPI / path).read_text())
        assert vendored == document["paths"]["/api/v1/jobs/createTask"]["post"]


@pytest.mark.parametrize("path", [p for p, _, _ in FAMILY])
def test_drift_reports_a_one_word_change_in_a_shared_operation(specs: Path, path: str) -> None:
    document = specs / path
    spec = json.loads(document.read_text())
    spec["paths"]["/api/v1/jobs/createTask"]["post"]["summary"] += " now"
    document.write_text(json.dumps(spec, indent=2))
    assert codegen.drift(codegen.GENERATED, specs) != []


def test_a_shared_operation_that_answers_differently_in_one_document_is_kept(
    specs: Path,
) -> None:
    # The vendor updates its pages one at a time: the folded operation answers as the first
    # document says, and each document's own answers stay under x-vendored (and in drift).
    document = specs / "market/ideogram/character-remix.json"
    spec = json.loads(document.read_text())
    spec["paths"]["/api/v1/jobs/createTask"]["post"]["responses"]["201"] = {"description": "x"}
    document.write_text(json.dumps(spec, indent=2))
    merged = codegen.merge(specs)
    assert "201" not in merged["paths"]["/api/v1/jobs/createTask"]["post"]["responses"]
    vendored = merged["x-vendored"]["market/ideogram/character-remix.json"]["operations"]
    assert "201" in vendored["post /api/v1/jobs/createTask"]["responses"]


def test_any_other_shared_path_fails_the_merge(specs: Path) -> None:
    document = specs / "common-api/common-api.json"
    spec = json.loads(document.read_text())
    item = json.loads((specs / "market/common/get-task-detail.json").read_text())["paths"]
    spec["paths"].update(item)  # a second GET recordInfo, with no request body
    document.write_text(json.dumps(spec, indent=2))
    with pytest.raises(codegen.CodegenError, match="already defined"):
        codegen.merge(specs)


def test_a_taken_body_name_fails_the_merge(specs: Path) -> None:
    document = specs / "market/ideogram/character-edit.json"
    spec = json.loads(document.read_text())
    spec["paths"]["/api/v1/jobs/createTask"]["post"]["operationId"] = "ideogram-character"
    document.write_text(json.dumps(spec, indent=2))
    with pytest.raises(codegen.CodegenError, match="IdeogramCharacterBody"):
        codegen.merge(specs)


def test_no_hand_kept_class_names_and_readable_enums() -> None:
    # class_overrides are keyed by generated names: the first one-document change of an enum
    # shared by name stopped the generator, so there are none; names derive from the spec.
    config = (codegen.OPENAPI / "config.yml").read_text().splitlines()
    assert not [line for line in config if line.startswith("class_overrides")]
    assert "VALUE_0" not in "".join(
        p.read_text() for p in (codegen.GENERATED / codegen.PACKAGE).rglob("*.py")
    )


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server serving a folder laid out like the vendor's docs."""
    root = tmp_path / "mirror"
    shutil.copytree(codegen.OPENAPI, root)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_update_rewrites_changed_documents_and_regenerates(
    specs: Path, mirror: tuple[str, Path], tmp_path: Path
) -> None:
    base_url, root = mirror
    served = root / "market/common/get-task-detail.json"
    spec = json.loads(served.read_text())
    data = spec["paths"]["/api/v1/jobs/recordInfo"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["allOf"][1]["properties"]["data"]["properties"]
    data["state"]["enum"].append("cancelled")
    served.write_text(json.dumps(spec))  # unformatted on purpose: stored normalised

    assert codegen.update(specs, base_url) == ["market/common/get-task-detail.json"]
    assert '"cancelled"' in (specs / "market/common/get-task-detail.json").read_text()
    assert codegen.update(specs, base_url) == [], "a second update changes nothing"

    package = codegen.generate(tmp_path / "generated", specs)
    assert (
        '"cancelled"'
        in (package / "models" / "get_task_details_response_200_data_state.py").read_text()
    )


def remix_inputs(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"][
        "content"
    ]["application/json"]["schema"]["properties"]["input"]["properties"]
    return found


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda p: p["image_size"].update(type="strange"),
            "schema IdeogramCharacterRemixBody, field input.image_size: openapi-python-client "
            "cannot generate it: Input should be 'string'",
        ),
        (
            lambda p: p.update(pose={"$ref": "#/components/schemas/Nowhere"}),
            "schema IdeogramCharacterRemixBody, field input.pose: openapi-python-client cannot "
            "generate it: Could not find reference",
        ),
    ],
    ids=["bad type", "dangling ref"],
)
def test_a_document_the_generator_cannot_read_is_named_in_one_line(
    specs: Path, tmp_path: Path, change: Callable[[dict[str, Any]], object], says: str
) -> None:
    document = specs / "market/ideogram/character-remix.json"
    spec = json.loads(document.read_text())
    change(remix_inputs(spec))
    document.write_text(json.dumps(spec, indent=2))
    with pytest.raises(codegen.CodegenError) as raised:
        codegen.generate(tmp_path / "generated", specs)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"openapi/market/ideogram/character-remix.json: {says}")
    assert message.endswith(
        "keep the last good document (`git checkout "
        "openapi/market/ideogram/character-remix.json`) until the generator can read it"
    )
