"""Every check and chore of the project, one session each.

nox                    # lint, typecheck, drift, and the tests on every claimed Python
nox -s lowest          # the tests with the lowest dependency versions pyproject.toml allows
nox -s generate        # openapi/ -> generated/apikley_client (ideogram_facade._generated),
                       # and _async_client.py -> _client.py
nox -s update_spec     # fetch the vendor's documents, then generate
nox -s update_spec -- http://127.0.0.1:8000   # ... from a mirror instead
nox -s fuzz            # the long Hypothesis run
nox -s bench           # benchmarks, writes BENCHMARKS.md
"""

from __future__ import annotations

import os
import re
import shutil

import nox

nox.options.sessions = ["lint", "typecheck", "drift", "tests", "lowest"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# The Pythons the classifiers claim; the chores run on the oldest.
PYTHONS = nox.project.python_versions(PYPROJECT)
PYTHON = PYTHONS[0]
# On CI every claimed Python must be there. Elsewhere a missing one is skipped, but a run that
# would skip them all (and so test nothing, yet exit 0) fails instead.
if os.environ.get("CI") or not any(shutil.which(f"python{v}") for v in PYTHONS):
    nox.options.error_on_missing_interpreters = True
# Both cores: the fake binds its own free ports, so the tests run in parallel.
WORKERS = ["-n", "auto"]


def group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from openapi/ with the pinned generator and formatter."""
    session.install(*group("codegen"))
    session.run("python", "tools/codegen.py", "generate")
    session.run("python", "tools/unasync.py")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail, printing the diff, when generated/ is not what openapi/ generates, or the sync
    client is not what tools/unasync.py derives from the async one."""
    session.install(*group("codegen"))
    session.run("python", "tools/codegen.py", "drift")
    session.run("python", "tools/unasync.py", "--check")


@nox.session(python=PYTHON)
def update_spec(session: nox.Session) -> None:
    """Fetch each vendored document from its source URL (or from the URL after --)."""
    session.install(*group("codegen"))
    session.run("python", "tools/codegen.py", "update", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[cli]", *group("typecheck"), *group("test"))
    session.run("mypy", "ideogram_facade", "tests", "tools", "examples")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    # tools/codegen.py is tested too (drift, update), so the generator is installed here.
    session.install("-e", ".[cli]", *group("test"), *group("codegen"))
    session.run("pytest", *WORKERS, *session.posargs, env={"HYPOTHESIS_PROFILE": "ci"})


def lowest_versions() -> list[str]:
    """`name==X` for each runtime and `cli` dependency, X its `>=` bound in pyproject.toml."""
    project = PYPROJECT["project"]
    pins = []
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["cli"]]:
        found = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([^,;\s]+)", requirement)
        if found is None:
            raise ValueError(f"{requirement!r} has no lower bound to test")
        pins.append(f"{found[1]}=={found[2]}")
    return pins


@nox.session(python=PYTHONS)
def lowest(session: nox.Session) -> None:
    """The facade, fake and CLI tests with the lowest versions the dependency ranges allow:
    the lower bounds in pyproject.toml must be true on every claimed Python."""
    session.install(*lowest_versions(), *group("test"))
    session.install("--no-deps", ".")
    session.run("python", "-m", "pip", "freeze")
    session.run(
        "pytest",
        *WORKERS,
        "tests/facade",
        "tests/fake",
        "tests/cli",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": "ci"},
    )


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Tens of thousands of malformed answers; not part of the default run."""
    session.install("-e", ".", *group("test"))
    session.run(
        "pytest", "tests/facade/test_fuzz.py", *session.posargs, env={"HYPOTHESIS_PROFILE": "fuzz"}
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Issue 7's benchmarks against the fake service, written to BENCHMARKS.md (~10 min);
    `nox -s bench -- --quick` for a short run. Not part of the default run."""
    session.install("-e", ".", *group("bench"))
    session.run("python", "benchmarks/run.py", *session.posargs)
