"""EC2 instance-type names, specs, prices and tables."""

import math

import pytest

from course.aws.instances import (
    PRICES_FILE,
    SERIES_CATEGORY,
    category_counts,
    instance_table,
    instance_type,
    known_instance_types,
    on_demand_price,
    parse_instance_type,
)
from course.data import load_csv
from course.errors import CourseInputError

# name: (family, series, generation, attributes, processor, category, size)
PARSE_EXAMPLES = {
    "m5.2xlarge": ("m5", "m", 5, (), "Intel (default)", "general purpose", "2xlarge"),
    "r6gd.xlarge": ("r6gd", "r", 6, ("g", "d"), "AWS Graviton", "memory optimized", "xlarge"),
    "c7gn.2xlarge": ("c7gn", "c", 7, ("g", "n"), "AWS Graviton", "compute optimized", "2xlarge"),
    "t2.micro": ("t2", "t", 2, (), "Intel (default)", "general purpose", "micro"),
    "u-6tb1.metal": ("u-6tb1", "u", 1, (), "Intel (default)", "memory optimized", "metal"),
    "inf2.xlarge": ("inf2", "inf", 2, (), "Intel (default)", "accelerated computing", "xlarge"),
    "trn1.32xlarge": ("trn1", "trn", 1, (), "Intel (default)", "accelerated computing", "32xlarge"),
    "dl1.24xlarge": ("dl1", "dl", 1, (), "Intel (default)", "accelerated computing", "24xlarge"),
    "p4d.24xlarge": ("p4d", "p", 4, ("d",), "Intel (default)", "accelerated computing", "24xlarge"),
    "g5g.xlarge": ("g5g", "g", 5, ("g",), "AWS Graviton", "accelerated computing", "xlarge"),
    "x2iedn.xlarge": (
        "x2iedn",
        "x",
        2,
        ("i", "e", "d", "n"),
        "Intel",
        "memory optimized",
        "xlarge",
    ),
    "m7i-flex.large": ("m7i-flex", "m", 7, ("i", "flex"), "Intel", "general purpose", "large"),
    "mac2-m2pro.metal": ("mac2-m2pro", "mac", 2, (), "Apple", "general purpose", "metal"),
    "hpc7g.4xlarge": (
        "hpc7g",
        "hpc",
        7,
        ("g",),
        "AWS Graviton",
        "high-performance computing",
        "4xlarge",
    ),
    "i4i.large": ("i4i", "i", 4, ("i",), "Intel", "storage optimized", "large"),
    "z1d.large": ("z1d", "z", 1, ("d",), "Intel (default)", "memory optimized", "large"),
    "im4gn.large": ("im4gn", "im", 4, ("g", "n"), "AWS Graviton", "storage optimized", "large"),
    "vt1.3xlarge": ("vt1", "vt", 1, (), "Intel (default)", "accelerated computing", "3xlarge"),
    "f1.2xlarge": ("f1", "f", 1, (), "Intel (default)", "accelerated computing", "2xlarge"),
    "c7i.metal-24xl": ("c7i", "c", 7, ("i",), "Intel", "compute optimized", "metal-24xl"),
}


@pytest.mark.parametrize("name", PARSE_EXAMPLES)
def test_parse_examples(name):
    parsed = parse_instance_type(name)
    fields = ("family", "series", "generation", "attributes", "processor", "category", "size")
    assert tuple(getattr(parsed, f) for f in fields) == PARSE_EXAMPLES[name]
    assert parsed.name == name


def test_variants_and_attribute_descriptions():
    assert parse_instance_type("u-6tb1.metal").variant == "6tb"
    assert parse_instance_type("p6-b200.48xlarge").variant == "b200"
    assert parse_instance_type("mac-m4.metal").generation is None
    assert parse_instance_type("mac1.metal").processor == "Intel"
    descriptions = parse_instance_type("r6gd.xlarge").attribute_descriptions
    assert descriptions == {"g": "AWS Graviton processor", "d": "local NVMe instance storage"}


def test_every_series_has_a_category():
    assert set(SERIES_CATEGORY.values()) == {
        "general purpose",
        "compute optimized",
        "memory optimized",
        "storage optimized",
        "accelerated computing",
        "high-performance computing",
    }


def test_known_names_come_from_botocore():
    names = known_instance_types()
    assert len(names) > 1000 and len(set(names)) == len(names)
    assert {"t2.micro", "m5.2xlarge", "u-6tb1.metal", "mac2-m2pro.metal"} <= set(names)


def test_every_known_name_parses_with_a_category():
    for name in known_instance_types():
        parsed = parse_instance_type(name)
        assert parsed.category in set(SERIES_CATEGORY.values()), name
        assert parsed.generation is not None or parsed.series == "mac", name


def test_processor_letters_agree_with_the_specs():
    for name in known_instance_types():
        parsed = parse_instance_type(name)
        if parsed.processor == "Intel (default)":
            continue
        try:
            specs = instance_type(name)
        except CourseInputError:  # retired types without specs
            continue
        assert parsed.processor == specs.cpu_manufacturer, name


def test_specs_of_m5_2xlarge():
    m5 = instance_type("m5.2xlarge")
    assert (m5.vcpu, m5.memory_gib, m5.on_demand_usd_per_hour) == (8, 32.0, 0.384)
    assert m5.as_dict()["family"] == "m5"


def test_specs_of_t2_micro_and_free_tier():
    t2 = instance_type("t2.micro")
    assert (t2.vcpu, t2.memory_gib) == (1, 1.0)
    # EC2 reports the Free Tier of accounts opened from 2025-07-15: t3.micro yes, t2.micro no.
    assert t2.free_tier_eligible is False
    assert instance_type("t3.micro").free_tier_eligible is True
    assert t2.price_as_of and t2.price_source.startswith("https://")


def test_names_are_case_insensitive_and_stripped():
    assert instance_type("  M5.2XLarge ") == instance_type("m5.2xlarge")
    assert parse_instance_type(" R6GD.xlarge").family == "r6gd"


@pytest.mark.parametrize(
    ("name", "region", "price"),
    [
        ("t2.micro", "us-east-1", 0.0116),
        ("t3.micro", "us-east-1", 0.0104),
        ("t3.medium", "us-east-1", 0.0416),
        ("m5.large", "us-east-1", 0.096),
        ("m5.2xlarge", "us-east-1", 0.384),
        ("c5.large", "us-east-1", 0.085),
        ("c6i.large", "us-east-1", 0.085),
        ("r5.large", "us-east-1", 0.126),
        ("r6i.large", "us-east-1", 0.126),
        ("i4i.large", "us-east-1", 0.172),
        ("m6g.large", "us-east-1", 0.077),
        ("m7g.large", "us-east-1", 0.0816),
        ("c7g.large", "us-east-1", 0.0725),
        ("t2.micro", "eu-west-1", 0.0126),
    ],
)
def test_on_demand_prices(name, region, price):
    assert on_demand_price(name, region) == price


def test_prices_are_higher_outside_us_east_1():
    base = on_demand_price("t2.micro")
    assert on_demand_price("t2.micro", "eu-west-1") > base
    assert on_demand_price("t2.micro", "ap-southeast-1") > base


def test_price_file_rows_are_known_linux_types():
    for row in load_csv(PRICES_FILE):
        assert row["instance_type"] in known_instance_types()
        assert row["os"] == "Linux" and float(row["usd_per_hour"]) > 0


def test_missing_price_says_which_types_have_one():
    with pytest.raises(CourseInputError, match=r"no us-east-1 price for x1\.16xlarge.*m5\.large"):
        on_demand_price("x1.16xlarge")
    with pytest.raises(CourseInputError, match="regions with prices"):
        on_demand_price("m5.large", "eu-west-1")


def test_unknown_name_suggests_the_closest():
    with pytest.raises(CourseInputError) as err:
        instance_type("m5.2xlage")
    assert str(err.value) == "unknown instance type 'm5.2xlage'; did you mean m5.2xlarge?"


@pytest.mark.parametrize("name", ["", "   ", "m5", "m5.", ".large", "m52xlarge"])
def test_malformed_names_explain_the_format(name):
    for function in (instance_type, parse_instance_type):
        with pytest.raises(CourseInputError, match="a dot, then the size, e.g. m5.2xlarge"):
            function(name)


def test_parse_rejects_unknown_series_and_sizes():
    with pytest.raises(CourseInputError, match="cannot read the family"):
        parse_instance_type("zz9.large")
    with pytest.raises(CourseInputError, match="cannot read the size"):
        parse_instance_type("m5.huge")


def test_known_name_without_specs_says_so():
    with pytest.raises(CourseInputError, match="no specs"):
        instance_type("f1.2xlarge")


def test_default_table_is_the_priced_types():
    table = instance_table()
    assert list(table.columns) == [
        "name",
        "family",
        "category",
        "processor",
        "vcpu",
        "memory_gib",
        "usd_per_hour",
        "memory_per_vcpu",
    ]
    priced = {r["instance_type"] for r in load_csv(PRICES_FILE) if r["region"] == "us-east-1"}
    assert set(table["name"]) == priced
    assert table["usd_per_hour"].notna().all()
    r5 = table.set_index("name").loc["r5.large"]
    assert (r5["vcpu"], r5["memory_gib"], r5["memory_per_vcpu"]) == (2, 16.0, 8.0)


def test_table_by_family_and_names():
    table = instance_table(names=["m5.large", "M5.LARGE"], families=["T3"])
    assert list(table["name"]).count("m5.large") == 1
    assert set(table["family"]) == {"m5", "t3"}
    assert "t3.2xlarge" in set(table["name"])
    assert math.isnan(table.set_index("name").loc["t3.2xlarge", "usd_per_hour"])
    with pytest.raises(CourseInputError, match="did you mean m9g"):
        instance_table(families=["m9x"])


def test_category_counts_cover_every_known_name():
    counts = category_counts()
    assert counts.sum() == len(known_instance_types())
    assert counts.index[0] in SERIES_CATEGORY.values()
    assert counts["high-performance computing"] > 0
