"""EC2 instance types: read a name like r6gd.xlarge, look up its specs and its on-demand price.

A name is series + generation + attribute letters, a dot, then the size: in r6gd.xlarge the series
is r (memory optimized), the generation 6, g says AWS Graviton and d local NVMe storage.

Category rules (one category per series, as in the AWS instance-types guide):
- general purpose: m, t, a, and mac (Apple Mac minis; AWS lists them as general purpose);
- compute optimized: c, cc;
- memory optimized: r, x, u, z, cr;
- storage optimized: i, im, is, d, h, hi, hs;
- accelerated computing: p, g, gr, f, inf, trn, dl, vt, cg;
- high-performance computing: hpc.
The rule goes by series only, so the retired m2 (an early high-memory type) counts as general
purpose.

Names come from botocore's offline EC2 model, specs from the catalogue moto ships
(EC2 DescribeInstanceTypes output), prices from course/data/ec2_on_demand_prices.csv.
"""

import dataclasses
import difflib
import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import botocore.session
import pandas as pd

from course.data import load_csv
from course.errors import CourseInputError
from course.records import Record

PRICES_FILE = "ec2_on_demand_prices.csv"
DEFAULT_REGION = "us-east-1"
NAME_FORMAT = "family + generation + attributes, a dot, then the size, e.g. m5.2xlarge"

SERIES_CATEGORY = {
    **dict.fromkeys(["m", "t", "a", "mac"], "general purpose"),
    **dict.fromkeys(["c", "cc"], "compute optimized"),
    **dict.fromkeys(["r", "x", "u", "z", "cr"], "memory optimized"),
    **dict.fromkeys(["i", "im", "is", "d", "h", "hi", "hs"], "storage optimized"),
    **dict.fromkeys(["p", "g", "gr", "f", "inf", "trn", "dl", "vt", "cg"], "accelerated computing"),
    "hpc": "high-performance computing",
}

ATTRIBUTE_DESCRIPTIONS = {
    "a": "AMD processor",
    "g": "AWS Graviton processor",
    "i": "Intel processor",
    "b": "EBS (block storage) optimized",
    "d": "local NVMe instance storage",
    "e": "extra memory or storage",
    "n": "network and EBS optimized",
    "z": "high CPU frequency",
    "q": "Qualcomm inference accelerators",
    "flex": "Flex instance: lower price, full CPU performance about 95% of the time",
}
PROCESSOR_LETTERS = {"a": "AMD", "g": "AWS Graviton", "i": "Intel"}
UNDOCUMENTED = "not in the AWS naming guide"

_FAMILY = re.compile(
    r"(?P<series>[a-z]+)(?:(?P<generation>\d+)(?P<letters>[a-z]*))?(?:-(?P<variant>[a-z0-9]+))?"
)
# u-6tb1: 6 TiB of memory, generation 1
_OLD_HIGH_MEMORY = re.compile(r"(?P<variant>\d+tb)(?P<generation>\d+)")
_SIZE = re.compile(r"nano|micro|small|medium|large|\d*xlarge|metal(-\d+xl)?")
TABLE_COLUMNS = [
    "name",
    "family",
    "category",
    "processor",
    "vcpu",
    "memory_gib",
    "usd_per_hour",
    "memory_per_vcpu",
]


@dataclass(frozen=True)
class InstanceName:
    """What an instance-type name says, read from the name alone."""

    name: str
    family: str
    series: str
    generation: int | None  # None for mac-m4 style names, which carry the Apple chip instead
    attributes: tuple[str, ...]
    variant: str  # what follows a dash: "6tb" in u-6tb1, "b200" in p6-b200, "m2pro" in mac2-m2pro
    processor: str
    category: str
    size: str

    @property
    def attribute_descriptions(self) -> dict[str, str]:
        """Each attribute of the name with what it means."""
        return {a: ATTRIBUTE_DESCRIPTIONS.get(a, UNDOCUMENTED) for a in self.attributes}


@dataclass(frozen=True)
class InstanceType(InstanceName, Record):
    """An instance type with its specs and, when the course has one, its us-east-1 Linux price."""

    vcpu: int
    memory_gib: float
    # As EC2 reports it now, i.e. for accounts opened from 2025-07-15: t3.micro yes, t2.micro no.
    free_tier_eligible: bool | None
    cpu_manufacturer: str  # from the specs: shows e.g. that g5's "Intel (default)" is really AMD
    on_demand_usd_per_hour: float | None
    price_as_of: str | None
    price_source: str | None


def _normalize(name: str) -> str:
    """Lower-case NAME without spaces, or a CourseInputError saying what the format is."""
    cleaned = str(name).strip().lower().replace(" ", "")
    family, dot, size = cleaned.partition(".")
    if not (family and dot and size):
        raise CourseInputError(f"malformed instance type name {name!r}; the format is {NAME_FORMAT}")
    return cleaned


def _processor(family: str, series: str, attributes: tuple[str, ...]) -> str:
    """Processor maker the name tells, or "Intel (default)" when it tells none."""
    if series == "mac":
        return "Intel" if family == "mac1" else "Apple"  # mac1 is the Intel Mac mini
    if series == "a":
        return "AWS Graviton"  # a1: the first Graviton (Arm) instances
    for letter in attributes:
        if letter in PROCESSOR_LETTERS:
            return PROCESSOR_LETTERS[letter]
    return "Intel (default)"


def parse_instance_type(name: str) -> InstanceName:
    """Read series, generation, attributes, processor, category and size from NAME."""
    cleaned = _normalize(name)
    family, _, size = cleaned.partition(".")
    match = _FAMILY.fullmatch(family)
    if not match or match["series"] not in SERIES_CATEGORY:
        raise CourseInputError(
            f"cannot read the family {family!r} in {name!r}; the format is {NAME_FORMAT}, "
            f"with one of the series {', '.join(sorted(SERIES_CATEGORY))}"
        )
    if not _SIZE.fullmatch(size):
        raise CourseInputError(
            f"cannot read the size {size!r} in {name!r}; sizes are nano, micro, small, medium, "
            "large, xlarge, 2xlarge ... 48xlarge, metal or metal-24xl"
        )
    series, generation, letters, variant = match.group("series", "generation", "letters", "variant")
    variant = variant or ""
    old_high_memory = _OLD_HIGH_MEMORY.fullmatch(variant) if generation is None else None
    if old_high_memory:
        variant, generation = old_high_memory.group("variant", "generation")
    attributes = tuple(letters or "")
    if variant == "flex":
        attributes, variant = (*attributes, "flex"), ""
    return InstanceName(
        name=cleaned,
        family=family,
        series=series,
        generation=int(generation) if generation else None,
        attributes=attributes,
        variant=variant,
        processor=_processor(family, series, attributes),
        category=SERIES_CATEGORY[series],
        size=size,
    )


@cache
def _known() -> tuple[str, ...]:
    model = botocore.session.get_session().get_service_model("ec2")
    return tuple(model.shape_for("InstanceType").enum)


def known_instance_types() -> list[str]:
    """Every instance-type name in botocore's offline EC2 model (no network, no credentials)."""
    return list(_known())


def _check_known(name: str) -> str:
    """Normalized NAME, or a CourseInputError with the closest known name."""
    cleaned = _normalize(name)
    if cleaned in _known():
        return cleaned
    close = difflib.get_close_matches(cleaned, _known(), n=1)
    hint = f"did you mean {close[0]}?" if close else "known_instance_types() lists them all"
    raise CourseInputError(f"unknown instance type {cleaned!r}; {hint}")


@cache
def _specs() -> dict[str, dict]:
    path = resources.files("moto") / "ec2" / "resources" / "instance_types.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def _price_rows(region: str) -> dict[str, dict[str, str]]:
    return {row["instance_type"]: row for row in load_csv(PRICES_FILE) if row["region"] == region}


def on_demand_price(name: str, region: str = DEFAULT_REGION) -> float:
    """Linux on-demand USD per hour of NAME in REGION, from the course's dated price file."""
    cleaned = _check_known(name)
    rows = _price_rows(region.strip().lower())
    if cleaned not in rows:
        regions = sorted({row["region"] for row in load_csv(PRICES_FILE)})
        raise CourseInputError(
            f"the course has no {region} price for {cleaned}; priced there: "
            f"{', '.join(rows) or 'none'}; regions with prices: {', '.join(regions)}"
        )
    return float(rows[cleaned]["usd_per_hour"])


def instance_type(name: str) -> InstanceType:
    """NAME read, with vCPUs, memory, free-tier eligibility and the us-east-1 price if known."""
    parsed = parse_instance_type(_check_known(name))
    spec = _specs().get(parsed.name)
    if spec is None:
        raise CourseInputError(
            f"{parsed.name} is a known name but the course has no specs for it (mostly retired "
            f"types); parse_instance_type({parsed.name!r}) still reads the name"
        )
    price = _price_rows(DEFAULT_REGION).get(parsed.name)
    maker = spec["ProcessorInfo"]["Manufacturer"]
    return InstanceType(
        **dataclasses.asdict(parsed),
        vcpu=spec["VCpuInfo"]["DefaultVCpus"],
        memory_gib=spec["MemoryInfo"]["SizeInMiB"] / 1024,
        free_tier_eligible=spec.get("FreeTierEligible"),
        cpu_manufacturer="AWS Graviton" if maker == "AWS" else maker,
        on_demand_usd_per_hour=float(price["usd_per_hour"]) if price else None,
        price_as_of=price["as_of"] if price else None,
        price_source=price["source"] if price else None,
    )


def _family_members(family: str) -> list[str]:
    """Known names of FAMILY that have specs, or a CourseInputError with the closest family."""
    wanted = family.strip().lower()
    families = sorted({n.partition(".")[0] for n in _known()})
    if wanted not in families:
        close = difflib.get_close_matches(wanted, families, n=1)
        hint = f"did you mean {close[0]}?" if close else f"families: {', '.join(families)}"
        raise CourseInputError(f"unknown instance family {family!r}; {hint}")
    return [n for n in _known() if n.partition(".")[0] == wanted and n in _specs()]


def instance_table(names: list[str] | None = None, families: list[str] | None = None) -> pd.DataFrame:
    """One row per type in NAMES and FAMILIES (default: the types with a us-east-1 price)."""
    if names is None and families is None:
        chosen = list(_price_rows(DEFAULT_REGION))
    else:
        chosen = list(names or []) + [n for f in families or [] for n in _family_members(f)]
    rows = {}
    for item in chosen:
        t = instance_type(item)
        rows[t.name] = {
            "name": t.name,
            "family": t.family,
            "category": t.category,
            "processor": t.cpu_manufacturer or t.processor,  # EC2's specs beat a guess from the name
            "vcpu": t.vcpu,
            "memory_gib": t.memory_gib,
            "usd_per_hour": t.on_demand_usd_per_hour,
            "memory_per_vcpu": t.memory_gib / t.vcpu,
        }
    table = pd.DataFrame(list(rows.values()), columns=TABLE_COLUMNS).astype({"usd_per_hour": float})
    order = ["category", "family", "vcpu", "memory_gib"]
    return table.sort_values(order, kind="stable", ignore_index=True)


def category_counts() -> pd.Series:
    """How many known instance-type names fall in each category, largest first."""
    categories = [parse_instance_type(n).category for n in _known()]
    counts = pd.Series(categories).value_counts()
    return counts.rename_axis("category").rename("instance types")
