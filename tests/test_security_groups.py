"""Security-group rule evaluation: allow rules only, CIDR and group sources, ports and protocols."""

import pytest

from course.errors import CourseInputError
from course.lessons.security_groups import (
    COMMON_PORTS,
    Rule,
    explain,
    is_allowed,
    matching_rules,
    rules_from_permissions,
)

WEB = [
    Rule("tcp", 80, 80, "0.0.0.0/0"),
    Rule("tcp", 443, 443, "0.0.0.0/0"),
    Rule("tcp", 22, 22, "203.0.113.0/24"),
]


def test_common_ports():
    assert {22, 80, 443, 3389, 3306, 5432} <= set(COMMON_PORTS)


@pytest.mark.parametrize(
    ("protocol", "port", "source", "expected"),
    [
        ("tcp", 80, "198.51.100.7", True),
        ("tcp", 443, "198.51.100.7", True),
        ("tcp", 22, "203.0.113.9", True),
        ("tcp", 22, "198.51.100.7", False),
        ("udp", 80, "198.51.100.7", False),
        ("tcp", 8080, "198.51.100.7", False),
        ("TCP", 443, "10.0.0.1", True),
    ],
)
def test_web_group(protocol, port, source, expected):
    assert is_allowed(WEB, protocol, port, source) is expected


def test_no_rules_means_denied():
    assert not is_allowed([], "tcp", 22, "203.0.113.9")
    assert explain([], "tcp", 22, "203.0.113.9").startswith("denied")


def test_port_ranges_are_inclusive():
    rules = [Rule("tcp", 1024, 2048, "10.0.0.0/8")]
    assert is_allowed(rules, "tcp", 1024, "10.1.2.3") and is_allowed(rules, "tcp", 2048, "10.1.2.3")
    assert not is_allowed(rules, "tcp", 2049, "10.1.2.3")


def test_all_traffic_rule_and_protocol_numbers():
    rules = [Rule("-1", 0, 65535, "10.0.0.0/16")]
    assert is_allowed(rules, "udp", 53, "10.0.5.5") and is_allowed(rules, "6", 5432, "10.0.5.5")
    assert not is_allowed(rules, "tcp", 5432, "10.1.5.5")


def test_group_reference():
    db = [Rule("tcp", 3306, 3306, "sg-0web")]
    assert is_allowed(db, "tcp", 3306, "172.31.5.6", source_groups=["sg-0web"])
    assert not is_allowed(db, "tcp", 3306, "172.31.5.6")
    assert explain(db, "tcp", 3306, "172.31.5.6", ["sg-0web"]) == "allowed by: tcp 3306 from sg-0web"


def test_ipv6_ranges_do_not_match_ipv4_addresses():
    rules = [Rule("tcp", 443, 443, "::/0")]
    assert is_allowed(rules, "tcp", 443, "2001:db8::1")
    assert not is_allowed(rules, "tcp", 443, "198.51.100.7")


def test_icmp_all_types():
    assert is_allowed([Rule("icmp", -1, -1, "0.0.0.0/0")], "icmp", 8, "198.51.100.7")


def test_matching_rules_lists_every_match():
    rules = [*WEB, Rule("-1", 0, 65535, "203.0.113.0/24")]
    assert len(matching_rules(rules, "tcp", 22, "203.0.113.1")) == 2


def test_rules_from_describe_security_groups_output():
    perms = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]},
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-1"}]},
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
    ]
    rules = rules_from_permissions(perms)
    assert rules == [
        Rule("tcp", 22, 22, "203.0.113.0/24"),
        Rule("tcp", 5432, 5432, "sg-1"),
        Rule("-1", 0, 65535, "2001:db8::/32"),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Rule("tcp", 80, 22, "0.0.0.0/0"),
        lambda: Rule("tcp", 0, 70000, "0.0.0.0/0"),
        lambda: Rule("gre", 0, 0, "0.0.0.0/0"),
        lambda: Rule("tcp", 22, 22, "my office"),
        lambda: is_allowed(WEB, "tcp", 22, "not-an-ip"),
        lambda: is_allowed(WEB, "-1", 22, "203.0.113.1"),
    ],
)
def test_bad_input_is_refused(bad):
    with pytest.raises((CourseInputError, ValueError)):
        bad()
