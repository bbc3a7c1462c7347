"""Fail when ideogram_facade's modules import each other in a cycle (`nox -s lint` runs it).

Every import counts: at the top of a module, inside a function, or under `TYPE_CHECKING`. A
cycle closed by a lazy import still ties the two layers together, so the layers contract in
pyproject.toml (import-linter) would not see it as one; this lists each cycle, module by module,
with the import lines that close it. The graph is grimp's, which import-linter is built on.

    python tools/import_cycles.py          # exit 1 and the cycles, or exit 0
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

PACKAGE = "ideogram_facade"


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import graph's strongly connected components of two or more modules (Tarjan's)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        # Iterative, so that a long chain of imports cannot reach the recursion limit.
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    found = cycles(graph)
    for component in found:
        print(f"import cycle among {len(component)} modules:")
        members = set(component)
        for importer in component:
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    print(f"  {importer}:{detail['line_number']}  {detail['line_contents']}")
    if not found:
        print(f"no import cycles among {len(graph.modules)} modules of {PACKAGE}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
