"""Network ACL evaluation (ordered, stateless, allow and deny) and whole connections through an ACL
and a security group (stateful)."""

import pytest

from course.errors import CourseInputError
from course.lessons.network_acls import (
    NaclRule,
    ephemeral_ranges,
    first_match,
    inbound_connection,
    nacl_allows,
    nacl_explain,
    outbound_connection,
    recommended_ephemeral_range,
    rules_from_entries,
)
from course.lessons.security_groups import Rule

WEB_IN = [
    NaclRule(100, "tcp", 443, 443, "0.0.0.0/0", "allow"),
    NaclRule(90, "-1", 0, 65535, "198.51.100.0/24", "deny"),
    NaclRule(120, "tcp", 1024, 65535, "0.0.0.0/0", "allow"),
]
WEB_OUT = [
    NaclRule(100, "tcp", 443, 443, "0.0.0.0/0", "allow"),
    NaclRule(110, "tcp", 32768, 61000, "0.0.0.0/0", "allow"),
]
SG_IN = [Rule("tcp", 443, 443, "0.0.0.0/0"), Rule("tcp", 22, 22, "203.0.113.0/24")]


def test_lowest_number_decides_whatever_the_order_given():
    assert first_match(WEB_IN, "tcp", 443, "198.51.100.7").number == 90
    assert not nacl_allows(WEB_IN, "tcp", 443, "198.51.100.7")
    assert nacl_allows(WEB_IN, "tcp", 443, "192.0.2.1")


def test_no_match_is_denied_by_the_star_rule():
    assert first_match(WEB_IN, "udp", 53, "192.0.2.1") is None
    assert not nacl_allows([], "tcp", 443, "192.0.2.1")
    assert "'*'" in nacl_explain([], "tcp", 443, "192.0.2.1")


def test_port_ranges_are_inclusive_and_protocols_matter():
    assert nacl_allows(WEB_IN, "tcp", 1024, "192.0.2.1") and nacl_allows(WEB_IN, "tcp", 65535, "192.0.2.1")
    assert not nacl_allows(WEB_IN, "tcp", 1023, "192.0.2.1")
    assert not nacl_allows(WEB_IN, "udp", 2000, "192.0.2.1")


def test_rule_validation():
    with pytest.raises(CourseInputError):
        NaclRule(0, "tcp", 1, 2, "0.0.0.0/0", "allow")
    with pytest.raises(CourseInputError):
        NaclRule(32767, "tcp", 1, 2, "0.0.0.0/0", "allow")
    with pytest.raises(CourseInputError):
        NaclRule(100, "tcp", 1, 2, "0.0.0.0/0", "permit")
    with pytest.raises(CourseInputError):
        NaclRule(100, "tcp", 20, 10, "0.0.0.0/0", "allow")
    with pytest.raises(CourseInputError):
        NaclRule(100, "tcp", 1, 2, "not-a-cidr", "allow")
    with pytest.raises(CourseInputError):
        nacl_allows([NaclRule(100, "tcp", 1, 2, "0.0.0.0/0", "allow")] * 2, "tcp", 1, "192.0.2.1")
    with pytest.raises(CourseInputError):
        nacl_allows(WEB_IN, "-1", 1, "192.0.2.1")


def test_inbound_connection_reply_needs_the_outbound_rule():
    ok = inbound_connection(
        "tcp", 443, "192.0.2.10", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert ok.allowed and ok.blocked_at is None and len(ok.rows()) == 4
    windows = inbound_connection(
        "tcp", 443, "192.0.2.10", 62000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert not windows.allowed and windows.blocked_at == "network ACL, outbound"


def test_inbound_connection_blocked_by_each_layer():
    with_ssh = [*WEB_IN, NaclRule(110, "tcp", 22, 22, "0.0.0.0/0", "allow")]
    ssh = inbound_connection(
        "tcp", 22, "192.0.2.10", 40000, nacl_inbound=with_ssh, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert ssh.blocked_at == "security group, inbound"
    admin = inbound_connection(
        "tcp", 22, "203.0.113.5", 40000, nacl_inbound=with_ssh, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert admin.allowed
    no_nacl_rule = inbound_connection(
        "tcp", 22, "203.0.113.5", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert no_nacl_rule.blocked_at == "network ACL, inbound"
    assert ssh.steps[-1].passed is None  # not reached
    bad = inbound_connection(
        "tcp", 443, "198.51.100.9", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert bad.blocked_at == "network ACL, inbound"


def test_security_group_is_stateful_even_with_no_outbound_rules():
    verdict = inbound_connection(
        "tcp", 443, "192.0.2.10", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT, sg_inbound=SG_IN
    )
    assert verdict.steps[2].passed is True and "stateful" in verdict.steps[2].reason


def test_outbound_connection():
    ok = outbound_connection("tcp", 443, "192.0.2.200", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT)
    assert ok.allowed
    back = outbound_connection("tcp", 443, "198.51.100.7", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT)
    assert back.blocked_at == "network ACL, inbound"
    no_sg = outbound_connection(
        "tcp", 443, "192.0.2.200", 40000, nacl_inbound=WEB_IN, nacl_outbound=WEB_OUT, sg_outbound=[]
    )
    assert no_sg.blocked_at == "security group, outbound"


def test_rules_from_entries_reads_describe_network_acls():
    entries = [
        {
            "RuleNumber": 100,
            "Protocol": "6",
            "RuleAction": "allow",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
            "PortRange": {"From": 443, "To": 443},
        },
        {
            "RuleNumber": 100,
            "Protocol": "-1",
            "RuleAction": "allow",
            "Egress": True,
            "CidrBlock": "0.0.0.0/0",
        },
        {
            "RuleNumber": 32767,
            "Protocol": "-1",
            "RuleAction": "deny",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
        },
        {
            "RuleNumber": 101,
            "Protocol": "-1",
            "RuleAction": "allow",
            "Egress": False,
            "Ipv6CidrBlock": "::/0",
        },
    ]
    inbound = rules_from_entries(entries, egress=False)
    assert [str(r) for r in inbound] == ["rule 100 allow tcp 443 0.0.0.0/0"]
    outbound = rules_from_entries(entries, egress=True)
    assert outbound[0].protocol == "-1" and nacl_allows(outbound, "udp", 53, "192.0.2.1")


def test_ephemeral_ranges_from_the_data_file():
    ranges = ephemeral_ranges()
    assert ranges["NAT gateway"] == (1024, 65535)
    low, high = recommended_ephemeral_range()
    assert all(low <= a <= b <= high for a, b in ranges.values() if a >= 1024)
