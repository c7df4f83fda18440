"""VPC helpers: usable addresses, route tables of subnets, public or private, and the sandbox layout."""

import pytest

from course.errors import CourseInputError
from course.lessons import vpc_routing
from course.pricing import vpc as vpc_pricing


def test_usable_addresses():
    assert vpc_routing.usable_addresses("10.0.0.0/24") == 251
    assert vpc_routing.usable_addresses("10.0.0.0/16") == 65531
    assert vpc_routing.usable_addresses("10.0.0.0/28") == 11
    for bad in ("10.0.0.0/29", "10.0.0.0/8", "nonsense"):
        with pytest.raises(CourseInputError):
            vpc_routing.usable_addresses(bad)


TABLES = [
    {
        "RouteTableId": "rtb-main",
        "Associations": [{"Main": True}],
        "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}],
    },
    {
        "RouteTableId": "rtb-pub",
        "Associations": [{"Main": False, "SubnetId": "subnet-a"}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
        ],
    },
    {
        "RouteTableId": "rtb-priv",
        "Associations": [{"Main": False, "SubnetId": "subnet-b"}],
        "Routes": [
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"},
            {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"},
        ],
    },
]


def test_route_table_of_and_kind():
    assert vpc_routing.route_table_of(TABLES, "subnet-a")["RouteTableId"] == "rtb-pub"
    assert vpc_routing.route_table_of(TABLES, "subnet-z")["RouteTableId"] == "rtb-main"
    kinds = [vpc_routing.subnet_kind(t) for t in TABLES]
    assert kinds == [vpc_routing.ISOLATED, vpc_routing.PUBLIC, vpc_routing.VIA_NAT]
    assert vpc_routing.route_destination(TABLES[2]["Routes"][1]) == "pl-1"
    assert vpc_routing.route_target(TABLES[2]["Routes"][1]) == "vpce-1"
    with pytest.raises(CourseInputError):
        vpc_routing.route_table_of(TABLES[1:], "subnet-z")


def test_layout_and_figure_from_the_sandbox():
    from course.aws.sandbox import Sandbox

    with Sandbox(isolated=True) as box:
        ec2 = box.client("ec2")
        vpc = ec2.create_vpc(
            CidrBlock="10.9.0.0/16", TagSpecifications=vpc_routing.name_tags("vpc", "t-vpc")
        )["Vpc"]
        assert vpc_routing.find_named(ec2, "vpc", "t-vpc")["VpcId"] == vpc["VpcId"]
        assert vpc_routing.find_named(ec2, "vpc", "absent") is None
        pub = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.9.0.0/24", AvailabilityZone="us-east-1a")[
            "Subnet"
        ]
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-1a")
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc["VpcId"])
        rt = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=pub["SubnetId"])
        layout = vpc_routing.vpc_layout(ec2, vpc["VpcId"])
        assert [s["kind"] for s in layout["subnets"]] == [vpc_routing.PUBLIC, vpc_routing.ISOLATED]
        assert layout["internet_gateways"] == [igw] and layout["name"] == "t-vpc"
        acl = ec2.create_network_acl(VpcId=vpc["VpcId"])["NetworkAcl"]["NetworkAclId"]
        first = vpc_routing.associate_network_acl(ec2, pub["SubnetId"], acl)
        assert vpc_routing.associate_network_acl(ec2, pub["SubnetId"], acl) == first
        found = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Associations"]
        assert [a["SubnetId"] for a in found] == [pub["SubnetId"]]
        with pytest.raises(CourseInputError):
            vpc_routing.associate_network_acl(ec2, "subnet-nothing", acl)
        fig, ax = vpc_routing.draw_vpc(layout)
        assert len(ax.patches) >= 5
    with pytest.raises(CourseInputError):
        vpc_routing.name_tags("bucket", "x")


def test_nat_gateway_cost():
    month = vpc_pricing.nat_gateway_monthly_cost(1000)
    hour, gb = vpc_pricing.price("nat_gateway_hour"), vpc_pricing.price("nat_gateway_gb")
    assert month.hourly_cost == pytest.approx(730 * hour["price_usd"])
    assert month.processing_cost == pytest.approx(1000 * gb["price_usd"])
    assert month.total == pytest.approx(month.hourly_cost + month.processing_cost)
    assert vpc_pricing.nat_gateway_monthly_cost(0, gateways=2, hours=10).total == pytest.approx(
        20 * hour["price_usd"]
    )
    with pytest.raises(CourseInputError):
        vpc_pricing.nat_gateway_monthly_cost(-1)
    with pytest.raises(CourseInputError):
        vpc_pricing.price("nothing")
    assert vpc_pricing.price("gateway_endpoint")["price_usd"] == 0
