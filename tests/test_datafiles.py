"""Every price and limit the course uses carries its date and its source."""

import datetime as dt
import re

import pytest

from course.data import data_names, load_csv, load_json

URL = re.compile(r"^https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$")


def _check_provenance(record: dict, where: str) -> None:
    assert URL.match(str(record.get("source", ""))), f"{where}: 'source' must be an https URL"
    as_of = dt.date.fromisoformat(str(record.get("as_of", "")))
    assert dt.date(2020, 1, 1) <= as_of <= dt.date.today(), f"{where}: 'as_of' out of range"


def test_there_are_data_files():
    assert len(data_names()) >= 4


@pytest.mark.parametrize("name", data_names())
def test_data_file_is_dated_and_sourced(name):
    if name.endswith(".csv"):
        rows = load_csv(name)
        assert rows, f"{name} has no rows"
        for i, row in enumerate(rows, start=2):
            _check_provenance(row, f"{name} line {i}")
        return
    data = load_json(name)
    if "source" in data:
        _check_provenance(data, name)
    else:
        assert data.get("items"), f"{name}: needs top-level as_of/source or dated items"
        for i, item in enumerate(data["items"]):
            _check_provenance(item, f"{name} item {i}")
