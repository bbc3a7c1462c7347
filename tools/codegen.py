"""Vendored specs → merged document → generated client, and the checks around it.

The noxfile calls these functions; tests call them too, on copies of `openapi/`.

    python tools/codegen.py generate            # openapi/ -> generated/apikley_client
    python tools/codegen.py drift               # exit 1 and print a diff if generated/ is stale
    python tools/codegen.py update [BASE_URL]   # fetch every vendored document, then generate

`openapi/sources.json` lists the vendored documents in merge order, each with the upstream
URL it mirrors. The merge is deterministic: documents in that order, keys as written, and a
component that two documents both define must be identical in both (otherwise the merge
fails, rather than one silently winning).

Several models post to the same `POST /api/v1/jobs/createTask`, each documented on a page of
its own with its own request body. OpenAPI has room for one operation per path and method, so
the merge keeps one: each document's request body becomes a named component
(`<OperationId>Body`, e.g. `IdeogramCharacterEditBody`), the operation takes `oneOf` them, and
its responses must be identical in every document. Each document's own operation is kept whole
under `x-vendored`, so its wording still reaches generated/ and the drift check. Any other
clash of paths fails the merge.
"""

from __future__ import annotations

import difflib
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as tools/codegen.py: sys.path has tools/, not the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import specdiff

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "openapi"
GENERATED = ROOT / "generated"
PACKAGE = "apikley_client"


class CodegenError(Exception):
    """A vendored document cannot be merged or generated; the message says which and why."""


def sources(openapi_dir: Path = OPENAPI) -> list[dict[str, str]]:
    documents: list[dict[str, str]] = json.loads((openapi_dir / "sources.json").read_text())[
        "documents"
    ]
    return documents


def merge(openapi_dir: Path = OPENAPI) -> dict[str, Any]:
    """One OpenAPI document holding every path and component of the vendored documents."""
    merged: dict[str, Any] = {
        "openapi": "3.0.0",
        "info": {
            "title": "Apikley API (vendored)",
            "version": "1.0.0",
            "description": "Merged by tools/codegen.py from: "
            + ", ".join(s["path"] for s in sources(openapi_dir)),
        },
        "paths": {},
        "components": {},
        # What the merge doesn't use (each document's info, servers, ...) is kept here, so
        # that a change anywhere in a vendored document shows up in generated/ and in drift.
        "x-vendored": {},
    }
    defined_by: dict[str, str] = {}  # path -> the document that defined it first
    for source in sources(openapi_dir):
        document = json.loads((openapi_dir / source["path"]).read_text(encoding="utf-8"))
        merged["x-vendored"][source["path"]] = {
            key: value for key, value in document.items() if key not in ("paths", "components")
        }
        servers = document.get("servers")
        for path, item in document["paths"].items():
            if path in merged["paths"]:
                _share_operation(merged, source["path"], defined_by[path], path, item)
                continue
            defined_by[path] = source["path"]
            # Each document keeps its own server: the upload API lives on another base URL.
            merged["paths"][path] = {**item, "servers": servers} if servers else item
        for kind, entries in document.get("components", {}).items():
            target = merged["components"].setdefault(kind, {})
            for name, value in entries.items():
                if name in target and target[name] != value:
                    raise CodegenError(
                        f"{source['path']}: components.{kind}.{name} differs from the one "
                        "already merged; rename one of them in the config or the vendored file"
                    )
                target[name] = value
        merged.setdefault("security", document.get("security"))
    return merged


SHARED_OPERATION_ID = "create-task"


def _body_component(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The name (`<OperationId>Body`) and JSON schema of an operation's request body."""
    name = "".join(part.capitalize() for part in operation["operationId"].split("-")) + "Body"
    return name, operation["requestBody"]["content"]["application/json"]["schema"]


def _without_examples(value: Any) -> Any:
    """`value` less its `example` keys: sibling pages show different sample task ids."""
    if isinstance(value, dict):
        return {k: _without_examples(v) for k, v in value.items() if k != "example"}
    if isinstance(value, list):
        return [_without_examples(v) for v in value]
    return value


def _share_operation(
    merged: dict[str, Any], document: str, first: str, path: str, item: dict[str, Any]
) -> None:
    """Fold `item` (from `document`) into the operation `first` defined at `path`."""
    target = merged["paths"][path]
    schemas = merged["components"].setdefault("schemas", {})
    for method, operation in item.items():
        existing = target.get(method)
        if existing is None or "requestBody" not in operation or "requestBody" not in existing:
            raise CodegenError(
                f"{document}: {method.upper()} {path} is already defined by {first}, and only "
                "operations that differ in their request body can share a path"
            )
        if _without_examples(operation.get("responses")) != _without_examples(
            existing.get("responses")
        ):
            raise CodegenError(
                f"{document}: {method.upper()} {path} answers differently than in {first}; "
                "operations sharing a path must share their responses"
            )
        for origin, own in ((first, existing), (document, operation)):
            if own.get("operationId") == SHARED_OPERATION_ID:
                continue  # `first`'s operation was folded by an earlier document already
            # Each document's operation stays whole in the merged document (see x-vendored).
            merged["x-vendored"][origin].setdefault("operations", {})[f"{method} {path}"] = own
            name, schema = _body_component(own)
            if name in schemas:
                raise CodegenError(f"{origin}: components.schemas.{name} is already defined")
            schemas[name] = schema
            shared = target.setdefault(method, existing)
            if shared.get("operationId") != SHARED_OPERATION_ID:
                target[method] = shared = {
                    "summary": "Create a task: the request body is the one of the chosen model",
                    "operationId": SHARED_OPERATION_ID,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"oneOf": []}}},
                    },
                    "responses": existing["responses"],
                }
            body = shared["requestBody"]["content"]["application/json"]["schema"]
            body["oneOf"].append({"$ref": f"#/components/schemas/{name}"})


def generate(output_root: Path = GENERATED, openapi_dir: Path = OPENAPI) -> Path:
    """Write the generated package to `output_root/apikley_client`, from scratch."""
    package = output_root / PACKAGE
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "openapi.json"
        spec.write_text(json.dumps(merge(openapi_dir), indent=2, ensure_ascii=False) + "\n")
        out = Path(scratch) / PACKAGE
        command = [
            "openapi-python-client",
            "generate",
            "--path",
            str(spec),
            "--config",
            str(openapi_dir / "config.yml"),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ]
        result = subprocess.run(command, capture_output=True, text=True, cwd=scratch)
        # The generator exits 0 when ruff is missing and leaves the code unformatted.
        if result.returncode != 0 or "ruff" in result.stdout.lower() + result.stderr.lower():
            raise CodegenError(f"openapi-python-client failed:\n{result.stdout}{result.stderr}")
        (out / "py.typed").write_text("")
        # Shipped with the package so that the fake service checks requests against the spec.
        shutil.copy(spec, out / "openapi.json")
        # --overwrite keeps stale files, so the package is replaced whole.
        if package.exists():
            shutil.rmtree(package)
        output_root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, package)
    return package


def diff_trees(expected: Path, actual: Path) -> list[str]:
    """Unified diff lines between two trees; empty when they are the same bytes."""
    lines: list[str] = []
    names = sorted(
        {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
        | {p.relative_to(actual).as_posix() for p in actual.rglob("*") if p.is_file()}
    )
    for name in names:
        if "__pycache__" in name:
            continue
        a, b = expected / name, actual / name
        if a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False):
            continue
        old = a.read_text().splitlines(keepends=True) if a.is_file() else []
        new = b.read_text().splitlines(keepends=True) if b.is_file() else []
        lines.extend(difflib.unified_diff(old, new, f"committed/{name}", f"regenerated/{name}"))
        if not old and not new:
            lines.append(f"binary or empty file differs: {name}\n")
    return lines


def drift(generated_root: Path = GENERATED, openapi_dir: Path = OPENAPI) -> list[str]:
    """Regenerate into a temporary folder; the diff against `generated_root`."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(Path(scratch), openapi_dir)
        return diff_trees(generated_root / PACKAGE, fresh)


def update(openapi_dir: Path = OPENAPI, base_url: str | None = None) -> list[str]:
    """Fetch every vendored document from its source (or `base_url/<path>`) and rewrite it.

    Documents are stored normalised (2-space JSON), so the diff shows the vendor's change and
    not a change of formatting. Returns the paths that changed.
    """
    changed = []
    for source in sources(openapi_dir):
        url = f"{base_url.rstrip('/')}/{source['path']}" if base_url else source["url"]
        if not url.startswith(("https://", "http://")):
            raise CodegenError(f"refusing to fetch {url!r}: only http(s) URLs")
        with urllib.request.urlopen(url, timeout=30) as answer:
            document = json.loads(answer.read().decode("utf-8"))
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        target = openapi_dir / source["path"]
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            changed.append(source["path"])
    return changed


def main(argv: list[str]) -> int:
    command, *rest = argv or ["generate"]
    try:
        if command == "generate":
            print(f"generated {generate().relative_to(ROOT)}")
        elif command == "drift":
            lines = drift()
            if lines:
                sys.stdout.writelines(lines)
                print("\n" + specdiff.drift_summary(OPENAPI))
                print(
                    "\ngenerated/ is out of date with openapi/: run `nox -s generate` "
                    "and commit both.",
                    file=sys.stderr,
                )
                return 1
            print("generated/ matches openapi/")
        elif command == "update":
            before = specdiff.load(OPENAPI)
            changed = update(base_url=rest[0] if rest else None)
            print("changed: " + (", ".join(changed) or "nothing"))
            if changed:
                print(specdiff.after_update(before, OPENAPI))
            generate()
        else:
            print(f"unknown command {command!r}: generate, drift or update", file=sys.stderr)
            return 2
    except (CodegenError, specdiff.SpecDiffError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
