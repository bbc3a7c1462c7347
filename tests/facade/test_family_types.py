"""What the type checker says of the family's calls: checked by `mypy --strict` (nox -s
typecheck), which warns about an unused `type: ignore`. So each ignore below is an assertion
that mypy rejects that line; if the overloads stopped rejecting it, the typecheck would fail.
The test only runs the calls that are right, against the sandbox."""

from __future__ import annotations

from ideogram_facade import CharacterClient

URL = "https://example.com/portrait.png"


def calls_mypy_refuses(client: CharacterClient) -> None:
    client.submit("a", URL, strength=0.5)  # type: ignore[call-overload]
    client.submit("a", URL, model="character-edit", image=URL)  # type: ignore[call-overload]
    client.submit(  # type: ignore[call-overload]
        "a", URL, model="character-edit", image=URL, mask=URL, negative_prompt="x"
    )
    client.generate("a", URL, model="character-remix")  # type: ignore[call-overload]
    client.generate("a", URL, model="character-sketch")  # type: ignore[call-overload]


def test_the_calls_mypy_accepts_run() -> None:
    with CharacterClient(sandbox=True) as client:
        client.submit("a", URL)
        client.submit("a", URL, model="character-edit", image=URL, mask=URL, seed=3)
        client.submit(
            "a", URL, model="ideogram/character-remix", image=URL, strength=0.3, style_images=[]
        )
