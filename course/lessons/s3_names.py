"""Names in Amazon S3: the rules for general purpose bucket names and a bucket's website endpoint.

The rules and the Regions come from course/data/s3_names.json (dated, with their AWS source).
"""

import copy
import re

from course.aws.regions import region as known_region
from course.data import load_json
from course.errors import CourseInputError

DATA_FILE = "s3_names.json"
# "Formatted as an IP address": four groups of 1 to 3 digits separated by dots, like 192.168.5.4.
IP_FORMAT = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def naming_rules() -> dict:
    """A copy of the bucket naming rules (lengths, characters, reserved prefixes and suffixes)."""
    return copy.deepcopy(load_json(DATA_FILE))


def bucket_name_problems(name: str) -> list[str]:
    """Every rule that NAME breaks, in plain words; an empty list means the name is valid."""
    if type(name) is not str:
        raise CourseInputError(f"a bucket name is a string, not {type(name).__name__}: {name!r}")
    rules = load_json(DATA_FILE)
    problems = []
    if not rules["min_length"] <= len(name) <= rules["max_length"]:
        problems.append(f"{len(name)} characters: a name has {rules['min_length']} to {rules['max_length']}")
    bad = sorted({c for c in name if c not in rules["allowed_characters"]})
    if bad:
        problems.append(f"characters {bad} are not allowed: only a-z, 0-9, '.' and '-'")
    if name and not (name[0].isascii() and name[0].isalnum() and name[-1].isascii() and name[-1].isalnum()):
        problems.append("it must begin and end with a lowercase letter or a number")
    if ".." in name:
        problems.append("it has two adjacent periods")
    if IP_FORMAT.fullmatch(name):
        problems.append("it is formatted as an IP address")
    problems += [
        f"it starts with the reserved prefix {p!r}" for p in rules["reserved_prefixes"] if name.startswith(p)
    ]
    problems += [
        f"it ends with the reserved suffix {s!r}" for s in rules["reserved_suffixes"] if name.endswith(s)
    ]
    return problems


def is_valid_bucket_name(name: str) -> bool:
    """True if NAME follows every naming rule of a general purpose bucket."""
    return not bucket_name_problems(name)


def website_endpoint(bucket: str, region: str) -> str:
    """The static website endpoint of BUCKET in REGION (HTTP only; dash or dot form by Region)."""
    if not is_valid_bucket_name(bucket):
        raise CourseInputError(
            f"{bucket!r} is not a valid bucket name: {'; '.join(bucket_name_problems(bucket))}"
        )
    region = known_region(region).code  # an unknown code raises an error that suggests the right one
    endpoints = load_json(DATA_FILE)["website_endpoints"]
    form = endpoints["dash_form"] if region in endpoints["dash_regions"] else endpoints["dot_form"]
    return form.format(bucket=bucket, region=region)
