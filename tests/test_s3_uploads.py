"""Single PUT or multipart upload, and the part size a large object needs."""

import pytest

from course.errors import CourseInputError
from course.lessons.s3_uploads import smallest_part_bytes, upload_limits, upload_method

MIB, GIB, TIB = 1024**2, 1024**3, 1024**4


@pytest.mark.parametrize(
    ("size", "method"),
    [
        (0, "single PUT"),
        (100 * MIB - 1, "single PUT"),
        (100 * MIB, "multipart recommended"),
        (5 * GIB, "multipart recommended"),
        (5 * GIB + 1, "multipart required"),
        (12 * GIB, "multipart required"),
        (10_000 * 5 * GIB, "multipart required"),
    ],
)
def test_upload_method(size, method):
    assert upload_method(size) == method


def test_largest_object_is_10000_parts_of_5_gib():
    limits = upload_limits()
    assert limits["max_object_bytes"] == limits["max_parts"] * limits["max_part_bytes"]
    assert round(limits["max_object_bytes"] / TIB, 1) == 48.8
    assert limits["max_object_bytes_before_2025_12"] == 5 * TIB


def test_too_large_negative_or_not_whole_is_refused():
    with pytest.raises(CourseInputError, match="several objects"):
        upload_method(10_000 * 5 * GIB + 1)
    with pytest.raises(CourseInputError, match="negative"):
        upload_method(-1)
    with pytest.raises(CourseInputError, match="whole number"):
        upload_method(1.5e9)


@pytest.mark.parametrize(
    ("size", "part"),
    [(1, 5 * MIB), (12 * GIB, 5 * MIB), (100 * GIB, 11 * MIB), (10_000 * 5 * GIB, 5 * GIB)],
)
def test_smallest_part_fits_in_10000_parts(size, part):
    assert smallest_part_bytes(size) == part
    assert -(-size // part) <= 10_000
