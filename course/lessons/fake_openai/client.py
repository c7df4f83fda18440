"""`FakeOpenAI`: the stand-in's client object, its two endpoints, and the responses it builds."""

import copy
import datetime as dt
import hashlib
import json
import os
from types import SimpleNamespace
from typing import Any

import numpy as np

from course.lessons import openai_models
from course.lessons.fake_openai import requests
from course.lessons.fake_openai.errors import APIError, BadRequestError
from course.lessons.fake_openai.toy_model import seed_of, toy_reply
from course.pricing.tokens import count_tokens

CHAT_PARAMS = {
    "model",
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "n",
    "seed",
    "reasoning_effort",
}
LEGACY_PARAMS = {"model", "prompt", "max_tokens", "temperature", "n", "seed"}


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
    models are served: pass '2022-12-01' to call davinci as it was served then. Every call, answered
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

    def _respond(self, endpoint: str, request: dict, call: int) -> dict:
        allowed = CHAT_PARAMS if endpoint == "chat" else LEGACY_PARAMS
        unknown = sorted(set(request) - allowed)
        if unknown:
            raise BadRequestError(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
        info = requests.checked_model(endpoint, request, self.today)
        if endpoint == "chat":
            messages = requests.checked_messages(request)
            prompts = [json.dumps(messages, sort_keys=True)]
            prompt_tokens = requests.chat_prompt_tokens(messages, info.name)
        else:
            prompts = requests.checked_prompts(request)
            prompt_tokens = sum(count_tokens(p, info.name).tokens for p in prompts)
        requests.checked_reasoning_effort(request, info)
        temperature = requests.checked_temperature(request, info)
        max_tokens = requests.checked_max_tokens(endpoint, request, info)
        n_rule = openai_models.api_rule("n")
        n = requests.whole_number(request, "n", n_rule["min"], n_rule["max"]) or n_rule["default"]
        seed = requests.whole_number(request, "seed", -(2**63))
        requests.check_context(info, prompt_tokens // len(prompts), max_tokens)

        limit = max_tokens if max_tokens is not None else info.max_output_tokens
        choices, completion_tokens = [], 0
        for prompt in prompts:
            for _ in range(n):
                index = len(choices)
                rng = np.random.default_rng(
                    seed_of(seed, index) if seed is not None else seed_of(prompt, call, index)
                )
                text, used, finish = toy_reply(info.name, prompt, temperature, limit, rng)
                completion_tokens += used
                choices.append(_choice(endpoint, index, text, finish))
        return self._response(endpoint, request, call, info.name, choices, prompt_tokens, completion_tokens)

    def _response(
        self, endpoint: str, request: dict, call: int, model: str, choices: list, prompt: int, completion: int
    ) -> dict:
        created = int(dt.datetime.combine(self.today, dt.time(), dt.UTC).timestamp()) + call
        chat = endpoint == "chat"
        prefix, kind = ("chatcmpl-", "chat.completion") if chat else ("cmpl-", "text_completion")
        key = f"{call}:{json.dumps(request, sort_keys=True, default=str)}"
        return {
            "id": prefix + hashlib.sha256(key.encode()).hexdigest()[:24],
            "object": kind,
            "created": created,
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


def _choice(endpoint: str, index: int, text: str, finish: str) -> dict:
    """One entry of `choices`, in the shape of ENDPOINT's response."""
    if endpoint == "chat":
        message = {"role": "assistant", "content": text, "refusal": None}
        return {"index": index, "message": message, "logprobs": None, "finish_reason": finish}
    return {"text": " " + text, "index": index, "logprobs": None, "finish_reason": finish}
