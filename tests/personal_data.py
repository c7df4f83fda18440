"""The personal data of the seed notes, kept as digests so that the tests guarding it do not repeat it."""

import hashlib
import re

# sha256 of the lower-case words: the author's name, the e-mail host and the e-mail's local part.
GUARDED = {
    "8b5a08e9aaed258b25dee81598aca4f26461999c1fe0a449ecc72057adcb3a2e",
    "20802595e0c78e24418ae966d98cef8238c5ef6e50b839812ab600b64cbc5cde",
    "4e4eaea8a2e2e357f997b16bd033509f68cf57afe9e4c954bb68e476252e20ed",
}


def personal_words(text: str) -> int:
    """How many words of TEXT are guarded personal data (compared by digest, never in clear)."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    return sum(hashlib.sha256(word.encode()).hexdigest() in GUARDED for word in words)
