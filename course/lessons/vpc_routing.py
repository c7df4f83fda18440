"""A VPC as EC2 describes it: subnets, their route tables, and whether each is public or private.

What makes a subnet *public* is nothing but its route table: a route to an internet gateway. A
*private* subnet has none; it may reach the internet outward through a NAT gateway (a route to
`nat-...`), or not at all. Every subnet uses the route table associated with it, or else the
VPC's main route table. These helpers read the `describe_*` answers of boto3's EC2 client and
draw the result.
"""

import ipaddress
from typing import Any

from matplotlib.patches import FancyArrowPatch, Rectangle

from course.data import load_json
from course.errors import CourseInputError
from course.lessons.plotting import PALETTE, new_figure

FACTS = "networking_facts.json"
TARGET_KEYS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcEndpointId",
)
# Resource type of TagSpecifications -> (describe method, answer key, filter argument name).
DESCRIBE = {
    "vpc": ("describe_vpcs", "Vpcs", "Filters"),
    "subnet": ("describe_subnets", "Subnets", "Filters"),
    "route-table": ("describe_route_tables", "RouteTables", "Filters"),
    "internet-gateway": ("describe_internet_gateways", "InternetGateways", "Filters"),
    "natgateway": ("describe_nat_gateways", "NatGateways", "Filter"),
    "network-acl": ("describe_network_acls", "NetworkAcls", "Filters"),
    "elastic-ip": ("describe_addresses", "Addresses", "Filters"),
}
PUBLIC, VIA_NAT, ISOLATED = "public", "private (internet via NAT)", "private (no internet)"


def name_tags(kind: str, name: str) -> list[dict]:
    """TagSpecifications that name a new resource of type KIND ('vpc', 'subnet', ...) NAME."""
    if kind not in DESCRIBE:
        raise CourseInputError(f"unknown resource type {kind!r}; use one of {', '.join(DESCRIBE)}")
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def find_named(ec2: Any, kind: str, name: str) -> dict | None:
    """The resource of type KIND whose Name tag is NAME (deleted NAT gateways left out), or None.

    Labs call it before creating something, so that running a cell again does not make a copy.
    """
    if kind not in DESCRIBE:
        raise CourseInputError(f"unknown resource type {kind!r}; use one of {', '.join(DESCRIBE)}")
    method, key, argument = DESCRIBE[kind]
    found = getattr(ec2, method)(**{argument: [{"Name": "tag:Name", "Values": [name]}]})[key]
    found = [r for r in found if r.get("State") not in ("deleted", "deleting", "failed")]
    return found[0] if found else None


def usable_addresses(cidr: str) -> int:
    """IPv4 addresses a subnet of CIDR offers for instances: its size less the 5 AWS reserves."""
    facts = load_json(FACTS)
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError as e:
        raise CourseInputError(f"{cidr!r} is not an IPv4 CIDR block such as '10.0.1.0/24'") from e
    low, high = facts["ipv4_prefix_min"], facts["ipv4_prefix_max"]
    if not low <= network.prefixlen <= high:
        raise CourseInputError(
            f"{cidr}: a VPC or subnet CIDR block must be /{low} to /{high} (got /{network.prefixlen})"
        )
    return network.num_addresses - facts["reserved_addresses_per_subnet"]


def route_target(route: dict) -> str:
    """Where a route sends traffic: 'local', or the id of a gateway, NAT gateway, peering..."""
    for key in TARGET_KEYS:
        if route.get(key):
            return route[key]
    return "unknown"


def route_destination(route: dict) -> str:
    """A route's destination: a CIDR block or a prefix list (gateway endpoints use one)."""
    return (
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId", "?")
    )


def route_table_of(route_tables: list[dict], subnet_id: str) -> dict:
    """The route table a subnet uses: the one associated with it, else the VPC's main table."""
    for table in route_tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    for table in route_tables:
        if any(a.get("Main") for a in table.get("Associations", [])):
            return table
    raise CourseInputError(f"no route table is associated with {subnet_id} and the VPC has no main table")


def subnet_kind(route_table: dict) -> str:
    """'public' with a route to an internet gateway; else private, with or without a NAT route."""
    targets = [route_target(r) for r in route_table.get("Routes", [])]
    if any(t.startswith("igw-") for t in targets):
        return PUBLIC
    if any(t.startswith("nat-") for t in targets):
        return VIA_NAT
    return ISOLATED


def _name(resource: dict, default: str) -> str:
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == "Name"), default)


def vpc_layout(ec2: Any, vpc_id: str) -> dict:
    """The VPC's subnets (with route table and kind), internet and NAT gateways, from describe_*."""
    only_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    tables = ec2.describe_route_tables(Filters=only_vpc)["RouteTables"]
    subnets = []
    for subnet in ec2.describe_subnets(Filters=only_vpc)["Subnets"]:
        table = route_table_of(tables, subnet["SubnetId"])
        subnets.append(
            {
                "name": _name(subnet, subnet["SubnetId"]),
                "subnet": subnet["SubnetId"],
                "az": subnet["AvailabilityZone"],
                "cidr": subnet["CidrBlock"],
                "usable addresses": usable_addresses(subnet["CidrBlock"]),
                "route table": _name(table, table["RouteTableId"]),
                "routes": ", ".join(f"{route_destination(r)} -> {route_target(r)}" for r in table["Routes"]),
                "kind": subnet_kind(table),
            }
        )
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    nats = ec2.describe_nat_gateways(Filter=only_vpc)["NatGateways"]
    return {
        "vpc": vpc_id,
        "name": _name(vpc, vpc_id),
        "cidr": vpc["CidrBlock"],
        "subnets": sorted(subnets, key=lambda s: (s["az"], s["kind"] != PUBLIC, s["cidr"])),
        "internet_gateways": [g["InternetGatewayId"] for g in igws["InternetGateways"]],
        "nat_gateways": [
            {"id": n["NatGatewayId"], "subnet": n["SubnetId"]} for n in nats if n["State"] != "deleted"
        ],
    }


def draw_vpc(layout: dict, title: str | None = None):
    """Draw a VPC layout: one column per Availability Zone, public subnets above private ones.

    Green boxes are public subnets, orange ones private; arrows show where each subnet's default
    route (0.0.0.0/0) goes: up to the internet gateway, or across to a NAT gateway.
    """
    fig, ax = new_figure(title or f"{layout['name']} ({layout['cidr']})", "", "")
    ax.axis("off")
    zones = sorted({s["az"] for s in layout["subnets"]}) or ["(no subnets)"]
    width = 10 / len(zones)
    ax.add_patch(Rectangle((0, 0), 10, 6, fill=False, lw=2, ec=PALETTE[0]))
    ax.text(0, 6.1, f"VPC {layout['cidr']}", color=PALETTE[0], fontsize=11, va="bottom")
    if layout["internet_gateways"]:
        ax.add_patch(Rectangle((4, 6.5), 2, 0.8, fc=PALETTE[5], ec="black"))
        ax.text(5, 6.9, "internet gateway", ha="center", va="center", fontsize=9)
    boxes, nat_box = {}, {}
    for col, zone in enumerate(zones):
        x0 = col * width
        ax.text(x0 + width / 2, 5.3, zone, ha="center", fontsize=10, style="italic")
        ax.add_patch(Rectangle((x0 + 0.15, 0.2), width - 0.3, 4.9, fill=False, ls="--", ec="grey"))
        in_zone = [s for s in layout["subnets"] if s["az"] == zone]
        height = 4.4 / max(len(in_zone), 1)
        for row, subnet in enumerate(in_zone):
            box = (x0 + 0.35, 4.9 - (row + 1) * height + 0.1, width - 0.7, height - 0.2)
            colour = PALETTE[2] if subnet["kind"] == PUBLIC else PALETTE[1]
            ax.add_patch(Rectangle(box[:2], box[2], box[3], fc=colour, alpha=0.35))
            label = f"{subnet['name']}\n{subnet['cidr']}\n{subnet['kind']}"
            ax.text(box[0] + box[2] * 0.4, box[1] + box[3] / 2, label, ha="center", va="center", fontsize=8)
            boxes[subnet["subnet"]] = box
            for nat in layout["nat_gateways"]:
                if nat["subnet"] == subnet["subnet"]:
                    ax.text(
                        box[0] + box[2] * 0.85,
                        box[1] + 0.15,
                        "NAT gw",
                        ha="center",
                        fontsize=8,
                        weight="bold",
                    )
                    nat_box[nat["id"]] = box
    for subnet in layout["subnets"]:
        x, y, w, h = boxes[subnet["subnet"]]
        default = [r for r in subnet["routes"].split(", ") if r.startswith("0.0.0.0/0 -> ")]
        target = default[0].split(" -> ")[1] if default else ""
        start = (x + w * 0.85, y + h)
        if target.startswith("igw-"):
            end = (5, 6.5)
        elif target in nat_box:
            nx, ny, nw, _ = nat_box[target]
            end = (nx + nw * 0.85, ny)
        else:
            continue
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="->", mutation_scale=12, color="black", lw=1))
    ax.set(xlim=(-0.2, 10.2), ylim=(-0.2, 7.5))
    return fig, ax


def associate_network_acl(ec2: Any, subnet_id: str, network_acl_id: str) -> str:
    """Make NETWORK_ACL_ID the network ACL of SUBNET_ID; returns the new association id.

    A subnet always has exactly one network ACL (the VPC's default one unless changed), so the
    API replaces the subnet's current association rather than adding one.
    """
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    for acl in current["NetworkAcls"]:
        for association in acl["Associations"]:
            if association["SubnetId"] == subnet_id:
                if acl["NetworkAclId"] == network_acl_id:
                    return association["NetworkAclAssociationId"]
                return ec2.replace_network_acl_association(
                    AssociationId=association["NetworkAclAssociationId"], NetworkAclId=network_acl_id
                )["NewAssociationId"]
    raise CourseInputError(f"{subnet_id} has no network ACL association: is it a subnet of this sandbox?")
