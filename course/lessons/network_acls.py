"""Network ACLs and security groups together: does a connection, and its reply, get through?

A network ACL guards a subnet. It holds numbered rules, each of which allows or denies, and it is
*stateless*: every packet is checked on its own, the reply as much as the request, and the first
rule (lowest number) that matches decides; a packet that no rule matches is denied. A security
group guards an instance, holds allow rules only and is *stateful*: the reply to an allowed
request goes back whatever its rules say (see `course.lessons.security_groups`).

A connection into an instance crosses the subnet's ACL inbound, then the instance's security
group; its reply leaves through the security group (stateful: let through) and the ACL outbound,
to the client's *ephemeral* port. A connection the instance opens goes the other way round.
ICMP types are not modelled: an ICMP rule matches every ICMP packet.
"""

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from course.data import load_json
from course.errors import CourseInputError
from course.lessons import security_groups
from course.lessons.security_groups import ALL, MAX_PORT
from course.records import Record

FACTS = "networking_facts.json"
ACTIONS = ("allow", "deny")
DEFAULT_RULE = 32767  # what describe_network_acls shows for the final '*' rule
# A security group's outbound rules as AWS creates them: all traffic to anywhere.
SG_ALLOW_ALL_OUT = (security_groups.Rule(ALL, 0, MAX_PORT, "0.0.0.0/0"),)


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError as e:
        raise CourseInputError(f"{cidr!r} is not a CIDR range such as '203.0.113.0/24'") from e


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(value)
    except ValueError as e:
        raise CourseInputError(f"{value!r} is not an IP address such as '198.51.100.7'") from e


def _port(name: str, value: object) -> int:
    if type(value) is not int or not 0 <= value <= MAX_PORT:
        raise CourseInputError(f"{name} must be a whole number from 0 to {MAX_PORT}, got {value!r}")
    return value


def ephemeral_ranges() -> dict[str, tuple[int, int]]:
    """Ephemeral port ranges by kind of client, as AWS's VPC guide lists them."""
    ranges = load_json(FACTS)["ephemeral_ports"]["ranges"]
    return {kind: (low, high) for kind, (low, high) in ranges.items()}


def recommended_ephemeral_range() -> tuple[int, int]:
    """The range AWS suggests opening in a network ACL for replies: every client's covered."""
    low, high = load_json(FACTS)["ephemeral_ports"]["recommended_nacl_range"]
    return low, high


@dataclass(frozen=True)
class NaclRule:
    """One network ACL rule: its number, protocol, port range, CIDR range and action.

    The CIDR range is the source of an inbound rule and the destination of an outbound one; the
    port range is always the packet's destination port.
    """

    number: int
    protocol: str
    from_port: int
    to_port: int
    cidr: str
    action: str

    def __post_init__(self) -> None:
        facts = load_json(FACTS)["nacl"]
        low, high = facts["rule_number_min"], facts["rule_number_max"]
        if type(self.number) is not int or not low <= self.number <= high:
            raise CourseInputError(
                f"rule number must be a whole number from {low} to {high}, got {self.number!r}"
            )
        object.__setattr__(self, "protocol", security_groups._protocol(self.protocol))
        action = str(self.action).strip().lower()
        if action not in ACTIONS:
            raise CourseInputError(f"action must be 'allow' or 'deny', got {self.action!r}")
        object.__setattr__(self, "action", action)
        _network(self.cidr)
        if self.protocol in ("tcp", "udp"):
            _port("from_port", self.from_port)
            _port("to_port", self.to_port)
            if self.from_port > self.to_port:
                raise CourseInputError(
                    f"port range {self.from_port}-{self.to_port}: from_port must not exceed to_port"
                )

    def matches(self, protocol: str, port: int, address: str) -> bool:
        """Whether this rule applies to a PROTOCOL packet to PORT whose far end is ADDRESS."""
        if self.protocol != ALL and self.protocol != protocol:
            return False
        if self.protocol in ("tcp", "udp") and not self.from_port <= port <= self.to_port:
            return False
        far_end, network = _address(address), _network(self.cidr)
        return far_end.version == network.version and far_end in network

    def __str__(self) -> str:
        if self.protocol == ALL:
            what = "all traffic"
        elif self.protocol == "icmp":
            what = "icmp"
        else:
            ports = (
                f"{self.from_port}-{self.to_port}" if self.from_port != self.to_port else str(self.from_port)
            )
            what = f"{self.protocol} {ports}"
        return f"rule {self.number} {self.action} {what} {self.cidr}"


def _sorted(rules: Iterable[NaclRule]) -> list[NaclRule]:
    rules = list(rules)
    for rule in rules:
        if not isinstance(rule, NaclRule):
            raise CourseInputError(f"a network ACL holds NaclRule objects, not {type(rule).__name__}")
    numbers = [r.number for r in rules]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise CourseInputError(f"rule numbers must be unique in each direction; repeated: {duplicates}")
    return sorted(rules, key=lambda r: r.number)


def _packet_protocol(protocol: object) -> str:
    found = security_groups._protocol(protocol)
    if found == ALL:
        raise CourseInputError("a packet has one protocol: give 'tcp', 'udp' or 'icmp'")
    return found


def first_match(rules: Iterable[NaclRule], protocol: str, port: int, address: str) -> NaclRule | None:
    """The rule that decides a packet: the lowest-numbered rule that matches, or None (denied)."""
    protocol = _packet_protocol(protocol)
    _address(address)
    return next((r for r in _sorted(rules) if r.matches(protocol, port, address)), None)


def nacl_allows(rules: Iterable[NaclRule], protocol: str, port: int, address: str) -> bool:
    """True when the deciding rule allows the packet; no matching rule means denied."""
    rule = first_match(rules, protocol, port, address)
    return rule is not None and rule.action == "allow"


def nacl_explain(rules: Iterable[NaclRule], protocol: str, port: int, address: str) -> str:
    """Which rule decides the packet, in a few words."""
    rule = first_match(rules, protocol, port, address)
    if rule is None:
        return "denied by the final '*' rule: no numbered rule matches"
    return f"{'allowed' if rule.action == 'allow' else 'denied'} by {rule}"


def rules_from_entries(entries: list[dict], egress: bool) -> list[NaclRule]:
    """The inbound (egress=False) or outbound (egress=True) rules of describe_network_acls' Entries.

    The final '*' rule (number 32767) and IPv6 rules are left out: the first denies what no rule
    matches, which `first_match` does anyway.
    """
    rules = []
    for entry in entries:
        if bool(entry["Egress"]) != egress or entry["RuleNumber"] >= DEFAULT_RULE or "CidrBlock" not in entry:
            continue
        ports = entry.get("PortRange", {})
        rules.append(
            NaclRule(
                entry["RuleNumber"],
                entry["Protocol"],
                ports.get("From", 0),
                ports.get("To", MAX_PORT),
                entry["CidrBlock"],
                entry["RuleAction"],
            )
        )
    return _sorted(rules)


@dataclass(frozen=True)
class Step(Record):
    """One check a packet meets on its way: where, which packet, the result and why."""

    check: str
    packet: str
    passed: bool | None  # None: not reached, an earlier check dropped the connection
    reason: str


@dataclass(frozen=True)
class Verdict(Record):
    """Whether a whole connection works, and every check on the way, in order."""

    allowed: bool
    steps: list[Step] = field(default_factory=list)

    @property
    def blocked_at(self) -> str | None:
        """The check that dropped the connection, or None when it works."""
        return next((s.check for s in self.steps if s.passed is False), None)

    def rows(self) -> list[dict]:
        """The steps as dicts, for a table."""
        return [s.as_dict() for s in self.steps]


def _run(checks: list[tuple[str, str, Callable[[], tuple[bool, str]]]]) -> Verdict:
    """Run the checks in order; after the first failure the others are 'not reached'."""
    steps, ok = [], True
    for check, packet, decide in checks:
        if not ok:
            steps.append(Step(check, packet, None, "not reached"))
            continue
        passed, reason = decide()
        steps.append(Step(check, packet, passed, reason))
        ok = passed
    return Verdict(ok, steps)


def _sg_check(rules, protocol, port, address, direction) -> tuple[bool, str]:
    found = security_groups.matching_rules(rules, protocol, port, address)
    if found:
        return True, f"allowed by: {found[0]}"
    return False, f"no {direction} rule allows it (security groups have no deny rules)"


def _nacl_check(rules, protocol, port, address) -> tuple[bool, str]:
    return nacl_allows(rules, protocol, port, address), nacl_explain(rules, protocol, port, address)


def inbound_connection(
    protocol: str,
    port: int,
    client_ip: str,
    client_port: int,
    *,
    nacl_inbound: Iterable[NaclRule],
    nacl_outbound: Iterable[NaclRule],
    sg_inbound: Iterable[security_groups.Rule],
) -> Verdict:
    """A client at CLIENT_IP:CLIENT_PORT connects to PORT of an instance: request in, reply out.

    Request: the subnet's ACL inbound (destination port PORT), then the security group inbound.
    Reply: the security group lets it out (stateful), then the ACL outbound checks it like any
    packet, to destination port CLIENT_PORT (the client's ephemeral port).
    """
    protocol = _packet_protocol(protocol)
    port, client_port = _port("port", port), _port("client_port", client_port)
    _address(client_ip)
    nacl_in, nacl_out, sg_in = list(nacl_inbound), list(nacl_outbound), list(sg_inbound)
    request = f"{protocol} {client_ip}:{client_port} -> instance:{port}"
    reply = f"{protocol} instance:{port} -> {client_ip}:{client_port}"
    return _run(
        [
            ("network ACL, inbound", request, lambda: _nacl_check(nacl_in, protocol, port, client_ip)),
            (
                "security group, inbound",
                request,
                lambda: _sg_check(sg_in, protocol, port, client_ip, "inbound"),
            ),
            ("security group, reply out", reply, lambda: (True, "stateful: the reply to an allowed request")),
            ("network ACL, outbound", reply, lambda: _nacl_check(nacl_out, protocol, client_port, client_ip)),
        ]
    )


def outbound_connection(
    protocol: str,
    port: int,
    server_ip: str,
    instance_port: int,
    *,
    nacl_inbound: Iterable[NaclRule],
    nacl_outbound: Iterable[NaclRule],
    sg_outbound: Iterable[security_groups.Rule] = SG_ALLOW_ALL_OUT,
) -> Verdict:
    """The instance, from its ephemeral INSTANCE_PORT, connects to PORT of a server at SERVER_IP.

    Request: the security group outbound (a Rule's source is then the destination range), then the
    ACL outbound. Reply: the ACL inbound, to destination port INSTANCE_PORT; the security group
    lets it in (stateful).
    """
    protocol = _packet_protocol(protocol)
    port, instance_port = _port("port", port), _port("instance_port", instance_port)
    _address(server_ip)
    nacl_in, nacl_out, sg_out = list(nacl_inbound), list(nacl_outbound), list(sg_outbound)
    request = f"{protocol} instance:{instance_port} -> {server_ip}:{port}"
    reply = f"{protocol} {server_ip}:{port} -> instance:{instance_port}"
    return _run(
        [
            (
                "security group, outbound",
                request,
                lambda: _sg_check(sg_out, protocol, port, server_ip, "outbound"),
            ),
            ("network ACL, outbound", request, lambda: _nacl_check(nacl_out, protocol, port, server_ip)),
            ("network ACL, inbound", reply, lambda: _nacl_check(nacl_in, protocol, instance_port, server_ip)),
            ("security group, reply in", reply, lambda: (True, "stateful: the reply to an allowed request")),
        ]
    )
