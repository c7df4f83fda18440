"""The offline stand-in for OpenAI's API: request checks, response shapes, usage, temperature."""

import pytest

from course.lessons.fake_openai import VOCABULARY, BadRequestError, FakeOpenAI, NotFoundError, toy_reply
from course.pricing.tokens import count_tokens

MESSAGES = [
    {"role": "system", "content": "You write short, upbeat slogans."},
    {"role": "user", "content": "Create a slogan for an organic ice cream company."},
]


def chat(client=None, **changes):
    request = {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 20, "temperature": 0, **changes}
    return (client or FakeOpenAI()).chat.completions.create(**request)


def test_chat_response_shape():
    response = chat()
    assert set(response) == {"id", "object", "created", "model", "choices", "usage"}
    assert response["object"] == "chat.completion" and response["id"].startswith("chatcmpl-")
    assert response["model"] == "gpt-4o-mini"
    (choice,) = response["choices"]
    assert choice["index"] == 0 and choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] in {"stop", "length"}
    content = choice["message"]["content"]
    assert content and all(w.strip(".").lower() in VOCABULARY for w in content.split())


def test_usage_counts_tokens_with_the_chat_overhead():
    usage = chat()["usage"]
    content_tokens = sum(
        count_tokens(m[k], "gpt-4o-mini").tokens for m in MESSAGES for k in ("role", "content")
    )
    assert usage["prompt_tokens"] == content_tokens + 3 * len(MESSAGES) + 3
    reply = chat()["choices"][0]["message"]["content"]
    assert usage["completion_tokens"] == count_tokens(reply, "gpt-4o-mini").tokens
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_name_adds_a_token():
    named = [MESSAGES[0], {**MESSAGES[1], "name": "ana"}]
    extra = count_tokens("ana", "gpt-4o-mini").tokens + 1
    assert chat(messages=named)["usage"]["prompt_tokens"] == chat()["usage"]["prompt_tokens"] + extra


def test_temperature_zero_repeats_and_higher_temperature_varies():
    client = FakeOpenAI()
    cold = {c["message"]["content"] for c in chat(client, n=5)["choices"]}
    assert len(cold) == 1
    hot = {c["message"]["content"] for c in chat(client, n=5, temperature=1.5)["choices"]}
    assert len(hot) > 1


def test_a_fresh_client_replays_the_same_answers_and_a_seed_repeats():
    first = [chat(temperature=1.0)["choices"][0]["message"]["content"] for _ in range(2)]
    client_a, client_b = FakeOpenAI(), FakeOpenAI()
    a = [chat(client_a, temperature=1.0)["choices"][0]["message"]["content"] for _ in range(3)]
    b = [chat(client_b, temperature=1.0)["choices"][0]["message"]["content"] for _ in range(3)]
    assert a == b and first[0] == a[0]
    seeded = {chat(client_a, temperature=1.3, seed=11)["choices"][0]["message"]["content"] for _ in range(3)}
    assert len(seeded) == 1


def test_max_tokens_caps_the_reply():
    response = chat(max_tokens=3, temperature=1.0)
    assert response["usage"]["completion_tokens"] <= 3
    assert response["choices"][0]["finish_reason"] == "length"


def test_n_choices_sum_their_tokens():
    response = chat(n=3, temperature=1.2)
    assert [c["index"] for c in response["choices"]] == [0, 1, 2]
    assert response["usage"]["completion_tokens"] == sum(
        count_tokens(c["message"]["content"], "gpt-4o-mini").tokens for c in response["choices"]
    )


def test_legacy_completions_in_2022_and_today():
    old = FakeOpenAI(today="2022-12-01")
    response = old.completions.create(model="davinci", prompt="Create a slogan for an ice cream shop.")
    assert response["object"] == "text_completion" and response["id"].startswith("cmpl-")
    assert response["choices"][0]["text"].startswith(" ")
    assert (
        response["usage"]["prompt_tokens"]
        == count_tokens("Create a slogan for an ice cream shop.", "davinci").tokens
    )
    assert response["usage"]["completion_tokens"] <= 16  # the legacy default max_tokens
    with pytest.raises(NotFoundError, match="has been deprecated"):
        FakeOpenAI().completions.create(model="davinci", prompt="hi")
    with pytest.raises(NotFoundError, match="does not exist"):
        old.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    with pytest.raises(NotFoundError, match="chat model"):
        FakeOpenAI().completions.create(model="gpt-4o", prompt="hi")
    with pytest.raises(NotFoundError, match="not a chat model"):
        old.chat.completions.create(model="davinci", messages=MESSAGES)


def test_a_list_of_prompts_gives_a_choice_each():
    old = FakeOpenAI(today="2023-06-01")
    response = old.completions.create(model="ada", prompt=["one", "two"], max_tokens=5, n=2)
    assert len(response["choices"]) == 4


@pytest.mark.parametrize(
    ("changes", "error", "text"),
    [
        ({"model": None}, BadRequestError, "must provide a model"),
        ({"model": 4}, BadRequestError, "expected a string"),
        ({"model": "GPT-4o-mini"}, NotFoundError, "does not exist"),
        ({"model": "gpt-3.5-turbo-0125"}, NotFoundError, "deprecated"),
        ({"messages": "hi"}, BadRequestError, "expected an array of objects, but got a string"),
        ({"messages": []}, BadRequestError, "empty array"),
        ({"messages": ["hi"]}, BadRequestError, "messages\\[0\\]': expected an object"),
        ({"messages": [{"role": "bot", "content": "x"}]}, BadRequestError, "Invalid value: 'bot'"),
        ({"messages": [{"content": "x"}]}, BadRequestError, "messages\\[0\\].role"),
        ({"messages": [{"role": "user", "content": 5}]}, BadRequestError, "content': expected a string"),
        (
            {"messages": [{"role": "user", "content": "x", "mood": "ok"}]},
            BadRequestError,
            "'mood' was unexpected",
        ),
        ({"temperature": 2.5}, BadRequestError, "<= 2, but got 2.5"),
        ({"temperature": -1}, BadRequestError, ">= 0, but got -1"),
        ({"temperature": "0.5"}, BadRequestError, "expected a decimal"),
        ({"max_tokens": 0}, BadRequestError, ">= 1"),
        ({"max_tokens": 2.0}, BadRequestError, "expected an integer"),
        ({"max_tokens": 100_000}, BadRequestError, "at most 16384 completion tokens"),
        ({"max_completion_tokens": 5}, BadRequestError, "not both"),
        ({"max_token": 5}, BadRequestError, "Unrecognized request argument supplied: max_token"),
        ({"n": 0}, BadRequestError, ">= 1"),
        ({"model": "gpt-5"}, BadRequestError, "Only the default \\(1\\) value"),
        ({"model": "gpt-5", "temperature": 1}, BadRequestError, "Use 'max_completion_tokens'"),
    ],
)
def test_requests_are_checked_like_the_api(changes, error, text):
    request = {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 20, "temperature": 0, **changes}
    request = {k: v for k, v in request.items() if v is not None}
    client = FakeOpenAI()
    with pytest.raises(error, match=text) as caught:
        client.chat.completions.create(**request)
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert client.log[-1]["status_code"] == error.status_code and "response" not in client.log[-1]


def test_missing_messages_and_prompt():
    with pytest.raises(BadRequestError, match="Missing required parameter: 'messages'"):
        FakeOpenAI().chat.completions.create(model="gpt-4o-mini")
    with pytest.raises(BadRequestError, match="Missing required parameter: 'prompt'"):
        FakeOpenAI(today="2023-01-01").completions.create(model="ada")


def test_gpt5_works_with_max_completion_tokens_and_the_default_temperature():
    request = {"model": "gpt-5-nano", "messages": MESSAGES, "max_completion_tokens": 30}
    assert FakeOpenAI().chat.completions.create(**request)["usage"]["completion_tokens"] <= 30


def test_gpt_5_4_takes_a_temperature_only_with_reasoning_off():
    request = {"model": "gpt-5.4-nano", "messages": MESSAGES, "max_completion_tokens": 20, "temperature": 0}
    with pytest.raises(BadRequestError, match="Only the default \\(1\\) value"):
        FakeOpenAI().chat.completions.create(**request)
    with pytest.raises(BadRequestError, match="Only the default \\(1\\) value"):
        FakeOpenAI().chat.completions.create(**request, reasoning_effort="low")
    response = FakeOpenAI().chat.completions.create(**request, reasoning_effort="none")
    assert response["model"] == "gpt-5.4-nano" and response["usage"]["completion_tokens"] <= 20
    with pytest.raises(BadRequestError, match="does not support 'none'"):
        FakeOpenAI().chat.completions.create(model="gpt-5", messages=MESSAGES, reasoning_effort="none")
    with pytest.raises(BadRequestError, match="'reasoning_effort' is not supported"):
        FakeOpenAI().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, reasoning_effort="low")


def test_other_providers_models_and_shutdowns():
    with pytest.raises(NotFoundError, match="does not exist"):
        FakeOpenAI().chat.completions.create(model="amazon.nova-micro-v1:0", messages=MESSAGES)
    request = {"model": "gpt-5-nano", "messages": MESSAGES}
    assert FakeOpenAI(today="2026-12-10").chat.completions.create(**request)["model"] == "gpt-5-nano"
    with pytest.raises(NotFoundError, match="deprecated"):
        FakeOpenAI(today="2026-12-11").chat.completions.create(**request)


def test_context_window_is_enforced():
    old = FakeOpenAI(today="2023-06-01")
    with pytest.raises(BadRequestError, match="2049 tokens. However, you requested 2101 tokens"):
        old.completions.create(model="davinci", prompt="word " * 1_000, max_tokens=1_100)
    huge = [{"role": "user", "content": "word " * 130_000}]
    with pytest.raises(BadRequestError, match="128000 tokens. However, your messages resulted in"):
        FakeOpenAI().chat.completions.create(model="gpt-4o-mini", messages=huge)


def test_the_log_keeps_copies_and_the_key_stays_hidden(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value")
    client = FakeOpenAI()
    request = {"model": "gpt-4o-mini", "messages": [dict(m) for m in MESSAGES]}
    response = client.chat.completions.create(**request)
    request["messages"][0]["content"] = "changed"
    assert client.log[0]["request"]["messages"][0]["content"] == MESSAGES[0]["content"]
    assert client.log[0]["response"] == response
    assert "sk-test" not in repr(client) and "set (hidden)" in repr(client)


def test_toy_reply_at_temperature_zero_ignores_the_generator():
    import numpy as np

    a = toy_reply("gpt-4o", "prompt", 0, 50, np.random.default_rng(1))
    b = toy_reply("gpt-4o", "prompt", 0, 50, np.random.default_rng(2))
    assert a == b
