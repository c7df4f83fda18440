"""Security groups: decide, as EC2 does, whether a connection reaches an instance.

A security group holds allow rules only. A connection is let in when at least one inbound rule
matches its protocol, its port and its source (an address range, or another security group the
sender belongs to); anything no rule allows is dropped. Groups are stateful: the reply to an
allowed request goes back out whatever the outbound rules say, so only requests are checked here.
"""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from course.errors import CourseInputError

ALL = "-1"  # EC2's protocol value for "all traffic"
PROTOCOLS = {
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "-1": ALL,
    "all": ALL,
}
MAX_PORT = 65535
COMMON_PORTS = {
    22: "SSH (log in to a Linux instance)",
    80: "HTTP (web, unencrypted)",
    443: "HTTPS (web, encrypted)",
    3389: "RDP (log in to a Windows instance)",
    3306: "MySQL and MariaDB (and Aurora MySQL)",
    5432: "PostgreSQL (and Aurora PostgreSQL)",
}


def _protocol(value: object) -> str:
    """PROTOCOL as "tcp", "udp", "icmp" or "-1", or a CourseInputError listing the choices."""
    key = str(value).strip().lower()
    if key not in PROTOCOLS:
        raise CourseInputError(f"unknown protocol {value!r}; use one of 'tcp', 'udp', 'icmp' or '-1' (all)")
    return PROTOCOLS[key]


def _network(source: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(source, strict=False)
    except ValueError as e:
        raise CourseInputError(
            f"rule source {source!r} is neither a CIDR range such as '203.0.113.0/24' nor a "
            "security group id such as 'sg-0123456789abcdef0'"
        ) from e


@dataclass(frozen=True)
class Rule:
    """One inbound rule: protocol, port range and source (a CIDR range or a security group id)."""

    protocol: str
    from_port: int
    to_port: int
    source: str
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "protocol", _protocol(self.protocol))
        if not self.source.startswith("sg-"):
            _network(self.source)
        if self.protocol == "tcp" or self.protocol == "udp":
            if not 0 <= self.from_port <= self.to_port <= MAX_PORT:
                raise CourseInputError(
                    f"port range {self.from_port}-{self.to_port} is not within 0-{MAX_PORT} "
                    "with from_port <= to_port"
                )

    def covers_port(self, protocol: str, port: int) -> bool:
        """Whether the rule's protocol and port range take in PROTOCOL on PORT."""
        if self.protocol == ALL:
            return True
        if self.protocol != protocol:
            return False
        if self.protocol == "icmp" and self.from_port == -1:  # every ICMP type
            return True
        return self.from_port <= port <= self.to_port

    def covers_source(self, source_ip: str, source_groups: Iterable[str] = ()) -> bool:
        """Whether the rule's source takes in SOURCE_IP, or one of the sender's SOURCE_GROUPS."""
        if self.source.startswith("sg-"):
            return self.source in set(source_groups)
        address = ipaddress.ip_address(source_ip)
        network = _network(self.source)
        return address.version == network.version and address in network

    def __str__(self) -> str:
        if self.protocol == ALL:
            return f"all traffic from {self.source}"
        ports = f"{self.from_port}-{self.to_port}" if self.from_port != self.to_port else str(self.from_port)
        return f"{self.protocol} {ports} from {self.source}"


def rules_from_permissions(ip_permissions: list[dict]) -> list[Rule]:
    """Rules from the IpPermissions list that describe_security_groups returns."""
    rules = []
    for perm in ip_permissions:
        protocol = _protocol(perm["IpProtocol"])
        low = perm.get("FromPort", 0 if protocol != "icmp" else -1)
        high = perm.get("ToPort", MAX_PORT if protocol != "icmp" else -1)
        sources = (
            [r["CidrIp"] for r in perm.get("IpRanges", [])]
            + [r["CidrIpv6"] for r in perm.get("Ipv6Ranges", [])]
            + [pair["GroupId"] for pair in perm.get("UserIdGroupPairs", [])]
        )
        rules += [Rule(protocol, low, high, source) for source in sources]
    return rules


def matching_rules(
    rules: Iterable[Rule], protocol: str, port: int, source_ip: str, source_groups: Iterable[str] = ()
) -> list[Rule]:
    """The rules that let in a PROTOCOL connection to PORT from SOURCE_IP (member of SOURCE_GROUPS)."""
    protocol = _protocol(protocol)
    if protocol == ALL:
        raise CourseInputError("a connection has one protocol: give 'tcp', 'udp' or 'icmp'")
    ipaddress.ip_address(source_ip)  # a bad address raises here, whatever the rules
    groups = list(source_groups)
    return [r for r in rules if r.covers_port(protocol, port) and r.covers_source(source_ip, groups)]


def is_allowed(
    rules: Iterable[Rule], protocol: str, port: int, source_ip: str, source_groups: Iterable[str] = ()
) -> bool:
    """True when at least one rule allows the connection; no rule means denied."""
    return bool(matching_rules(rules, protocol, port, source_ip, source_groups))


def explain(
    rules: Iterable[Rule], protocol: str, port: int, source_ip: str, source_groups: Iterable[str] = ()
) -> str:
    """A sentence saying whether the connection is allowed, and by which rule."""
    found = matching_rules(rules, protocol, port, source_ip, source_groups)
    if found:
        return f"allowed by: {found[0]}"
    return "denied: no rule allows it (security groups have no deny rules)"
