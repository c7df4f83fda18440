"""Uploading an object to Amazon S3: one PUT or a multipart upload, and the part size it needs.

The limits come from course/data/s3_limits.json; sizes are in bytes (S3 counts in binary units).
"""

import copy
import math
import numbers

from course.data import load_json
from course.errors import CourseInputError

DATA_FILE = "s3_limits.json"
MIB = 1024**2


def upload_limits() -> dict:
    """A copy of the upload limits: single PUT, multipart parts, largest object."""
    return copy.deepcopy(load_json(DATA_FILE))


def _size(size_bytes: object) -> int:
    """SIZE_BYTES as an int within S3's largest object, or a CourseInputError saying what to fix."""
    if not isinstance(size_bytes, numbers.Integral) or isinstance(size_bytes, bool):
        raise CourseInputError(f"give the size as a whole number of bytes, not {size_bytes!r}")
    limits = load_json(DATA_FILE)
    if size_bytes < 0:
        raise CourseInputError(f"a size cannot be negative (got {size_bytes})")
    if size_bytes > limits["max_object_bytes"]:
        raise CourseInputError(
            f"{size_bytes:,} bytes is more than S3's largest object ({limits['max_object_bytes']:,} bytes,"
            " 10,000 parts of 5 GiB): split the data into several objects"
        )
    return int(size_bytes)


def upload_method(size_bytes: int) -> str:
    """'single PUT', 'multipart recommended' (from 100 MB) or 'multipart required' (above 5 GB)."""
    size = _size(size_bytes)
    limits = load_json(DATA_FILE)
    if size > limits["single_put_max_bytes"]:
        return "multipart required"
    if size >= limits["multipart_recommended_from_bytes"]:
        return "multipart recommended"
    return "single PUT"


def smallest_part_bytes(size_bytes: int) -> int:
    """The smallest part size, in whole MiB and at least 5 MiB, that fits SIZE_BYTES in 10,000 parts."""
    size = _size(size_bytes)
    limits = load_json(DATA_FILE)
    needed = math.ceil(size / limits["max_parts"] / MIB) * MIB
    return max(limits["min_part_bytes"], needed)
