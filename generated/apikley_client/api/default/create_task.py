from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_task_response_200 import CreateTaskResponse200
from ...models.ideogram_character_body import IdeogramCharacterBody
from ...models.ideogram_character_edit_body import IdeogramCharacterEditBody
from ...models.ideogram_character_remix_body import IdeogramCharacterRemixBody
from ...types import Response


def _get_kwargs(
    *,
    body: IdeogramCharacterBody
    | IdeogramCharacterEditBody
    | IdeogramCharacterRemixBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/jobs/createTask",
    }

    if isinstance(body, IdeogramCharacterBody):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, IdeogramCharacterEditBody):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | CreateTaskResponse200 | None:
    if response.status_code == 200:
        response_200 = CreateTaskResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 500:
        response_500 = cast(Any, None)
        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | CreateTaskResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: IdeogramCharacterBody
    | IdeogramCharacterEditBody
    | IdeogramCharacterRemixBody,
) -> Response[Any | CreateTaskResponse200]:
    """Create a task: the request body is the one of the chosen model

    Args:
        body (IdeogramCharacterBody | IdeogramCharacterEditBody | IdeogramCharacterRemixBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CreateTaskResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: IdeogramCharacterBody
    | IdeogramCharacterEditBody
    | IdeogramCharacterRemixBody,
) -> Any | CreateTaskResponse200 | None:
    """Create a task: the request body is the one of the chosen model

    Args:
        body (IdeogramCharacterBody | IdeogramCharacterEditBody | IdeogramCharacterRemixBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CreateTaskResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: IdeogramCharacterBody
    | IdeogramCharacterEditBody
    | IdeogramCharacterRemixBody,
) -> Response[Any | CreateTaskResponse200]:
    """Create a task: the request body is the one of the chosen model

    Args:
        body (IdeogramCharacterBody | IdeogramCharacterEditBody | IdeogramCharacterRemixBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CreateTaskResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: IdeogramCharacterBody
    | IdeogramCharacterEditBody
    | IdeogramCharacterRemixBody,
) -> Any | CreateTaskResponse200 | None:
    """Create a task: the request body is the one of the chosen model

    Args:
        body (IdeogramCharacterBody | IdeogramCharacterEditBody | IdeogramCharacterRemixBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CreateTaskResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
