"""The synthetic load-balancer log: reproducible, well typed, and with documentation addresses only."""

import ipaddress

import pytest

from course.errors import CourseInputError
from course.lessons.sample_logs import STATUSES, TARGETS, load_balancer_log


def test_same_seed_same_log_and_another_seed_another_log():
    assert load_balancer_log(50, seed=1).equals(load_balancer_log(50, seed=1))
    assert not load_balancer_log(50, seed=1).equals(load_balancer_log(50, seed=2))


def test_columns_types_and_order():
    log = load_balancer_log(200)
    assert list(log.columns) == [
        "time",
        "client_ip",
        "method",
        "path",
        "target",
        "status",
        "response_ms",
        "bytes_sent",
    ]
    assert str(log["status"].dtype) == "int64" and str(log["bytes_sent"].dtype) == "int64"
    assert str(log["response_ms"].dtype) == "float64"
    assert log["time"].is_monotonic_increasing and len(log) == 200


def test_values_stay_in_their_sets():
    log = load_balancer_log(1000, seed=9)
    assert set(log["target"]) <= set(TARGETS)
    assert set(log["status"]) <= set(STATUSES)
    assert (log["status"] >= 500).any()
    assert log["time"].str.startswith("2026-11-02T").all()


def test_client_addresses_are_documentation_addresses():
    doc_nets = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    for address in load_balancer_log(300, seed=4)["client_ip"]:
        assert any(ipaddress.ip_address(address) in net for net in doc_nets), address


@pytest.mark.parametrize("rows", [0, -3, 2.0, True, "10"])
def test_rows_must_be_a_positive_whole_number(rows):
    with pytest.raises(CourseInputError):
        load_balancer_log(rows)
