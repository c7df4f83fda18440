"""A local stand-in for OpenAI's API: chat completions and the legacy completions, offline.

It checks a request the way the API does (model, messages or prompt, max_tokens, temperature 0..2,
n, seed; model names, shutdowns and per-model rules from course/data/openai_models.json), counts the
prompt's tokens with course.pricing.tokens.count_tokens, and answers in the API's response shape
(id, object, created, model, choices, usage). The reply is a toy: words drawn from a small canned
vocabulary with course.lessons.sampling at the request's temperature. It does not understand the prompt.
Nothing is sent anywhere, and the API key is never used or shown.
"""

import copy
import datetime as dt
import hashlib
import json
import os
from numbers import Real
from types import SimpleNamespace
from typing import Any

import numpy as np

from course.errors import CourseInputError
from course.lessons import openai_models, sampling
from course.pricing.tokens import count_tokens

DEPRECATIONS_URL = "https://platform.openai.com/docs/deprecations"
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
CHAT_PARAMS = {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "n", "seed"}
LEGACY_PARAMS = {"model", "prompt", "max_tokens", "temperature", "n", "seed"}
MESSAGE_KEYS = {"role", "content", "name"}

# The toy model: a vocabulary, fixed word-to-word scores, and an end-of-reply token.
VOCABULARY = (
    "scoop",
    "pure",
    "joy",
    "from",
    "the",
    "farm",
    "organic",
    "cream",
    "made",
    "with",
    "love",
    "nature's",
    "sweetest",
    "treat",
    "every",
    "spoonful",
    "cool",
    "fresh",
    "real",
    "taste",
    "simply",
    "good",
    "happy",
    "cows",
    "green",
    "fields",
    "cloud",
    "answers",
    "fast",
)
END = len(VOCABULARY)
_PAIR_SCORES = np.random.default_rng(2022).normal(0.0, 1.0, (END + 1, END + 1))
REPEAT_PENALTY = 4.0  # a word already used is much less likely to come again
END_RAMP = 0.45  # the end of the reply becomes more likely with every word
MAX_WORDS = 24


def _json_type(value: object) -> str:
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


def _missing(param: str) -> BadRequestError:
    """The API's error for a required parameter left out."""
    return BadRequestError(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def _seed_of(*parts: object) -> int:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def toy_reply(model: str, prompt_key: str, temperature: float, max_tokens: int, rng: np.random.Generator):
    """Words drawn one at a time for PROMPT_KEY: (text, completion tokens, finish reason)."""
    base = np.random.default_rng(_seed_of(prompt_key)).normal(0.0, 1.5, END + 1)
    words: list[str] = []
    used = np.zeros(END + 1, dtype=bool)
    previous, finish = END, "stop"
    for step in range(MAX_WORDS + 1):
        logits = base + _PAIR_SCORES[previous] - REPEAT_PENALTY * used
        logits[END] = -50.0 if step == 0 else END_RAMP * step + (50.0 if step == MAX_WORDS else 0.0)
        pick = sampling.sample(logits, temperature, rng)
        if pick == END:
            break
        candidate = " ".join([*words, VOCABULARY[pick]]).capitalize()
        if count_tokens(candidate, model).tokens > max_tokens:
            finish = "length"
            break
        words.append(VOCABULARY[pick])
        used[pick], previous = True, pick
    text = " ".join(words).capitalize()
    if finish == "stop" and count_tokens(text + ".", model).tokens <= max_tokens:
        text += "."
    return text, count_tokens(text, model).tokens, finish


class _Endpoint:
    """`client.chat.completions` or `client.completions`: one `create(**request)` method."""

    def __init__(self, client: "FakeOpenAI", endpoint: str):
        self._client, self._endpoint = client, endpoint

    def create(self, **request: Any) -> dict:
        """Send REQUEST (keyword arguments, as with the openai package) and return the response dict."""
        return self._client._handle(self._endpoint, request)


class FakeOpenAI:
    """Offline stand-in for `openai.OpenAI()`: `chat.completions.create(...)` and `completions.create(...)`.

    TODAY (a date or 'YYYY-MM-DD', default the day the course's facts were checked) decides which
    models are served: pass '2022-12-01' to call davinci as the seed notes did. Every call, answered
    or refused, is kept in `client.log`.
    """

    def __init__(self, api_key: str | None = None, today: dt.date | str | None = None):
        self._api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        if isinstance(today, str):
            today = dt.date.fromisoformat(today)
        self.today: dt.date = today or openai_models.checked_on()
        self.chat = SimpleNamespace(completions=_Endpoint(self, "chat"))
        self.completions = _Endpoint(self, "completions")
        self.log: list[dict] = []

    def __repr__(self) -> str:
        key = "set (hidden)" if self._api_key else "not set"
        return f"FakeOpenAI(today={self.today.isoformat()}, api_key {key})"

    # -- the request -------------------------------------------------------------------------

    def _handle(self, endpoint: str, request: dict) -> dict:
        entry = {"endpoint": endpoint, "request": copy.deepcopy(request)}
        self.log.append(entry)
        try:
            response = self._respond(endpoint, request, call=len(self.log))
        except APIError as error:
            entry["error"] = copy.deepcopy(error.body)
            entry["status_code"] = error.status_code
            raise
        entry["response"] = copy.deepcopy(response)
        return response

    def _model(self, endpoint: str, request: dict) -> openai_models.ModelInfo:
        name = request.get("model")
        if name is None:
            raise BadRequestError("you must provide a model parameter")
        if type(name) is not str:
            raise BadRequestError(
                f"Invalid type for 'model': expected a string, but got {_json_type(name)} instead.",
                param="model",
                code="invalid_type",
            )
        try:
            info = openai_models.model_info(name)
        except CourseInputError:
            info = None
        if info is None or info.name != name or not info.in_price_table or info.released > self.today:
            raise NotFoundError(
                f"The model `{name}` does not exist or you do not have access to it.", code="model_not_found"
            )
        if not info.served_on(self.today):
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

    @staticmethod
    def _messages(request: dict) -> list[dict]:
        if "messages" not in request:
            raise _missing("messages")
        messages = request["messages"]
        if type(messages) is not list:
            raise BadRequestError(
                "Invalid type for 'messages': expected an array of objects, "
                f"but got {_json_type(messages)} instead.",
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
                    f"Invalid type for '{where}': expected an object, but got {_json_type(message)} instead.",
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
                    raise _missing(f"{where}.{key}")
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
                        f"{_json_type(message[key])} instead. (The stand-in accepts text content only.)",
                        param=f"{where}.{key}",
                        code="invalid_type",
                    )
        return messages

    @staticmethod
    def _prompts(request: dict) -> list[str]:
        if "prompt" not in request:
            raise _missing("prompt")
        prompt = request["prompt"]
        prompts = [prompt] if type(prompt) is str else prompt
        if type(prompts) is not list or not prompts or any(type(p) is not str for p in prompts):
            raise BadRequestError(
                "Invalid type for 'prompt': expected a string or an array of strings, "
                f"but got {_json_type(prompt)} instead.",
                param="prompt",
                code="invalid_type",
            )
        return prompts

    @staticmethod
    def _whole(request: dict, name: str, low: int, high: int | None = None) -> int | None:
        if name not in request:
            return None
        value = request[name]
        if type(value) is not int:
            raise BadRequestError(
                f"Invalid type for '{name}': expected an integer, but got {_json_type(value)} instead.",
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

    @staticmethod
    def _temperature(request: dict, info: openai_models.ModelInfo) -> float:
        rule = openai_models.api_rule("temperature")
        value = request.get("temperature", rule["default"])
        if isinstance(value, bool) or not isinstance(value, Real):
            raise BadRequestError(
                f"Invalid type for 'temperature': expected a decimal, but got {_json_type(value)} instead.",
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
        if info.temperature_fixed and value != rule["default"]:
            raise BadRequestError(
                f"Unsupported value: 'temperature' does not support {value} with this model. "
                f"Only the default ({rule['default']}) value is supported.",
                param="temperature",
                code="unsupported_value",
            )
        return float(value)

    def _max_tokens(self, endpoint: str, request: dict, info: openai_models.ModelInfo) -> int | None:
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
        value = self._whole(request, name, 1)
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

    def _chat_prompt_tokens(self, messages: list[dict], model: str) -> int:
        overhead = openai_models.api_rule("chat_message_overhead")
        total = overhead["reply_priming_tokens"]
        for message in messages:
            total += overhead["tokens_per_message"]
            for key, value in message.items():
                total += count_tokens(value, model).tokens + (1 if key == "name" else 0)
        return total

    def _check_context(
        self, info: openai_models.ModelInfo, prompt_tokens: int, max_tokens: int | None
    ) -> None:
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

    # -- the response ------------------------------------------------------------------------

    def _respond(self, endpoint: str, request: dict, call: int) -> dict:
        allowed = CHAT_PARAMS if endpoint == "chat" else LEGACY_PARAMS
        unknown = sorted(set(request) - allowed)
        if unknown:
            raise BadRequestError(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
        info = self._model(endpoint, request)
        if endpoint == "chat":
            messages = self._messages(request)
            prompts = [json.dumps(messages, sort_keys=True)]
            prompt_tokens = self._chat_prompt_tokens(messages, info.name)
        else:
            prompts = self._prompts(request)
            prompt_tokens = sum(count_tokens(p, info.name).tokens for p in prompts)
        temperature = self._temperature(request, info)
        max_tokens = self._max_tokens(endpoint, request, info)
        n_rule = openai_models.api_rule("n")
        n = self._whole(request, "n", n_rule["min"], n_rule["max"]) or n_rule["default"]
        seed = self._whole(request, "seed", -(2**63))
        self._check_context(info, prompt_tokens // len(prompts), max_tokens)

        limit = max_tokens if max_tokens is not None else info.max_output_tokens
        choices, completion_tokens = [], 0
        for prompt in prompts:
            for _ in range(n):
                index = len(choices)
                rng = np.random.default_rng(
                    _seed_of(seed, index) if seed is not None else _seed_of(prompt, call, index)
                )
                text, used, finish = toy_reply(info.name, prompt, temperature, limit, rng)
                completion_tokens += used
                if endpoint == "chat":
                    message = {"role": "assistant", "content": text, "refusal": None}
                    choices.append(
                        {"index": index, "message": message, "logprobs": None, "finish_reason": finish}
                    )
                else:
                    choices.append(
                        {"text": " " + text, "index": index, "logprobs": None, "finish_reason": finish}
                    )
        created = int(dt.datetime.combine(self.today, dt.time(), dt.UTC).timestamp()) + call
        prefix, kind = (
            ("chatcmpl-", "chat.completion") if endpoint == "chat" else ("cmpl-", "text_completion")
        )
        return {
            "id": prefix
            + hashlib.sha256(
                f"{call}:{json.dumps(request, sort_keys=True, default=str)}".encode()
            ).hexdigest()[:24],
            "object": kind,
            "created": created,
            "model": info.name,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
