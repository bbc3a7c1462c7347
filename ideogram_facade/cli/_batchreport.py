"""The end of a batch: its exit code, the summary table (or JSON), and what to do next."""

from __future__ import annotations

from ideogram_facade import ApikleyError

from ._batchplan import Item, Outcome
from ._display import print_table
from ._exitcodes import ExitCode, classify, say
from ._journal import BatchJournal
from ._output import emit_json

DETAIL_ROWS = 50  # more problem lines than this are summarised; the journal has them all
WHY_LENGTH = 300  # characters of a line's error in the table; the JSON and the journal keep all

_WHY = {
    Outcome.UNFINISHED: "still running: the next run waits for it",
    Outcome.PENDING: "not started: the next run submits it",
}


def clip(text: str, length: int) -> str:
    """`text`, or its first `length` characters and an ellipsis that says the rest is cut."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def exit_code(
    items: list[Item], signalled: ExitCode | None, fatal: ApikleyError | None
) -> ExitCode:
    outcomes = {item.state for item in items}
    if signalled is not None:
        return signalled
    if fatal is not None:
        return classify(fatal)[0]
    if Outcome.UNCERTAIN in outcomes:
        return ExitCode.UNCERTAIN
    if outcomes & {Outcome.FAILED, Outcome.UNFINISHED, Outcome.PENDING}:
        return ExitCode.BATCH_FAILED
    return ExitCode.OK


def summary(items: list[Item], journal: BatchJournal, as_json: bool) -> None:
    counts = {outcome.value: 0 for outcome in Outcome}
    for item in items:
        counts[item.state.value] += 1
    if as_json:
        emit_json(
            {
                "journal": journal.where,
                "counts": counts,
                "lines": [
                    {
                        "line": item.line.number,
                        "state": item.state.value,
                        "task_id": item.task_id,
                        "files": item.files,
                        "error": item.message,
                    }
                    for item in items
                ],
            }
        )
        return
    print_table("batch summary", ["state", "lines"], [[k, str(v)] for k, v in counts.items() if v])
    problems = [item for item in items if item.state is not Outcome.DONE]
    rows = [
        [
            str(item.line.number),
            item.state.value,
            item.task_id or "-",
            clip(item.message or _WHY.get(item.state, ""), WHY_LENGTH),
        ]
        for item in problems[:DETAIL_ROWS]
    ]
    if rows:
        print_table("lines not done", ["line", "state", "task", "why"], rows)
    if len(problems) > DETAIL_ROWS:
        print(f"... and {len(problems) - DETAIL_ROWS} more; the journal has them all")
    print(f"journal: {journal.where}")


def advice(code: ExitCode, items: list[Item], journal: BatchJournal) -> None:
    unfinished = sum(item.state in (Outcome.UNFINISHED, Outcome.PENDING) for item in items)
    uncertain = sum(item.state is Outcome.UNCERTAIN for item in items)
    if code in (ExitCode.INTERRUPTED, ExitCode.TERMINATED):
        say(
            f"interrupted: {unfinished} line(s) not finished (started tasks keep running on the "
            "service); run the same command again to resume"
        )
    if uncertain:
        say(
            f"{uncertain} line(s) have an uncertain submit and will not be sent again: look for "
            f"their tasks in the Apikley dashboard (the journal {journal.where} has details)"
        )
