"""Contains all the data models used in inputs/outputs"""

from .api_response import ApiResponse
from .api_response_code import ApiResponseCode
from .create_task_response_200 import CreateTaskResponse200
from .create_task_response_200_data import CreateTaskResponse200Data
from .file_upload_result import FileUploadResult
from .file_upload_result_data import FileUploadResultData
from .get_account_credits_response_200 import GetAccountCreditsResponse200
from .get_download_url_body import GetDownloadUrlBody
from .get_download_url_response_200 import GetDownloadUrlResponse200
from .get_task_details_response_200 import GetTaskDetailsResponse200
from .get_task_details_response_200_code import GetTaskDetailsResponse200Code
from .get_task_details_response_200_data import GetTaskDetailsResponse200Data
from .get_task_details_response_200_data_state import GetTaskDetailsResponse200DataState
from .ideogram_character_body import IdeogramCharacterBody
from .ideogram_character_body_input import IdeogramCharacterBodyInput
from .ideogram_character_body_input_image_size import (
    IdeogramCharacterBodyInputImageSize,
)
from .ideogram_character_body_input_num_images import (
    IdeogramCharacterBodyInputNumImages,
)
from .ideogram_character_body_input_rendering_speed import (
    IdeogramCharacterBodyInputRenderingSpeed,
)
from .ideogram_character_body_input_style import IdeogramCharacterBodyInputStyle
from .ideogram_character_body_model import IdeogramCharacterBodyModel
from .ideogram_character_edit_body import IdeogramCharacterEditBody
from .ideogram_character_edit_body_input import IdeogramCharacterEditBodyInput
from .ideogram_character_edit_body_input_num_images import (
    IdeogramCharacterEditBodyInputNumImages,
)
from .ideogram_character_edit_body_input_rendering_speed import (
    IdeogramCharacterEditBodyInputRenderingSpeed,
)
from .ideogram_character_edit_body_input_style import (
    IdeogramCharacterEditBodyInputStyle,
)
from .ideogram_character_edit_body_model import IdeogramCharacterEditBodyModel
from .ideogram_character_remix_body import IdeogramCharacterRemixBody
from .ideogram_character_remix_body_input import IdeogramCharacterRemixBodyInput
from .ideogram_character_remix_body_input_image_size import (
    IdeogramCharacterRemixBodyInputImageSize,
)
from .ideogram_character_remix_body_input_num_images import (
    IdeogramCharacterRemixBodyInputNumImages,
)
from .ideogram_character_remix_body_input_rendering_speed import (
    IdeogramCharacterRemixBodyInputRenderingSpeed,
)
from .ideogram_character_remix_body_input_style import (
    IdeogramCharacterRemixBodyInputStyle,
)
from .ideogram_character_remix_body_model import IdeogramCharacterRemixBodyModel
from .upload_file_base_64_body import UploadFileBase64Body
from .upload_file_stream_body import UploadFileStreamBody
from .upload_file_url_body import UploadFileUrlBody

__all__ = (
    "ApiResponse",
    "ApiResponseCode",
    "CreateTaskResponse200",
    "CreateTaskResponse200Data",
    "FileUploadResult",
    "FileUploadResultData",
    "GetAccountCreditsResponse200",
    "GetDownloadUrlBody",
    "GetDownloadUrlResponse200",
    "GetTaskDetailsResponse200",
    "GetTaskDetailsResponse200Code",
    "GetTaskDetailsResponse200Data",
    "GetTaskDetailsResponse200DataState",
    "IdeogramCharacterBody",
    "IdeogramCharacterBodyInput",
    "IdeogramCharacterBodyInputImageSize",
    "IdeogramCharacterBodyInputNumImages",
    "IdeogramCharacterBodyInputRenderingSpeed",
    "IdeogramCharacterBodyInputStyle",
    "IdeogramCharacterBodyModel",
    "IdeogramCharacterEditBody",
    "IdeogramCharacterEditBodyInput",
    "IdeogramCharacterEditBodyInputNumImages",
    "IdeogramCharacterEditBodyInputRenderingSpeed",
    "IdeogramCharacterEditBodyInputStyle",
    "IdeogramCharacterEditBodyModel",
    "IdeogramCharacterRemixBody",
    "IdeogramCharacterRemixBodyInput",
    "IdeogramCharacterRemixBodyInputImageSize",
    "IdeogramCharacterRemixBodyInputNumImages",
    "IdeogramCharacterRemixBodyInputRenderingSpeed",
    "IdeogramCharacterRemixBodyInputStyle",
    "IdeogramCharacterRemixBodyModel",
    "UploadFileBase64Body",
    "UploadFileStreamBody",
    "UploadFileUrlBody",
)
