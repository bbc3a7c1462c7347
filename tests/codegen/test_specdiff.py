"""The summary of a spec change: each kind of change found, classed breaking or not for a user
of the facade, and added to the changelog once."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools import codegen, specdiff

CHARACTER = "market/ideogram/character.json"
RECORD_INFO = "market/common/get-task-detail.json"
CREATE = "`POST /api/v1/jobs/createTask` for `ideogram/character`"
POLL = "`GET /api/v1/jobs/recordInfo`"

Spec = dict[str, Any]


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """A private copy of openapi/ to change."""
    return Path(shutil.copytree(codegen.OPENAPI, tmp_path / "openapi"))


def edit(specs: Path, path: str, change: Callable[[Spec], object]) -> None:
    document = specs / path
    spec = json.loads(document.read_text(encoding="utf-8"))
    change(spec)
    document.write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")


def changes_of(
    specs: Path, path: str, change: Callable[[Spec], object]
) -> list[tuple[str, str, bool]]:
    before = specdiff.load(specs)
    edit(specs, path, change)
    return [
        (c.operation, c.text, c.breaking) for c in specdiff.compare(before, specdiff.load(specs))
    ]


def body(spec: Spec) -> Spec:
    schema: Spec = spec["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    return schema


def inputs(spec: Spec) -> Spec:
    """The createTask input's schema."""
    schema: Spec = body(spec)["properties"]["input"]
    return schema


def task(spec: Spec) -> Spec:
    """The schema of recordInfo's `data`: the task as the service answers it."""
    schema: Spec = spec["paths"]["/api/v1/jobs/recordInfo"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["allOf"][1]["properties"]["data"]
    return schema


def test_the_same_documents_have_no_changes(specs: Path) -> None:
    assert specdiff.compare(specdiff.load(specs), specdiff.load(codegen.OPENAPI)) == []


def test_descriptions_and_examples_are_not_changes(specs: Path) -> None:
    def reword(spec: Spec) -> None:
        spec["info"]["title"] += " Changed"
        inputs(spec)["properties"]["style"]["description"] = "Another text"
        inputs(spec)["properties"]["style"]["example"] = "FICTION"

    assert changes_of(specs, CHARACTER, reword) == []


def test_a_removed_operation_breaks_a_new_one_does_not(specs: Path) -> None:
    def move(spec: Spec) -> None:
        spec["paths"]["/api/v2/chat/credit"] = spec["paths"].pop("/api/v1/chat/credit")

    assert changes_of(specs, "common-api/common-api.json", move) == [
        ("`GET /api/v2/chat/credit`", "new operation", False),
        ("`GET /api/v1/chat/credit`", "operation removed", True),
    ]


def test_a_second_model_on_the_same_path_is_an_operation_of_its_own(specs: Path) -> None:
    """Another document defines createTask for its model: only that model's operation is new,
    and a change in its document is told apart from the first model's."""
    before = specdiff.load(specs)
    remix = "market/ideogram/character-sketch.json"
    shutil.copy(specs / CHARACTER, specs / remix)

    def remix_model(spec: Spec) -> None:
        body(spec)["properties"]["model"]["enum"] = ["ideogram/character-sketch"]
        inputs(spec)["properties"]["style"]["enum"].remove("FICTION")

    edit(specs, remix, remix_model)
    edit(specs, "sources.json", lambda s: s["documents"].append({"path": remix, "url": ""}))
    between_documents = specdiff.compare(before, specdiff.load(specs))
    assert [(c.operation, c.text) for c in between_documents] == [
        ("`POST /api/v1/jobs/createTask` for `ideogram/character-sketch`", "new operation")
    ]

    middle = specdiff.load(specs)
    edit(specs, remix, lambda spec: inputs(spec)["properties"].pop("seed"))
    assert [(c.operation, c.text) for c in specdiff.compare(middle, specdiff.load(specs))] == [
        (
            "`POST /api/v1/jobs/createTask` for `ideogram/character-sketch`",
            "request field `input.seed` removed",
        )
    ]


def test_models_in_one_body_as_alternatives_are_operations_apart(specs: Path) -> None:
    before = specdiff.load(specs)

    def two_models(spec: Spec) -> None:
        character = body(spec)
        remix = json.loads(json.dumps(character))
        remix["properties"]["model"]["enum"] = ["ideogram/character-remix"]
        remix["properties"]["input"]["properties"]["seed"]["maximum"] = 100
        spec["paths"]["/api/v1/jobs/createTask"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"] = {"oneOf": [character, remix]}

    edit(specs, CHARACTER, two_models)
    assert specdiff.compare(before, specdiff.load(specs)) == [
        specdiff.Change(
            "`POST /api/v1/jobs/createTask` for `ideogram/character-remix`", "new operation", False
        )
    ]


def add_optional(spec: Spec) -> None:
    inputs(spec)["properties"]["aspect_ratio"] = {"type": "string"}


def add_required(spec: Spec) -> None:
    add_optional(spec)
    inputs(spec)["required"].append("aspect_ratio")


def add_object(spec: Spec) -> None:
    inputs(spec)["properties"]["mask"] = {
        "type": "object",
        "required": ["url"],
        "properties": {"url": {"type": "string"}, "blur": {"type": "integer"}},
    }


def remove_field(spec: Spec) -> None:
    del inputs(spec)["properties"]["negative_prompt"]


def retype(spec: Spec) -> None:
    inputs(spec)["properties"]["seed"]["type"] = "string"


def reformat(spec: Spec) -> None:
    inputs(spec)["properties"]["reference_image_urls"]["items"]["format"] = "binary"


def add_choice(spec: Spec) -> None:
    inputs(spec)["properties"]["style"]["enum"].append("ANIME")


def remove_choice(spec: Spec) -> None:
    inputs(spec)["properties"]["style"]["enum"].remove("FICTION")


def swap_choice(spec: Spec) -> None:
    add_choice(spec)
    remove_choice(spec)


def limit_choices(spec: Spec) -> None:
    inputs(spec)["properties"]["negative_prompt"]["enum"] = ["", "blur"]


def require(spec: Spec) -> None:
    inputs(spec)["required"].append("style")


def unrequire(spec: Spec) -> None:
    inputs(spec)["required"].remove("prompt")


def change_default(spec: Spec) -> None:
    inputs(spec)["properties"]["rendering_speed"]["default"] = "TURBO"


def add_default(spec: Spec) -> None:
    inputs(spec)["properties"]["expand_prompt"]["default"] = True


def drop_default(spec: Spec) -> None:
    del inputs(spec)["properties"]["image_size"]["default"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (add_optional, [("new optional request field `input.aspect_ratio`", False)]),
        (add_required, [("new required request field `input.aspect_ratio`", True)]),
        # Only the new field itself, not each field inside it.
        (add_object, [("new optional request field `input.mask`", False)]),
        (remove_field, [("request field `input.negative_prompt` removed", True)]),
        (retype, [("request field `input.seed`: type integer -> string", True)]),
        (
            reformat,
            [
                (
                    "request field `input.reference_image_urls[]`: "
                    "type string (uri) -> string (binary)",
                    True,
                )
            ],
        ),
        (add_choice, [('request field `input.style`: new choice "ANIME"', False)]),
        (remove_choice, [('request field `input.style`: choice "FICTION" removed', True)]),
        (
            limit_choices,
            [('request field `input.negative_prompt`: now limited to "", "blur"', True)],
        ),
        (require, [("request field `input.style`: now required", True)]),
        (unrequire, [("request field `input.prompt`: now optional", False)]),
        (
            change_default,
            [('request field `input.rendering_speed`: default "BALANCED" -> "TURBO"', True)],
        ),
        (add_default, [("request field `input.expand_prompt`: default none -> true", False)]),
        (
            drop_default,
            [('request field `input.image_size`: default "square_hd" -> none', True)],
        ),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_request_changes(
    specs: Path, change: Callable[[Spec], None], expected: list[tuple[str, bool]]
) -> None:
    assert changes_of(specs, CHARACTER, change) == [(CREATE, *item) for item in expected]


@pytest.mark.parametrize(
    ("field", "key", "was", "now", "breaking"),
    [
        ("prompt", "maxLength", 5000, 2000, True),
        ("prompt", "maxLength", 5000, 10000, False),
        ("prompt", "maxLength", 5000, None, False),
        ("prompt", "minLength", None, 1, True),
        ("prompt", "pattern", None, "^\\S", True),
        ("seed", "minimum", None, 0, True),
        ("seed", "minimum", 0, -10, False),
        ("seed", "maximum", None, 2**31, True),
        ("seed", "maximum", 100, 1000, False),
        ("seed", "multipleOf", 2, 4, True),
        ("seed", "multipleOf", 4, 2, False),
        ("seed", "exclusiveMaximum", None, True, True),
        ("seed", "nullable", None, True, False),
        ("seed", "nullable", True, None, True),
        ("reference_image_urls", "maxItems", None, 1, True),
        ("reference_image_urls", "maxItems", 1, 3, False),
        ("reference_image_urls", "minItems", 1, 2, True),
        ("reference_image_urls", "uniqueItems", None, True, True),
    ],
)
def test_a_tighter_limit_on_a_request_field_breaks_a_looser_one_does_not(
    specs: Path, field: str, key: str, was: object, now: object, breaking: bool
) -> None:
    def set_limit(spec: Spec, value: object) -> None:
        schema = inputs(spec)["properties"][field]
        schema.pop(key, None)
        if value is not None:
            schema[key] = value

    edit(specs, CHARACTER, lambda spec: set_limit(spec, was))
    tighter = "tighter" if breaking else "looser"
    text = f"request field `input.{field}`: {key} {shown(was)} -> {shown(now)} ({tighter})"
    assert changes_of(specs, CHARACTER, lambda spec: set_limit(spec, now)) == [
        (CREATE, text, breaking)
    ]


def shown(limit: object) -> str:
    return "none" if limit is None else json.dumps(limit)


def add_response_field(spec: Spec) -> None:
    task(spec)["properties"]["progress"] = {"type": "integer"}


def remove_response_field(spec: Spec) -> None:
    del task(spec)["properties"]["failMsg"]


def add_state(spec: Spec) -> None:
    task(spec)["properties"]["state"]["enum"].append("cancelled")


def remove_state(spec: Spec) -> None:
    task(spec)["properties"]["state"]["enum"].remove("queuing")


def retype_response(spec: Spec) -> None:
    task(spec)["properties"]["costTime"]["type"] = "number"


def require_parameter(spec: Spec) -> None:
    spec["paths"]["/api/v1/jobs/recordInfo"]["get"]["parameters"].append(
        {"name": "fields", "in": "query", "required": True, "schema": {"type": "string"}}
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (add_response_field, [("new response field `data.progress`", False)]),
        (remove_response_field, [("response field `data.failMsg` removed", True)]),
        # An answer may now hold a state that code written before does not know.
        (add_state, [('response field `data.state`: new choice "cancelled"', True)]),
        (remove_state, [('response field `data.state`: choice "queuing" removed', False)]),
        (
            retype_response,
            [("response field `data.costTime`: type integer (int64) -> number (int64)", True)],
        ),
        (require_parameter, [("new required request field `fields (query)`", True)]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_response_and_parameter_changes(
    specs: Path, change: Callable[[Spec], None], expected: list[tuple[str, bool]]
) -> None:
    assert changes_of(specs, RECORD_INFO, change) == [(POLL, *item) for item in expected]


def test_a_change_to_a_shared_component_is_listed_for_each_operation_using_it(
    specs: Path,
) -> None:
    def new_code(spec: Spec) -> None:
        spec["components"]["schemas"]["ApiResponse"]["properties"]["code"]["enum"].append(433)

    assert changes_of(specs, "common-api/common-api.json", new_code) == [
        ("`GET /api/v1/chat/credit`", "response field `code`: new choice 433", True),
        ("`POST /api/v1/common/download-url`", "response field `code`: new choice 433", True),
        (
            "shared components",
            "`components.schemas.ApiResponse` now differs between documents "
            "(market/ideogram/character.json, market/ideogram/character-edit.json, "
            "market/ideogram/character-remix.json, file-upload-api/file-upload-api.json; "
            "common-api/common-api.json): each keeps its own",
            False,
        ),
    ]


def test_the_summary_counts_and_groups_by_operation_breaking_first(specs: Path) -> None:
    before = specdiff.load(specs)
    edit(specs, CHARACTER, swap_choice)
    edit(specs, RECORD_INFO, add_response_field)
    text = specdiff.summary(specdiff.compare(before, specdiff.load(specs)), "Title")
    assert text.splitlines() == [
        "Title: 1 breaking, 2 not breaking",
        f"  {CREATE}",
        '    breaking      request field `input.style`: choice "FICTION" removed',
        '    not breaking  request field `input.style`: new choice "ANIME"',
        f"  {POLL}",
        "    not breaking  new response field `data.progress`",
    ]
    assert specdiff.summary([], "Title") == "Title: nothing a user of the facade could notice"


@pytest.fixture
def changelog(tmp_path: Path) -> Path:
    """A private copy of CHANGELOG.md."""
    return Path(shutil.copy(specdiff.CHANGELOG, tmp_path / "CHANGELOG.md"))


def unreleased(text: str) -> list[str]:
    """The lines of a changelog's Unreleased section."""
    lines = text.splitlines()
    start = lines.index(specdiff.UNRELEASED)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return lines[start:end]


def vendor_section(section: list[str]) -> list[str]:
    """The "Vendor API changes" part of an Unreleased section, its heading first."""
    start = section.index(specdiff.SECTION)
    end = next((i for i in range(start + 1, len(section)) if section[i].startswith("#")), None)
    return section[start:end]


def test_an_update_prints_the_summary_and_adds_it_to_the_changelog_once(
    specs: Path, changelog: Path
) -> None:
    original = changelog.read_text(encoding="utf-8")
    released = original[original.index("\n## [0.1.0]") :]
    # The vendor changes listed already, if any: kept, and the new ones come after them.
    kept = unreleased(original)
    listed = (
        [line for line in vendor_section(kept)[1:] if line.strip()]
        if (specdiff.SECTION in kept)
        else []
    )
    before = specdiff.load(specs)
    edit(specs, CHARACTER, swap_choice)

    printed = specdiff.after_update(before, specs, changelog)
    assert '    breaking      request field `input.style`: choice "FICTION" removed' in printed
    section = unreleased(changelog.read_text(encoding="utf-8"))
    items = [
        f'- **Breaking:** {CREATE}: request field `input.style`: choice "FICTION" removed',
        f'- {CREATE}: request field `input.style`: new choice "ANIME"',
    ]
    assert vendor_section(section) == [specdiff.SECTION, "", *listed, *items, ""]
    assert [line for line in section if line not in vendor_section(section)] == [
        line for line in unreleased(original) if line not in vendor_section(unreleased(original))
    ], "what was there stays as it was"
    assert changelog.read_text(encoding="utf-8").endswith(released), "releases stay as they are"

    once = changelog.read_text(encoding="utf-8")
    specdiff.after_update(before, specs, changelog)
    assert changelog.read_text(encoding="utf-8") == once, "the same change is listed once"

    later = specdiff.load(specs)
    edit(specs, RECORD_INFO, add_response_field)
    assert specdiff.record(specdiff.compare(later, specdiff.load(specs)), changelog) == [
        f"- {POLL}: new response field `data.progress`"
    ]
    section = unreleased(changelog.read_text(encoding="utf-8"))
    assert vendor_section(section) == [
        specdiff.SECTION,
        "",
        *listed,
        *items,
        f"- {POLL}: new response field `data.progress`",
        "",
    ]


def test_a_changelog_without_an_unreleased_section_is_refused(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [0.1.0] - 2026-11-24\n")
    change = specdiff.Change(POLL, "operation removed", breaking=True)
    with pytest.raises(specdiff.SpecDiffError, match=r"## \[Unreleased\]"):
        specdiff.record([change], changelog)


def git(repository: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *arguments],
        cwd=repository,
        check=True,
        capture_output=True,
    )


def test_drift_compares_openapi_as_generated_last_with_the_working_tree(tmp_path: Path) -> None:
    # What the committed client was made from: openapi/ at the last commit of generated/, even
    # when the vendor's change to openapi/ has been committed since without regenerating.
    repository = tmp_path / "checkout"
    specs = Path(shutil.copytree(codegen.OPENAPI, repository / "openapi"))
    (repository / "generated").mkdir()
    (repository / "generated" / "client.py").write_text("")
    git(repository, "init", "--quiet")
    git(repository, "add", "openapi", "generated")
    git(repository, "commit", "--quiet", "-m", "vendored and generated")
    edit(specs, CHARACTER, remove_choice)
    git(repository, "commit", "--quiet", "-am", "the vendor's change, not regenerated")
    revision = specdiff.last_commit(repository / "generated")
    edit(specs, RECORD_INFO, lambda spec: spec["info"].update(title="retitled"))
    assert specdiff.drift_summary(specs, repository / "generated").splitlines() == [
        f"openapi/ since generated/ was last committed ({revision[:10]}): "
        "1 breaking, 0 not breaking",
        f"  {CREATE}",
        '    breaking      request field `input.style`: choice "FICTION" removed',
    ]


def test_drift_outside_a_git_checkout_says_why_there_is_no_summary(specs: Path) -> None:
    assert specdiff.drift_summary(specs, specs.parent).startswith(
        f"no summary of the spec change: {specs.parent} has no git history"
    )
