"""The billing conventions every calculator shares, from AWS's Pricing Calculator."""

from course.data import load_json


def hours_per_month() -> int:
    """Hours in a month as AWS's Pricing Calculator counts them."""
    return int(load_json("billing_conventions.json")["hours_per_month"])
