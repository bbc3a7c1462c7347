"""Contains all the data models used in inputs/outputs"""

from .api_response import ApiResponse
from .base64_upload_request import Base64UploadRequest
from .character_edit_input import CharacterEditInput
from .character_edit_model import CharacterEditModel
from .character_edit_request import CharacterEditRequest
from .character_input import CharacterInput
from .character_model import CharacterModel
from .character_remix_input import CharacterRemixInput
from .character_remix_model import CharacterRemixModel
from .character_remix_request import CharacterRemixRequest
from .character_request import CharacterRequest
from .create_task_response import CreateTaskResponse
from .created_task import CreatedTask
from .credit_balance_response import CreditBalanceResponse
from .download_url_request import DownloadUrlRequest
from .download_url_response import DownloadUrlResponse
from .file_upload_result import FileUploadResult
from .file_upload_result_data import FileUploadResultData
from .image_size import ImageSize
from .num_images import NumImages
from .rendering_speed import RenderingSpeed
from .response_code import ResponseCode
from .stream_upload_request import StreamUploadRequest
from .style import Style
from .task_details import TaskDetails
from .task_details_response import TaskDetailsResponse
from .task_details_response_code import TaskDetailsResponseCode
from .task_details_state import TaskDetailsState
from .url_upload_request import UrlUploadRequest

__all__ = (
    "ApiResponse",
    "Base64UploadRequest",
    "CharacterEditInput",
    "CharacterEditModel",
    "CharacterEditRequest",
    "CharacterInput",
    "CharacterModel",
    "CharacterRemixInput",
    "CharacterRemixModel",
    "CharacterRemixRequest",
    "CharacterRequest",
    "CreatedTask",
    "CreateTaskResponse",
    "CreditBalanceResponse",
    "DownloadUrlRequest",
    "DownloadUrlResponse",
    "FileUploadResult",
    "FileUploadResultData",
    "ImageSize",
    "NumImages",
    "RenderingSpeed",
    "ResponseCode",
    "StreamUploadRequest",
    "Style",
    "TaskDetails",
    "TaskDetailsResponse",
    "TaskDetailsResponseCode",
    "TaskDetailsState",
    "UrlUploadRequest",
)
