"""A local stand-in for OpenAI's API: chat completions and the legacy completions, offline.

It checks a request the way the API does (model, messages or prompt, max_tokens, temperature 0..2,
n, seed, reasoning_effort; model names, shutdowns and per-model rules from
course/data/openai_models.json; models of other providers are refused), counts the
prompt's tokens with course.pricing.tokens.count_tokens, and answers in the API's response shape
(id, object, created, model, choices, usage). The reply is a toy: words drawn from a small canned
vocabulary with course.lessons.sampling at the request's temperature. It does not understand the prompt.
Nothing is sent anywhere, and the API key is never used or shown.

Parts: `client` (the client and its responses), `requests` (the checks of each parameter),
`errors` (the API's errors), `toy_model` (the reply).
"""

from course.lessons.fake_openai.client import FakeOpenAI
from course.lessons.fake_openai.errors import APIError, BadRequestError, NotFoundError
from course.lessons.fake_openai.toy_model import VOCABULARY, toy_reply

__all__ = ["APIError", "BadRequestError", "FakeOpenAI", "NotFoundError", "VOCABULARY", "toy_reply"]
