"""The storage catalog: lookups by short names, kinds, statuses."""

import pytest

from course.errors import CourseInputError
from course.lessons.storage_services import KINDS, catalog, service, services


def test_lookup_by_short_names():
    assert service("EFS").name == "Amazon EFS"
    assert service("amazon fsx for lustre").kind == "file"
    assert service("instance store").kind == "block"
    assert service("Tape Gateway").kind == "hybrid"


def test_unknown_name_suggests():
    with pytest.raises(CourseInputError, match="Did you mean"):
        service("Amazon EFSS")


def test_fsx_file_gateway_is_closed_and_says_what_instead():
    gateway = service("FSx File Gateway")
    assert gateway.status == "closed to new customers" and gateway.replaced_by


def test_every_kind_is_known_and_filter_works():
    assert {svc.kind for svc in services()} <= set(KINDS)
    assert set(catalog("file")["kind"]) == {"file"}
    assert len(catalog()) == len(services())
    with pytest.raises(CourseInputError):
        catalog("tape")


def test_four_fsx_file_systems():
    assert len([s for s in services() if s.name.startswith("Amazon FSx for")]) == 4
