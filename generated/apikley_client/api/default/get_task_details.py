from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_task_details_response_200 import GetTaskDetailsResponse200
from ...types import UNSET, Response


def _get_kwargs(
    *,
    task_id: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["taskId"] = task_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/jobs/recordInfo",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | GetTaskDetailsResponse200 | None:
    if response.status_code == 200:
        response_200 = GetTaskDetailsResponse200.from_dict(response.json())

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
) -> Response[Any | GetTaskDetailsResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> Response[Any | GetTaskDetailsResponse200]:
    """Get Task Details

     Query the status and results of a task created with POST /api/v1/jobs/createTask.

    - A failed task answers HTTP 200 with `code` 200, `state` `fail`, an empty `resultJson`, and
    `failCode` / `failMsg` set
    - Result URLs expire after about 24 hours; generated media is kept 14 days

    Errors:
    - **400**: taskId parameter is required
    - **401**: Unauthorized
    - **404**: Task not found
    - **429**: Rate Limited

    Args:
        task_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | GetTaskDetailsResponse200]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> Any | GetTaskDetailsResponse200 | None:
    """Get Task Details

     Query the status and results of a task created with POST /api/v1/jobs/createTask.

    - A failed task answers HTTP 200 with `code` 200, `state` `fail`, an empty `resultJson`, and
    `failCode` / `failMsg` set
    - Result URLs expire after about 24 hours; generated media is kept 14 days

    Errors:
    - **400**: taskId parameter is required
    - **401**: Unauthorized
    - **404**: Task not found
    - **429**: Rate Limited

    Args:
        task_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | GetTaskDetailsResponse200
    """

    return sync_detailed(
        client=client,
        task_id=task_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> Response[Any | GetTaskDetailsResponse200]:
    """Get Task Details

     Query the status and results of a task created with POST /api/v1/jobs/createTask.

    - A failed task answers HTTP 200 with `code` 200, `state` `fail`, an empty `resultJson`, and
    `failCode` / `failMsg` set
    - Result URLs expire after about 24 hours; generated media is kept 14 days

    Errors:
    - **400**: taskId parameter is required
    - **401**: Unauthorized
    - **404**: Task not found
    - **429**: Rate Limited

    Args:
        task_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | GetTaskDetailsResponse200]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> Any | GetTaskDetailsResponse200 | None:
    """Get Task Details

     Query the status and results of a task created with POST /api/v1/jobs/createTask.

    - A failed task answers HTTP 200 with `code` 200, `state` `fail`, an empty `resultJson`, and
    `failCode` / `failMsg` set
    - Result URLs expire after about 24 hours; generated media is kept 14 days

    Errors:
    - **400**: taskId parameter is required
    - **401**: Unauthorized
    - **404**: Task not found
    - **429**: Rate Limited

    Args:
        task_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | GetTaskDetailsResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            task_id=task_id,
        )
    ).parsed
