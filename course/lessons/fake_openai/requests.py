"""Request checks of the OpenAI stand-in: each parameter checked, and refused in the API's own words."""

import datetime as dt
from numbers import Real

from course.errors import CourseInputError
from course.lessons import openai_models
from course.lessons.fake_openai.errors import BadRequestError, NotFoundError, json_type, missing
from course.pricing.tokens import count_tokens

DEPRECATIONS_URL = "https://platform.openai.com/docs/deprecations"
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
MESSAGE_KEYS = {"role", "content", "name"}


def checked_model(endpoint: str, request: dict, today: dt.date) -> openai_models.ModelInfo:
    """The model REQUEST names, if it is served on ENDPOINT on the day TODAY; else the API's error."""
    name = request.get("model")
    if name is None:
        raise BadRequestError("you must provide a model parameter")
    if type(name) is not str:
        raise BadRequestError(
            f"Invalid type for 'model': expected a string, but got {json_type(name)} instead.",
            param="model",
            code="invalid_type",
        )
    try:
        info = openai_models.model_info(name)
    except CourseInputError:
        info = None
    if info is None or info.name != name or info.provider != "openai" or info.released > today:
        raise NotFoundError(
            f"The model `{name}` does not exist or you do not have access to it.", code="model_not_found"
        )
    if not info.served_on(today):
        raise NotFoundError(
            f"The model `{name}` has been deprecated, learn more here: {DEPRECATIONS_URL}",
            code="model_not_found",
        )
    if endpoint == "chat" and info.endpoint != "chat":
        raise NotFoundError(
            "This is not a chat model and thus not supported in the v1/chat/completions endpoint. "
            "Did you mean to use v1/completions?",
            code="model_not_found",
        )
    if endpoint == "completions" and info.endpoint != "completions":
        raise NotFoundError(
            "This is a chat model and not supported in the v1/completions endpoint. "
            "Did you mean to use v1/chat/completions?",
            code="model_not_found",
        )
    return info


def checked_messages(request: dict) -> list[dict]:
    """The chat messages of REQUEST, checked the way the API checks them."""
    if "messages" not in request:
        raise missing("messages")
    messages = request["messages"]
    if type(messages) is not list:
        raise BadRequestError(
            "Invalid type for 'messages': expected an array of objects, "
            f"but got {json_type(messages)} instead.",
            param="messages",
            code="invalid_type",
        )
    if not messages:
        raise BadRequestError(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if type(message) is not dict:
            raise BadRequestError(
                f"Invalid type for '{where}': expected an object, but got {json_type(message)} instead.",
                param=where,
                code="invalid_type",
            )
        extra = sorted(set(message) - MESSAGE_KEYS)
        if extra:
            raise BadRequestError(
                f"Additional properties are not allowed ('{extra[0]}' was unexpected) - 'messages.{i}'",
                param=where,
                code="invalid_value",
            )
        for key in ("role", "content"):
            if key not in message:
                raise missing(f"{where}.{key}")
        if message["role"] not in ROLES:
            supported = ", ".join(f"'{r}'" for r in ROLES[:-1]) + f", and '{ROLES[-1]}'"
            raise BadRequestError(
                f"Invalid value: '{message['role']}'. Supported values are: {supported}.",
                param=f"{where}.role",
                code="invalid_value",
            )
        for key in ("content", "name"):
            if key in message and type(message[key]) is not str:
                raise BadRequestError(
                    f"Invalid type for '{where}.{key}': expected a string, but got "
                    f"{json_type(message[key])} instead. (The stand-in accepts text content only.)",
                    param=f"{where}.{key}",
                    code="invalid_type",
                )
    return messages


def checked_prompts(request: dict) -> list[str]:
    """The legacy prompt(s) of REQUEST as a list of strings."""
    if "prompt" not in request:
        raise missing("prompt")
    prompt = request["prompt"]
    prompts = [prompt] if type(prompt) is str else prompt
    if type(prompts) is not list or not prompts or any(type(p) is not str for p in prompts):
        raise BadRequestError(
            "Invalid type for 'prompt': expected a string or an array of strings, "
            f"but got {json_type(prompt)} instead.",
            param="prompt",
            code="invalid_type",
        )
    return prompts


def whole_number(request: dict, name: str, low: int, high: int | None = None) -> int | None:
    """The integer parameter NAME of REQUEST within LOW..HIGH, or None when it is not given."""
    if name not in request:
        return None
    value = request[name]
    if type(value) is not int:
        raise BadRequestError(
            f"Invalid type for '{name}': expected an integer, but got {json_type(value)} instead.",
            param=name,
            code="invalid_type",
        )
    if value < low:
        raise BadRequestError(
            f"Invalid '{name}': integer below minimum value. "
            f"Expected a value >= {low}, but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if high is not None and value > high:
        raise BadRequestError(
            f"Invalid '{name}': integer above maximum value. "
            f"Expected a value <= {high}, but got {value} instead.",
            param=name,
            code="integer_above_max_value",
        )
    return value


def checked_temperature(request: dict, info: openai_models.ModelInfo) -> float:
    """The temperature of REQUEST (the default when absent) within the API's range and the model's rule."""
    rule = openai_models.api_rule("temperature")
    value = request.get("temperature", rule["default"])
    if isinstance(value, bool) or not isinstance(value, Real):
        raise BadRequestError(
            f"Invalid type for 'temperature': expected a decimal, but got {json_type(value)} instead.",
            param="temperature",
            code="invalid_type",
        )
    if value > rule["max"]:
        raise BadRequestError(
            f"Invalid 'temperature': decimal above maximum value. Expected a value <= {rule['max']}, "
            f"but got {value} instead.",
            param="temperature",
            code="decimal_above_max_value",
        )
    if value < rule["min"]:
        raise BadRequestError(
            f"Invalid 'temperature': decimal below minimum value. Expected a value >= {rule['min']}, "
            f"but got {value} instead.",
            param="temperature",
            code="decimal_below_min_value",
        )
    reasoning_off = info.temperature_with_reasoning_none and request.get("reasoning_effort") == "none"
    if info.temperature_fixed and value != rule["default"] and not reasoning_off:
        raise BadRequestError(
            f"Unsupported value: 'temperature' does not support {value} with this model. "
            f"Only the default ({rule['default']}) value is supported.",
            param="temperature",
            code="unsupported_value",
        )
    return float(value)


def checked_reasoning_effort(request: dict, info: openai_models.ModelInfo) -> str | None:
    """The reasoning_effort of REQUEST, for reasoning models only ('none' only from GPT-5.1 on)."""
    if "reasoning_effort" not in request:
        return None
    value = request["reasoning_effort"]
    if not info.temperature_fixed:
        raise BadRequestError(
            "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
            param="reasoning_effort",
            code="unsupported_parameter",
        )
    values = openai_models.api_rule("reasoning_effort")["values"]
    allowed = (
        values
        if info.temperature_with_reasoning_none
        else [v for v in values if v in ("low", "medium", "high")]
    )
    if value not in allowed:
        supported = ", ".join(f"'{v}'" for v in allowed)
        raise BadRequestError(
            f"Unsupported value: 'reasoning_effort' does not support {value!r} with this model. "
            f"Supported values are: {supported}.",
            param="reasoning_effort",
            code="unsupported_value",
        )
    return value


def checked_max_tokens(endpoint: str, request: dict, info: openai_models.ModelInfo) -> int | None:
    """The completion-token limit of REQUEST (max_tokens or max_completion_tokens), per the model's rules."""
    if "max_tokens" in request and "max_completion_tokens" in request:
        raise BadRequestError(
            "Set max_tokens or max_completion_tokens, not both.", param="max_tokens", code="invalid_value"
        )
    if "max_tokens" in request and info.max_tokens_param != "max_tokens":
        raise BadRequestError(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            param="max_tokens",
            code="unsupported_parameter",
        )
    name = "max_completion_tokens" if "max_completion_tokens" in request else "max_tokens"
    value = whole_number(request, name, 1)
    if value is not None and value > info.max_output_tokens:
        raise BadRequestError(
            f"{name} is too large: {value}. This model supports at most {info.max_output_tokens} "
            f"completion tokens, whereas you provided {value}.",
            param=name,
            code="invalid_value",
        )
    if value is None and endpoint == "completions":
        value = openai_models.api_rule("completions_default_max_tokens")["value"]
    return value


def chat_prompt_tokens(messages: list[dict], model: str) -> int:
    """Prompt tokens of chat MESSAGES: their content plus the API's per-message overhead."""
    overhead = openai_models.api_rule("chat_message_overhead")
    total = overhead["reply_priming_tokens"]
    for message in messages:
        total += overhead["tokens_per_message"]
        for key, value in message.items():
            total += count_tokens(value, model).tokens + (1 if key == "name" else 0)
    return total


def check_context(info: openai_models.ModelInfo, prompt_tokens: int, max_tokens: int | None) -> None:
    """Refuse a request whose prompt and completion do not fit in the model's context window."""
    if max_tokens is None and prompt_tokens > info.context_tokens:
        raise BadRequestError(
            f"This model's maximum context length is {info.context_tokens} tokens. "
            f"However, your messages resulted in {prompt_tokens} tokens. "
            "Please reduce the length of the messages.",
            param="messages",
            code="context_length_exceeded",
        )
    if max_tokens is not None and prompt_tokens + max_tokens > info.context_tokens:
        raise BadRequestError(
            f"This model's maximum context length is {info.context_tokens} tokens. "
            f"However, you requested {prompt_tokens + max_tokens} tokens "
            f"({prompt_tokens} in the messages, {max_tokens} in the completion). "
            "Please reduce the length of the messages or completion.",
            param="messages",
            code="context_length_exceeded",
        )
