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
import re
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


def read(openapi_dir: Path, path: str) -> dict[str, Any]:
    """A vendored document, parsed; CodegenError naming it when it is not JSON."""
    try:
        document: dict[str, Any] = json.loads((openapi_dir / path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CodegenError(
            f"openapi/{path} cannot be read ({error}): fetch it again with "
            "`nox -s update_spec`, or restore it with `git checkout openapi/`"
        ) from None
    return document


def merge(openapi_dir: Path = OPENAPI) -> dict[str, Any]:
    """One OpenAPI document holding every path and component of the vendored documents."""
    return _merge(openapi_dir)[0]


def _merge(openapi_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged document, and which document each of its paths and schemas comes from
    (`/api/v1/jobs/createTask`, `ApiResponse`, `IdeogramCharacterEditBody`...)."""
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
    owners: dict[str, str] = {}
    for source in sources(openapi_dir):
        name = source["path"]
        document = _own_components(name, read(openapi_dir, name), merged["components"])
        merged["x-vendored"][name] = {
            key: value for key, value in document.items() if key not in ("paths", "components")
        }
        servers = document.get("servers")
        for path, item in document.get("paths", {}).items():
            if path in merged["paths"]:
                _share_operation(merged, name, defined_by[path], path, item)
                continue
            defined_by[path] = name
            owners.setdefault(path, name)
            # Each document keeps its own server: the upload API lives on another base URL.
            merged["paths"][path] = {**item, "servers": servers} if servers else item
        for kind, entries in document.get("components", {}).items():
            merged["components"].setdefault(kind, {}).update(entries)
            for component in entries:
                owners.setdefault(component, name)
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    owners.setdefault(_camel(str(operation.get("operationId"))) + "Body", name)
        merged.setdefault("security", document.get("security"))
    return merged, owners


def _own_components(
    path: str, document: dict[str, Any], merged: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """`document`, with each component that an earlier document defines otherwise renamed
    (`<Document>Name`, e.g. CharacterEditApiResponse) along with every `$ref` to it.

    The vendor updates its pages one at a time, so a shared envelope may gain a code in one
    document before the others: each keeps its own, and neither is refused. A component that
    refers to a renamed one differs too, and is renamed in turn.
    """
    renamed: dict[str, str] = {}  # "#/components/<kind>/<Name>" -> the new name
    while True:
        view = _with_refs(document, renamed)
        differing = {
            f"#/components/{kind}/{name}": name
            for kind, entries in view.get("components", {}).items()
            for name, value in entries.items()
            if f"#/components/{kind}/{name}" not in renamed
            and name in merged.get(kind, {})
            and merged[kind][name] != value
        }
        if not differing:
            break
        for ref, name in differing.items():
            kind = ref.split("/")[2]
            renamed[ref] = _free_name(path, name, merged.get(kind, {}))
    if not renamed:
        return document
    owned: dict[str, Any] = _with_refs(document, renamed)
    for ref, new in renamed.items():
        kind, name = ref.split("/")[2:]
        owned["components"][kind][new] = owned["components"][kind].pop(name)
    return owned


def _free_name(path: str, name: str, taken: dict[str, Any]) -> str:
    """`name` prefixed with the document's file name in CamelCase, or with its whole path if
    another document took that already."""
    stem = _camel(Path(path).stem) + name
    return stem if stem not in taken else _camel(path.removesuffix(".json")) + name


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _with_refs(value: Any, renamed: dict[str, str]) -> Any:
    """A copy of `value` whose `$ref`s to renamed components point at their new names."""
    if isinstance(value, dict):
        copy = {key: _with_refs(item, renamed) for key, item in value.items()}
        ref = copy.get("$ref")
        if isinstance(ref, str) and ref in renamed:
            copy["$ref"] = ref.rsplit("/", 1)[0] + "/" + renamed[ref]
        return copy
    if isinstance(value, list):
        return [_with_refs(item, renamed) for item in value]
    return value


SHARED_OPERATION_ID = "create-task"


def _body_component(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The name (`<OperationId>Body`) and JSON schema of an operation's request body."""
    name = _camel(operation["operationId"]) + "Body"
    return name, operation["requestBody"]["content"]["application/json"]["schema"]


def _share_operation(
    merged: dict[str, Any], document: str, first: str, path: str, item: dict[str, Any]
) -> None:
    """Fold `item` (from `document`) into the operation `first` defined at `path`.

    The folded operation answers as in `first`: each document's own operation, responses
    included, is kept whole under `x-vendored` (so drift sees a change in any of them), and
    tools/specdiff.py compares each document's answers on its own. The facade reads answers
    with its own tolerant parser, not with the generated models.
    """
    target = merged["paths"][path]
    schemas = merged["components"].setdefault("schemas", {})
    for method, operation in item.items():
        existing = target.get(method)
        if existing is None or "requestBody" not in operation or "requestBody" not in existing:
            raise CodegenError(
                f"openapi/{document}: {method.upper()} {path} is already defined by "
                f"openapi/{first}, and only operations that differ in their request body can "
                "share a path: list one of the two documents in openapi/sources.json, not both"
            )
        for origin, own in ((first, existing), (document, operation)):
            if own.get("operationId") == SHARED_OPERATION_ID:
                continue  # `first`'s operation was folded by an earlier document already
            # Each document's operation stays whole in the merged document (see x-vendored).
            merged["x-vendored"][origin].setdefault("operations", {})[f"{method} {path}"] = own
            name, schema = _body_component(own)
            if name in schemas:
                raise CodegenError(
                    f"openapi/{origin}: its operationId {own.get('operationId')!r} names the "
                    f"request body {name}, which another document's operation named already: "
                    "operationIds must differ between the documents sharing a path"
                )
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
    merged, owners = _merge(openapi_dir)
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "openapi.json"
        spec.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
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
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise CodegenError(explain(output, merged, owners))
        # The generator exits 0 when ruff is missing and leaves the code unformatted.
        if "ruff" in output.lower():
            raise CodegenError(f"openapi-python-client could not format its code:\n{output}")
        (out / "py.typed").write_text("")
        # Shipped with the package so that the fake service checks requests against the spec.
        shutil.copy(spec, out / "openapi.json")
        # --overwrite keeps stale files, so the package is replaced whole.
        if package.exists():
            shutil.rmtree(package)
        output_root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, package)
    return package


def explain(output: str, merged: dict[str, Any], owners: dict[str, str]) -> str:
    """One line out of the generator's failure: which document, which schema, why, what to do.

    openapi-python-client reports a schema it cannot read in one of two forms: a validation
    error at a dotted path (`components.schemas.X.other.properties.input...`), or "Unable to
    process schema /components/schemas/X:" followed by the reason and the offending part.
    """
    schema = field = reason = None
    found = re.search(r"^(components|paths)\.(\S+)\n\s*(.+)$", output, re.MULTILINE)
    if found:
        parts = [p for p in found[2].split(".") if p not in ("other", "properties")]
        if found[1] == "components":  # components.schemas.<Name>.<field>...
            schema, rest = parts[1], parts[2:]
        else:  # paths.<path>.<method>.<field>...
            schema, rest = parts[0], parts[1:]
        field = re.sub(r"\.(type|str-enum|list)\b.*", "", ".".join(rest)) or None
        reason = found[3].split(" [type=")[0]
    found = re.search(r"Unable to process schema /components/\w+/(\w+):\s*\n\s*(.+)", output)
    if found:
        schema, reason = found[1], found[2].strip()
        part = re.search(r"removal of:\n\S+\n\n(\{.*?\n\})", output, re.DOTALL)
        if part:
            field = _where(merged["components"]["schemas"].get(schema), json.loads(part[1]))
    found = re.search(r"WARNING parsing (\w+) (\S+) within", output)
    if reason is None and found:
        schema = found[2]
        reason = next(line for line in output[found.end() :].splitlines()[1:] if line.strip())
    if reason is None:
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        return "openapi-python-client failed: " + " / ".join(lines[:6])
    document = owners.get(schema or "", "")
    where = f"openapi/{document}: " if document else ""
    kind = "path" if (schema or "").startswith("/") else "schema"
    what = f"{kind} {schema}" + (f", field {field}" if field else "") if schema else "a schema"
    todo = (
        f"see the vendor's change with `git diff openapi/{document}`, and keep the last good "
        f"document (`git checkout openapi/{document}`) until the generator can read it"
        if document
        else "see the vendor's change with `git diff openapi/`"
    )
    return f"{where}{what}: openapi-python-client cannot generate it: {reason}; {todo}"


def _where(schema: Any, part: Any, path: str = "") -> str | None:
    """The dotted name of the field whose schema is `part`, inside `schema`."""
    if not isinstance(schema, dict):
        return None
    for name, child in schema.get("properties", {}).items():
        inner = f"{path}.{name}" if path else name
        if child == part:
            return inner
        found = _where(child, part, inner)
        if found:
            return found
    return None


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


def regenerate(root: Path = ROOT, openapi_dir: Path | None = None) -> None:
    """Everything `nox -s generate` writes under `root` (the checkout, or a copy of it) from
    `openapi_dir` (default: root's): the client in generated/, then the facade's typed surface
    (tools/surface.py), then the sync client derived from the async one (tools/unasync.py)."""
    from ideogram_facade import _options
    from tools import surface, unasync

    openapi_dir = openapi_dir or root / "openapi"
    generate(root / "generated", openapi_dir)
    source = root / unasync.SOURCE.relative_to(ROOT)
    target = root / unasync.TARGET.relative_to(ROOT)
    try:
        surface.write(tuple(_options.models_of(merge(openapi_dir))), root)
        target.write_text(unasync.derive(source.read_text(encoding="utf-8")), encoding="utf-8")
    except (surface.SurfaceError, unasync.UnasyncError) as error:
        raise CodegenError(str(error)) from None


def stale(root: Path = ROOT, openapi_dir: Path | None = None) -> list[str]:
    """The diff between what is committed under `root` and what `regenerate` would write."""
    from ideogram_facade import _options
    from tools import surface, unasync

    openapi_dir = openapi_dir or root / "openapi"
    lines = drift(root / "generated", openapi_dir)
    source = root / unasync.SOURCE.relative_to(ROOT)
    try:
        lines += surface.drift(tuple(_options.models_of(merge(openapi_dir))), root)
        return lines + unasync.drift(source, root / unasync.TARGET.relative_to(ROOT))
    except (surface.SurfaceError, unasync.UnasyncError) as error:
        raise CodegenError(str(error)) from None


def main(argv: list[str]) -> int:
    command, *rest = argv or ["generate"]
    try:
        if command == "generate":
            regenerate()
            print("generated generated/, the typed surface and the sync client from openapi/")
        elif command == "drift":
            # The summary first: when the generator then fails, the change is still explained.
            print(specdiff.drift_summary(OPENAPI, GENERATED))
            lines = stale()
            if lines:
                sys.stdout.writelines(lines)
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
            regenerate()
        else:
            print(f"unknown command {command!r}: generate, drift or update", file=sys.stderr)
            return 2
    except (CodegenError, specdiff.SpecDiffError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
