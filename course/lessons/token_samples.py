"""Check the token rules of thumb (4 characters, 3/4 of a word) on English, French, Japanese and code.

The texts were written for the course: the same paragraph in three languages, and a short Python
function. Counts come from course.pricing.tokens.count_tokens (the models' own tokenizers, offline).
"""

from dataclasses import dataclass

import pandas as pd

from course.errors import CourseInputError
from course.pricing.tokens import (
    OFFLINE_ENCODINGS,
    chars_to_tokens,
    count_tokens,
    model_price,
    words_to_tokens,
)


@dataclass(frozen=True)
class Sample:
    """A text to tokenize, and whether its words are separated by spaces (so words can be counted)."""

    name: str
    text: str
    spaced_words: bool


ENGLISH = (
    "Cloud computing lets a company rent computing power, storage and databases over the internet "
    "and pay only for what it uses. Instead of buying servers years in advance, a team can start a "
    "machine in minutes, run an experiment, and switch it off when the work is done. The provider "
    "looks after the buildings, the power, the cooling and the hardware, while the customer decides "
    "what to build and who may use it. Prices are published per hour, per gigabyte or per request, so "
    "the cost of an idea can be estimated before a single line of code is written."
)
FRENCH = (
    "L'informatique en nuage permet à une entreprise de louer de la puissance de calcul, du stockage "
    "et des bases de données par Internet, et de ne payer que ce qu'elle utilise. Au lieu d'acheter "
    "des serveurs des années à l'avance, une équipe peut démarrer une machine en quelques minutes, "
    "mener une expérience, puis l'arrêter une fois le travail terminé. Le fournisseur s'occupe des "
    "bâtiments, de l'électricité, du refroidissement et du matériel, tandis que le client décide de ce "
    "qu'il construit et de qui peut l'utiliser. Les prix sont publiés à l'heure, au gigaoctet ou à la "
    "requête : on peut donc estimer le coût d'une idée avant d'écrire la moindre ligne de code."
)
JAPANESE = (
    "クラウドコンピューティングを使うと、企業は計算能力、ストレージ、データベースをインターネット経由で"
    "借り、使った分だけ料金を支払うことができます。何年も前からサーバーを購入する代わりに、チームは数分で"
    "マシンを起動し、実験を行い、作業が終わったら停止できます。建物、電力、冷却、ハードウェアの管理は"
    "プロバイダーが行い、何を構築し誰が利用できるかは顧客が決めます。料金は1時間あたり、1ギガバイトあたり、"
    "または1リクエストあたりで公開されているため、コードを1行も書く前にアイデアのコストを見積もることができます。"
)
PYTHON = '''import collections
import re


def top_words(text: str, n: int = 5) -> list[tuple[str, int]]:
    """Return the n most common words in text, most common first."""
    words = re.findall(r"[a-z']+", text.lower())
    counts = collections.Counter(words)
    return counts.most_common(n)


if __name__ == "__main__":
    sample = "the cloud is someone else's computer, and the bill is yours"
    for word, count in top_words(sample):
        print(f"{word:>10}: {count}")
'''

SAMPLES = (
    Sample("English prose", ENGLISH, True),
    Sample("French prose", FRENCH, True),
    Sample("Japanese prose", JAPANESE, False),
    Sample("Python code", PYTHON, True),
)


def rule_check(model: str = "gpt-4o") -> pd.DataFrame:
    """Each sample's characters, words and real tokens on MODEL, against the two rules of thumb."""
    rows = []
    for s in SAMPLES:
        tokens = count_tokens(s.text, model).tokens
        words = len(s.text.split()) if s.spaced_words else None
        by_chars = chars_to_tokens(len(s.text))
        by_words = words_to_tokens(words) if words else None
        rows.append(
            {
                "text": s.name,
                "characters": len(s.text),
                "words": words,
                "tokens": tokens,
                "characters per token": round(len(s.text) / tokens, 2),
                "words per 100 tokens": round(100 * words / tokens, 1) if words else None,
                "rule '4 characters' says": round(by_chars),
                "off by (chars rule)": f"{by_chars / tokens - 1:+.0%}",
                "rule '75 words' says": round(by_words) if by_words else None,
                "off by (words rule)": f"{by_words / tokens - 1:+.0%}" if by_words else "n/a",
            }
        )
    table = pd.DataFrame(rows).set_index("text")
    return table.astype({"words": "Int64", "rule '75 words' says": "Int64"})


def growth(sample: Sample, model: str = "gpt-4o", points: int = 12) -> pd.DataFrame:
    """Tokens of growing prefixes of SAMPLE's text: columns characters and tokens."""
    sizes = sorted({round(len(sample.text) * (i + 1) / points) for i in range(points)})
    rows = [{"characters": n, "tokens": count_tokens(sample.text[:n], model).tokens} for n in sizes]
    return pd.DataFrame(rows)


def pieces(text: str, model: str = "gpt-4o") -> list[str]:
    """TEXT cut into MODEL's tokens, each shown as its text (a cut inside a character shows as �)."""
    import bpe_openai

    encoding = model_price(model).encoding
    if encoding not in OFFLINE_ENCODINGS:
        raise CourseInputError(f"{model}'s tokenizer {encoding} is not available offline; try gpt-4o.")
    tokenizer = bpe_openai.get_encoding(encoding)
    return [
        tokenizer.decode_single_token_bytes(t).decode("utf-8", errors="replace")
        for t in tokenizer.encode_ordinary(text)
    ]
