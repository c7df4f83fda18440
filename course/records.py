"""`Record`: the `as_dict` that the course's result dataclasses share."""

from dataclasses import asdict
from typing import Any


class Record:
    """Mixin for a dataclass whose inputs and results are handed on as a plain dict."""

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, e.g. for a pandas row or a JSON object."""
        return asdict(self)
