"""The errors of the OpenAI stand-in: the API's HTTP status and error body."""


def json_type(value: object) -> str:
    """How the API names the JSON type of VALUE in its error messages."""
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a decimal number",
        list: "an array",
        tuple: "an array",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


class APIError(Exception):
    """An error answer of the API: HTTP status and the {"error": {...}} body."""

    status_code = 400

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        self.body = {
            "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
        }
        super().__init__(f"Error code: {self.status_code} - {self.body}")

    @property
    def message(self) -> str:
        """The error's message, as the API words it."""
        return self.body["error"]["message"]


class BadRequestError(APIError):
    """HTTP 400: the request is malformed or asks for something the model does not allow."""

    status_code = 400


class NotFoundError(APIError):
    """HTTP 404: no such model for you (unknown, shut down, or on the other endpoint)."""

    status_code = 404


def missing(param: str) -> BadRequestError:
    """The API's error for a required parameter left out."""
    return BadRequestError(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )
