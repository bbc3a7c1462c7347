"""The command line's grammar: every subcommand, its options, their allowed values and defaults."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from ideogram_facade import DEFAULT_WAIT_TIMEOUT, Option, __version__, model, models

from ._exitcodes import PROG

# The reference image's keyword: --reference on the command line, `reference` in a batch.
REFERENCE = "reference_image"

EXIT_CODES = """\
exit codes:
  0    success
  1    another API error (server error, maintenance, rate limit, unknown task)
  2    usage: the command line is wrong
  3    authentication: no API key, or the key was refused
  4    not enough credits
  5    invalid request (a field out of range, a bad URL)
  6    generation failed (the task ended in state fail)
  7    timed out waiting for the task (it keeps running: use `wait`)
  8    network error (the service could not be reached)
  9    submission uncertain: createTask may have been accepted (check the dashboard)
  10   a local file could not be read or written
  11   batch: some lines failed or did not finish
  12   the task is done but its images could not be saved: download it later
  13   the journal cannot be used or written (another batch holds it, --force, a full disk)
  14   a submit would pass the credit budget (--max-credits): nothing was sent
  70   internal error (a bug: please report it)
  130  interrupted (SIGINT, Ctrl-C)
  143  terminated (SIGTERM)
"""
# The manual (docs/cli.md) is not installed with the package: point to where it can be read.
MORE_HELP = f"""
more:
  {PROG} COMMAND --help    a command's options, their choices and defaults
  the reference site's "Command line" page: the manual (`nox -s docs` builds the site
  from a checkout of ideogram-facade into site/)
"""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text!r}")
    return value


def _common(json_output: bool = True) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an in-process fake service: no API key, no network, no charge",
    )
    if json_output:
        parent.add_argument("--json", action="store_true", help="print the result as JSON")
    # SUPPRESS: a command's own default must not undo a -v given before the command.
    parent.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log every HTTP request on stderr",
    )
    return parent


# The command line's own short spellings of some options; any other option of the model is
# --<its name in the spec>, so a field the vendor adds becomes a flag on regeneration.
_SHORT_FLAGS: dict[str, tuple[str, ...]] = {
    "rendering_speed": ("--speed",),
    "image_size": ("--size",),
    "num_images": ("-n", "--num-images"),
    "negative_prompt": ("--negative",),
}
# What an option is, in a few words; one without shows the spec's description. Choices,
# default and limits are the spec's, added to the help by _help().
_PHRASES: dict[str, str] = {
    "rendering_speed": "rendering speed",
    "style": "style",
    "image_size": "image size",
    "num_images": "images to generate",
    "seed": "random seed, for repeatable results",
    "negative_prompt": "what the image should not show",
    "expand_prompt": "MagicPrompt: let the service rewrite the prompt",
    "strength": "how much of --image the result keeps",
    "image": "the picture to edit or remix",
    "mask": "which part of --image to repaint (white), the same size as --image",
    "style_images": "an image whose style to follow (repeatable)",
    "reference_mask": "which part of the reference is the character",
}
# What the service does with an option the spec gives no default, when it is left out.
_WHEN_UNSET = {"seed": "random", "expand_prompt": "the service decides"}
_ARGUMENT_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float}
# Text reads better than its name as the placeholder; numbers show their name (--seed SEED).
_METAVARS = {"string": "TEXT"}


def option_flags() -> dict[str, tuple[str, ...]]:
    """The flags of each request option of any model, by its keyword.

    Lists and objects are not flags; the images have flags of their own (`image_flags`).
    """
    flags: dict[str, tuple[str, ...]] = {}
    for each in models():
        for name, spec in each.options.items():
            if not spec.image and (spec.kind == "boolean" or spec.kind in _ARGUMENT_TYPES):
                flags.setdefault(name, _SHORT_FLAGS.get(name, ("--" + name.replace("_", "-"),)))
    return flags


def image_flags() -> dict[str, str]:
    """The flag of each image a model takes besides the reference, by its keyword; a list
    (style_images) is one image per flag, so its flag is singular and repeatable."""
    flags = {}
    for each in models():
        for name, spec in each.images.items():
            if name != REFERENCE:  # --reference, with its own help
                flag = "--" + name.replace("_", "-")
                flags[name] = flag.removesuffix("s") if spec.kind == "array" else flag
    return flags


def spelled(keyword: str) -> str:
    """A keyword of the library as the command line writes it: its flag (`image_size` is
    `--size`), so that the library's messages speak of what the user typed."""
    if keyword == "prompt":
        return keyword
    if keyword == REFERENCE:
        return "--reference"
    if keyword in image_flags():
        return image_flags()[keyword]
    return option_flags().get(keyword, ("--" + keyword.replace("_", "-"),))[-1]


def batch_fields() -> list[str]:
    """The fields of a batch line, as the command line's flags name them, every model's."""
    flags = [*(f[-1] for f in option_flags().values()), *image_flags().values()]
    names = [flag.lstrip("-").replace("-", "_") for flag in flags]
    return ["prompt", "reference", "model", *names, "callback_url", "input"]


def image_spec(name: str) -> Option:
    """The first model's field of the image `name`."""
    return next(each.options[name] for each in models() if name in each.options)


def _taken_by(name: str) -> str:
    """` (character-remix only)` for an option not every model takes; else nothing."""
    takers = [each.short for each in models() if name in each.options]
    if len(takers) == len(models()):
        return ""
    return f" ({', '.join(takers)} only)" if len(takers) == 1 else f" ({', '.join(takers)})"


def models_help() -> str:
    """What each model takes, for the end of --help: from the spec, model by model."""
    lines = ["models (--model) and what each takes besides PROMPT and --reference:"]
    images, flags = image_flags(), option_flags()
    for each in models():
        needed = [
            f"{images.get(name) or flags[name][-1]} (required)"
            for name, spec in each.options.items()
            if spec.required and (name in images or name in flags)
        ]
        rest = [
            images[name]
            for name, spec in each.images.items()
            if not spec.required and name in images
        ]
        rest += [
            flags[name][-1]
            for name, spec in each.options.items()
            if not spec.required and name in flags
        ]
        lines.append(f"  {each.short:16} {', '.join([*needed, *rest])}")
    return "\n".join(lines) + "\n\n"


def _help(spec: Option) -> str:
    text = _PHRASES.get(spec.name) or " ".join(spec.description.split())
    if spec.max_length is not None:
        text += f", at most {spec.max_length} characters"
        # Another model may allow less (character-remix's negative prompt: 500).
        for each in models():
            other = each.options.get(spec.name)
            if other is not None and other.max_length != spec.max_length:
                text += f" ({each.short}: {other.max_length})"
    if spec.minimum is not None:
        text += f", at least {spec.minimum:g}"
    if spec.maximum is not None:
        text += f", at most {spec.maximum:g}"
    if spec.step is not None:
        text += f", in steps of {spec.step:g}"
    default = _WHEN_UNSET.get(spec.name) if spec.default is None else spec.default
    if default is not None:
        text += f" (default: {default})"
    return (text + _taken_by(spec.name)).replace("%", "%%")  # argparse formats help with %


def _request_options(parser: argparse.ArgumentParser, *, batch: bool) -> None:
    """The createTask options, from the spec; in a batch they are defaults for lines that
    leave them out. Each is stored under its name in the spec; the facade fills in defaults."""
    group = parser.add_argument_group(
        "request options (defaults for lines that don't set them)" if batch else "request options"
    )
    if batch:
        group.add_argument(
            "--reference",
            metavar="URL|PATH",
            help="reference portrait for lines without one: an http(s) URL or a local image",
        )
    group.add_argument(
        "--model",
        choices=[each.short for each in models()],
        help=f"which model (default: {model().short}); see the list below",
    )
    for name, flag in image_flags().items():
        spec = image_spec(name)
        group.add_argument(
            flag,
            dest=name,
            action="append" if spec.kind == "array" else "store",
            metavar="URL|PATH",
            help=f"{_PHRASES.get(name, name)}: an http(s) URL or a local image{_taken_by(name)}",
        )
    table = {name: spec for each in reversed(models()) for name, spec in each.options.items()}
    for name, flags in option_flags().items():
        spec = table[name]
        if spec.kind == "boolean":
            group.add_argument(
                *flags,
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=_help(spec),
            )
        else:
            group.add_argument(
                *flags,
                dest=name,
                type=_ARGUMENT_TYPES[spec.kind],
                choices=spec.choices,
                metavar=None if spec.choices else _METAVARS.get(spec.kind),
                help=_help(spec),
            )
    group.add_argument(
        "--callback-url",
        metavar="URL",
        help="an http(s) URL the service POSTs the result to (default: none)",
    )
    group.add_argument(
        "--input",
        dest="extra_input",
        action="append",
        metavar="KEY=JSON",
        help="send a field the vendored spec does not know yet, unchecked, as JSON "
        """(repeatable): --input style_codes='["a1b2c3d4"]'; a field the spec knows is """
        "refused: use its own flag",
    )


def _journal_location(value: str) -> str | Path:
    """A journal file (a path, or sqlite:///PATH) as a Path; a PostgreSQL URI as it is."""
    if value.startswith("sqlite://"):
        return Path(value[len("sqlite://") :])
    return value if "://" in value else Path(value)


JOURNAL_HELP = "a file (SQLite) or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def _journal(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal",
        type=_journal_location,
        metavar="JOURNAL",
        help=f"record the task in this journal ({JOURNAL_HELP}), so that `tasks` and `resume` "
        "find it if this command is stopped",
    )


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def _budget(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-credits",
        type=_non_negative_float,
        metavar="N",
        help="the credit budget: a submit that would take what the tasks sharing "
        "--budget-storage consumed and reserved past N is refused (exit 14) and sends nothing",
    )
    parser.add_argument(
        "--budget-storage",
        metavar="URI",
        help="where the budget is kept (with --max-credits): memory:// (this command only, "
        "the default), sqlite:///ABSOLUTE/PATH (every command of this machine that names it), "
        "redis://HOST:PORT/DB or postgresql://USER:PASSWORD@HOST/DATABASE (any machine)",
    )


def _timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_WAIT_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait for a task to finish (default: %(default)g)",
    )


def _out(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=None if required else Path(),
        required=required,
        metavar="DIR",
        help="folder for the images, created if missing"
        + ("" if required else " (default: the current folder)"),
    )


# The commands that take a request, whose --help lists the models.
_REQUEST_COMMANDS = ("generate", "submit", "batch")


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The command line, parsed; an unknown option is a usage error of its command (with its
    usage line, and the option it looks like), not of the program."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command: argparse.ArgumentParser = args.command_parser
        flags = [flag for action in command._actions for flag in action.option_strings]
        meant = difflib.get_close_matches(unknown[0], flags, n=1, cutoff=0.6)
        hint = f" (did you mean {meant[0]}?)" if meant else ""
        command.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    return args


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Put one character in new scenes, repaint part of a picture with it, or "
        "remix a picture around it, with Apikley's Ideogram character models. The API key "
        "comes from APIKLEY_API_KEY.",
        epilog=EXIT_CODES + MORE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log every HTTP request on stderr"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            parents=[common],
            epilog=(models_help() if name in _REQUEST_COMMANDS else "") + EXIT_CODES + MORE_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        # main() reports an unknown option with this command's usage, not the program's.
        sub.set_defaults(command_parser=sub)
        return sub

    generate = command(
        "generate", "submit a request, show its progress, download the images into --out"
    )
    generate.add_argument("prompt", metavar="PROMPT", help="what the character does, and where")
    generate.add_argument(
        "--reference",
        required=True,
        metavar="URL|PATH",
        help="the character's portrait: an http(s) URL, or a local image (uploaded first)",
    )
    _request_options(generate, batch=False)
    _out(generate)
    _timeout(generate)
    _journal(generate)
    _budget(generate)

    submit = command("submit", "submit a request and print its task id, without waiting")
    submit.add_argument("prompt", metavar="PROMPT", help="what the character does, and where")
    submit.add_argument(
        "--reference",
        required=True,
        metavar="URL|PATH",
        help="the character's portrait: an http(s) URL, or a local image (uploaded first)",
    )
    _request_options(submit, batch=False)
    _journal(submit)
    _budget(submit)

    status = command("status", "print a task's current state (one request)")
    status.add_argument("task_id", metavar="TASK_ID")

    wait = command("wait", "wait until a task ends and print its image URLs")
    wait.add_argument("task_id", metavar="TASK_ID")
    _timeout(wait)
    _budget(wait)

    download = command("download", "wait for a task if needed, then download its images")
    download.add_argument("task_id", metavar="TASK_ID")
    _out(download, required=True)
    download.add_argument(
        "--overwrite", action="store_true", help="replace files that already exist"
    )
    _timeout(download)
    _budget(download)

    command("credits", "print the account's remaining credits")

    upload = command("upload", "upload a local image and print its temporary URL")
    upload.add_argument("path", type=Path, metavar="PATH", help="a JPEG, PNG or WebP image")

    batch = command(
        "batch",
        "run many requests from a JSON Lines or CSV file; resumable (see the manual)",
    )
    batch.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="JSON Lines (*.jsonl, one request object per line) or CSV with a header row; "
        f"a line's fields are named as the options here: {', '.join(batch_fields())} (the "
        "API's names work too; a list of images is separated by | in CSV)",
    )
    _out(batch, required=True)
    batch.add_argument(
        "--concurrency",
        type=_positive_int,
        default=8,
        metavar="N",
        help="lines in progress at once (default: %(default)s); the client's rate limits "
        "apply on top",
    )
    batch.add_argument(
        "--force",
        action="store_true",
        help="run although the journal is broken or was emptied (moved aside) or the folder "
        "holds images its journal does not know: lines may be paid for twice",
    )
    _timeout(batch)
    _budget(batch)
    _request_options(batch, batch=True)

    tasks = command("tasks", "list the tasks of a journal (--journal, or a batch's)")
    tasks.add_argument(
        "journal", type=_journal_location, metavar="JOURNAL", help=f"the journal: {JOURNAL_HELP}"
    )
    tasks.add_argument(
        "--all", action="store_true", help="every task, not only those that need something"
    )

    resume = command("resume", "wait for a journal's unfinished tasks and download their images")
    resume.add_argument(
        "journal", type=_journal_location, metavar="JOURNAL", help=f"the journal: {JOURNAL_HELP}"
    )
    _out(resume, required=True)
    _timeout(resume)
    _budget(resume)

    _mcp(commands)
    return parser


def _mcp(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = "serve the models to AI agents over the Model Context Protocol (needs the mcp extra)"
    mcp = commands.add_parser(
        "mcp",
        help=summary,
        description=summary + ": on stdio for an MCP client to start, or on streamable HTTP. "
        "Each task the service accepts is in the journal before its tool answers. The "
        'manual: the reference site\'s "MCP server" page.',
        parents=[_common(json_output=False)],
        epilog=EXIT_CODES + MORE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mcp.add_argument(
        "--http",
        metavar="HOST:PORT",
        help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio; a loopback HOST "
        "(127.0.0.1, localhost, [::1]) unless --allow-remote; port 0 takes a free one",
    )
    mcp.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --http listen on a host other hosts can reach: the server has no "
        "authentication, so anyone who reaches it can spend the account's credits",
    )
    mcp.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the images, created if missing (default: mcp/ in the user's data "
        "folder, mcp-sandbox/ with --sandbox)",
    )
    mcp.add_argument(
        "--journal",
        type=_journal_location,
        metavar="JOURNAL",
        help=f"the task journal that records every accepted task ({JOURNAL_HELP}; default: "
        "ideogram-character-mcp-journal.sqlite3 in --out); a file serves one server at a "
        "time, a database every server of a fleet",
    )
