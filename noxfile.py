"""Every check and chore of the project, one session each.

nox                    # lint, typecheck, drift, the tools' tests (the vendor-change corpus
                       # among them), and the tests on every claimed Python
nox -s busy            # the tests while other processes keep every core busy
nox -s lowest          # the tests with the lowest dependency versions pyproject.toml allows
nox -s generate        # openapi/ -> generated/apikley_client (ideogram_facade._generated),
                       # the typed surface (tools/surface.py), _async_client.py -> _client.py
nox -s update_spec     # fetch the vendor's documents, summarise the change (also in
                       # CHANGELOG.md), then generate
nox -s update_spec -- http://127.0.0.1:8000   # ... from a mirror instead
nox -s inspector       # the MCP server driven by the official MCP inspector, in node
nox -s httpx2          # the facade, fake and CLI tests with httpx2 clients (the extra)
nox -s fuzz            # the long Hypothesis run
nox -s bench           # benchmarks, writes BENCHMARKS.md (-- --only 9,10: some sections)
nox -s build           # dist/: the sdist and the wheel, checked, the wheel tried in a new venv
nox -s docs            # the reference site in site/, checked in headless Chromium
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import nox

# Plain `nox` leaves out `lowest`: the lower bounds can break only when pyproject.toml's ranges
# or the code's use of a dependency change, and that session would double the run's time.
# .ci/run runs it on its own, so every submission is still checked against them.
nox.options.sessions = ["lint", "typecheck", "drift", "tools", "tests"]
# uv makes a session's virtualenv in 3 s where venv and pip take 18 s (CI makes seventeen);
# without uv (`pip install uv`), venv and pip, with the same pins.
nox.options.default_venv_backend = "uv|venv"
# Compiled at install, as pip does: else each of the first run's workers compiles them anew.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# The Pythons the classifiers claim.
PYTHONS = nox.project.python_versions(PYPROJECT)


def starts(version: str) -> bool:
    """Whether `python<version>` is on PATH and runs: pyenv puts a shim on PATH for every
    version it has, which fails for one that is not selected (.ci/run selects them all)."""
    found = shutil.which(f"python{version}")
    if found is None:
        return False
    return subprocess.run([found, "-c", ""], capture_output=True).returncode == 0


HERE = [version for version in PYTHONS if starts(version)]
# The chores run once, on the oldest claimed Python this machine has.
PYTHON = HERE[0] if HERE else PYTHONS[0]
# On CI every claimed Python must be there. Elsewhere a missing one is skipped, but a run that
# would skip them all (and so test nothing, yet exit 0) fails instead.
if os.environ.get("CI") or not HERE:
    nox.options.error_on_missing_interpreters = True
# Many socket tests still wait on the fake's timers, retry backoffs and subprocesses (a serial
# run takes several times its CPU time), so four workers a core; worksteal evens out the few
# that take seconds. (One worker a core, tried: the waits then queue behind each other.)
WORKERS = ["-n", str(4 * (os.cpu_count() or 1)), "--dist", "worksteal"]
# Test modules are compiled once and kept (pytest's assertion rewriting is most of a worker's
# start-up), even where the environment says not to write bytecode.
TEST_ENV = {"HYPOTHESIS_PROFILE": "ci", "PYTHONDONTWRITEBYTECODE": ""}
# What makes the tests hand every client an httpx2 client (tests/conftest.py).
HTTPX2_ENV = {"IDEOGRAM_CHARACTER_HTTP_LIBRARY": "httpx2"}
# Tests that use both httpx and httpx2: a run without the httpx2 extra leaves them out.
HTTP_CLIENTS_TESTS = "tests/facade/test_http_clients.py"
# tests/codegen checks tools/ (the generator, specdiff, unasync, the package's build), which run
# on one Python: the `tools` session runs them once, not once per claimed Python.
TOOLS_TESTS = "tests/codegen"


def group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from openapi/ with the pinned generator and formatter, then the
    facade's typed surface (tools/surface.py) and the sync client (tools/unasync.py)."""
    session.install(*group("codegen"))
    session.run("python", "tools/codegen.py", "generate")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Print the summary of how openapi/ changed since generated/ was last committed, then fail,
    printing the diff, when generated/, the typed surface or the sync client is not what
    openapi/ and the async client make."""
    session.install(*group("codegen"))
    session.run("python", "tools/codegen.py", "drift")


@nox.session(python=PYTHON)
def update_spec(session: nox.Session) -> None:
    """Fetch each vendored document from its source URL (or from the URL after --)."""
    session.install(*group("codegen"))
    session.run("python", "tools/codegen.py", "update", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, then the layers (pyproject.toml's import-linter contract) and no import cycle."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")
    session.run("python", "tools/import_cycles.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install(
        "-e",
        ".[cli,redis,otel,postgres,mcp,httpx2]",
        *group("typecheck"),
        *group("test"),
        *group("otel-sdk"),
        *group("lint"),  # tools/import_cycles.py imports grimp
        *group("bench"),  # benchmarks/chart.py draws with matplotlib
    )
    session.run("mypy", "ideogram_facade", "tests", "tools", "examples", "benchmarks")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    session.install(
        "-e", ".[cli,redis,otel,postgres,mcp,httpx2]", *group("test"), *group("otel-sdk")
    )
    session.run("pytest", *WORKERS, f"--ignore={TOOLS_TESTS}", *session.posargs, env=TEST_ENV)


@nox.session(python=PYTHON)
def httpx2(session: nox.Session) -> None:
    """The facade, fake and CLI tests once more, every client handed an httpx2 client (as a
    program that has one would: tests/conftest.py, cli/_settings.py). Not part of the default
    run; .ci/run runs it. On one Python: the tests sessions run tests/facade/test_http_clients.py
    with both libraries on every claimed Python, and `lowest` the whole suite through httpx2 on
    the oldest and the newest."""
    # Every extra the tests sessions install: the suite's PostgreSQL and MCP tests need theirs.
    session.install(
        "-e", ".[cli,redis,otel,postgres,mcp,httpx2]", *group("test"), *group("otel-sdk")
    )
    # Leaves out the tests whose clients all live in processes they start (they would run as
    # in the tests sessions), and what pyproject's `-m` leaves out.
    marks = ["-m", "not processes and not docs and not corpus and not node"]
    session.run(
        "pytest",
        *WORKERS,
        *marks,
        "tests/facade",
        "tests/fake",
        "tests/cli",
        *session.posargs,
        env={**TEST_ENV, **HTTPX2_ENV},
    )


@nox.session(python=PYTHON)
def tools(session: nox.Session) -> None:
    """The tests of tools/: codegen and drift, specdiff, unasync, the package's build, and the
    corpus of one-document vendor changes (each applied to a copy of the checkout,
    regenerated, summarised and used through the fake: tests/codegen/test_corpus.py)."""
    session.install("-e", ".[cli]", *group("test"), *group("codegen"))
    # `-m` replaces pyproject's, which leaves the corpus out of the tests sessions.
    marks = ["-m", "not docs"]
    session.run("pytest", *WORKERS, *marks, TOOLS_TESTS, *session.posargs, env=TEST_ENV)


@nox.session(python=PYTHON)
def busy(session: nox.Session) -> None:
    """The tests while as many busy-looping processes as there are cores keep every core busy:
    a test that depends on how fast the machine is fails here. Not part of the default run;
    .ci/run runs it once."""
    session.install(
        "-e", ".[cli,redis,otel,postgres,mcp,httpx2]", *group("test"), *group("otel-sdk")
    )
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        session.run("pytest", *WORKERS, f"--ignore={TOOLS_TESTS}", *session.posargs, env=TEST_ENV)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


# `nox -s lowest` runs three times per Python. The httpx2 extra's run and the MCP server's are
# apart because their lower bounds cannot be installed beside the others': httpx2 (mcp's too)
# needs h11>=0.16, which no httpcore that httpx 0.24 takes accepts (httpcore 1.0.9 is the
# first; httpx 0.25.1 the first to take httpcore 1.x), and mcp needs opentelemetry-api>=1.28.
# So those runs raise httpx to 0.25.1, the lowest that installs beside httpx2, and the MCP run
# leaves the redis and otel extras out. The httpx2 run hands every client an httpx2 client.
LIBRARY_TESTS = ("tests/facade", "tests/fake", "tests/cli")
LOWEST_RUNS: dict[str, tuple[tuple[str, ...], dict[str, str], tuple[str, ...]]] = {
    # run: (extras, floors above the ranges' bounds, test folders)
    "library": (("cli", "redis", "otel", "postgres"), {}, LIBRARY_TESTS),
    "httpx2": (("cli", "redis", "otel", "postgres", "httpx2"), {"httpx": "0.25.1"}, LIBRARY_TESTS),
    "mcp": (("cli", "mcp"), {"httpx": "0.25.1"}, ("tests/mcp",)),
}


def lowest_versions(extras: tuple[str, ...], floors: dict[str, str]) -> list[str]:
    """`name==X` for each runtime dependency and each of `extras`' dependencies, X its `>=`
    bound in pyproject.toml, or its floor in `floors`."""
    project = PYPROJECT["project"]
    optional = project["optional-dependencies"]
    pins = []
    for requirement in [*project["dependencies"], *(r for e in extras for r in optional[e])]:
        found = re.match(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement)
        if found is None:
            raise ValueError(f"{requirement!r} has no lower bound to test")
        name, extra = found[1], found[2] or ""
        version = floors.get(name, found[3])
        pins.append(f"{name}{extra}=={version}")
        if name == "opentelemetry-api":  # the tests' SDK, at the API's version
            pins.append(f"opentelemetry-sdk=={version}")
    return pins


LIST_DISTRIBUTIONS = (
    "from importlib.metadata import distributions as found\n"
    "for line in sorted(f'{d.name}=={d.version}' for d in found()): print(line)"
)

# A lower bound breaks on the newest Python (a release older than that Python) or on the
# oldest (a floor that needs a newer Python); the Pythons between add a run and nothing else.
LOWEST_PYTHONS = sorted({PYTHONS[0], PYTHONS[-1]}, key=PYTHONS.index)


@nox.session(python=LOWEST_PYTHONS)
@nox.parametrize("run", list(LOWEST_RUNS))
def lowest(session: nox.Session, run: str) -> None:
    """The facade, fake and CLI tests (a second time through httpx2 clients), then the MCP
    server's, with the lowest versions the dependency ranges allow, on the oldest and the
    newest claimed Python. The tests marked slow (several processes, real timers) use each
    dependency as the others do, so they are left to the tests sessions."""
    extras, floors, folders = LOWEST_RUNS[run]
    session.install(*lowest_versions(extras, floors), *group("test"))
    session.install("--no-deps", ".")
    # What was installed (a uv virtualenv has no pip to `pip freeze` it).
    session.run("python", "-c", LIST_DISTRIBUTIONS, silent=False)
    marks = ["-m", "not slow and not docs and not node"]
    with_httpx2 = "httpx2" in extras
    left_out = [] if with_httpx2 else [f"--ignore={HTTP_CLIENTS_TESTS}"]
    env = {**TEST_ENV, **HTTPX2_ENV} if with_httpx2 else TEST_ENV
    session.run("pytest", *WORKERS, *marks, *folders, *left_out, *session.posargs, env=env)


@nox.session(python=PYTHON)
def inspector(session: nox.Session) -> None:
    """`ideogram-character mcp` driven by the official MCP inspector's command-line mode, in
    node (tests marked node): the npm package @modelcontextprotocol/inspector, installed from
    tests/mcp/inspector/'s lock file into .nox. node and npm must be on PATH (the inspector
    declares node >= 22; its command-line mode works on 20, and npm only warns)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            session.error(f"the inspector runs in node: install node and npm ({tool} is missing)")
    folder = os.path.abspath(os.path.join(session.create_tmp(), "inspector"))
    os.makedirs(folder, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join("tests", "mcp", "inspector", name), folder)
    with session.chdir(folder):
        session.run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", external=True)
    session.install("-e", ".[mcp]", *group("test"))
    binary = os.path.join(folder, "node_modules", ".bin", "mcp-inspector")
    session.run(
        "pytest", "-m", "node", "tests/mcp", *session.posargs, env={"MCP_INSPECTOR": binary}
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
    """Issues 7's, 12's, 14's and 22's benchmarks against the fake service, written to
    BENCHMARKS.md (~26 min; redis-server on PATH and Debian's postgresql for the shared runs,
    each started by the benchmark); `nox -s bench -- --quick` for a short run,
    `nox -s bench -- --only 9,10` for some sections, the others' figures kept. Not part of
    the default run."""
    session.install("-e", ".[redis,postgres]", *group("bench"))
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """The sdist and the wheel (built from the sdist) in dist/, their metadata checked as PyPI
    checks it, and the wheel installed alone into a fresh virtualenv, where the package and its
    generated client import and the command runs. Not part of the default run."""
    session.install(*group("release"))
    shutil.rmtree("dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist")
    built = sorted(os.path.join("dist", name) for name in os.listdir("dist"))
    session.run("twine", "check", "--strict", *built)

    env = os.path.abspath(os.path.join(session.create_tmp(), "wheel-venv"))
    shutil.rmtree(env, ignore_errors=True)
    session.run("python", "-m", "venv", env)
    bin_dir = os.path.join(env, "Scripts" if os.name == "nt" else "bin")
    python = os.path.join(bin_dir, "python")
    (wheel,) = (path for path in built if path.endswith(".whl"))
    session.run(python, "-m", "pip", "install", "--quiet", wheel, external=True)
    # From outside the checkout, so that its ideogram_facade/ cannot stand in for the wheel's.
    check = (
        "import sys, ideogram_facade, ideogram_facade._generated as generated\n"
        "for module in (ideogram_facade, generated):\n"
        "    assert module.__file__.startswith(sys.prefix), module.__file__\n"
        "print('ideogram_facade', ideogram_facade.__version__, 'from', sys.prefix)"
    )
    with session.chdir(env):
        session.run(python, "-c", check, external=True)
        session.run(os.path.join(bin_dir, "ideogram-character"), "--help", external=True)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The reference site, from the docstrings, the README and docs/ (mkdocs.yml -> site/),
    built with --strict so that a broken link or cross-reference fails it, then opened by
    tests/docs in Debian's headless Chromium, installed here when missing (as root)."""
    if shutil.which("chromium") is None:
        if os.geteuid() != 0:
            session.error("tests/docs need Debian's chromium: `apt-get install chromium` as root")
        try:
            session.run("apt-get", "update", "-qq", external=True)
            session.run("apt-get", "install", "-y", "-qq", "chromium", external=True)
        except nox.command.CommandFailed:
            session.error("could not install Debian's chromium, which tests/docs need (see above)")
    session.install("-e", ".", *group("docs"), *group("test"))
    # NO_MKDOCS_2_WARNING: the theme's notice about MkDocs 2, printed on every build.
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})
    session.run("pytest", "-m", "docs", "tests/docs", *session.posargs)
