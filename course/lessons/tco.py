"""Total cost of ownership: running servers on premises against running them on AWS, year by year.

The example company and every on-premises figure come from course/data/tco_assumptions.json (each
marked published or illustrative, with its source). Cloud prices come from the course's price files
through course.pricing.ec2 and course.pricing.s3, so the comparison follows them when they change.
"""

import copy

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.pricing import ec2, s3

DATA_FILE = "tco_assumptions.json"
HOURS_PER_WEEK = 7 * 24
MONTHS_PER_YEAR = 12
WATTS_PER_KW = 1000
ITEM_ORDER = ["compute (EC2)", "storage (S3)", "power and cooling", "data-centre space", "staff", "licences"]


def assumptions() -> dict:
    """A copy of the whole assumptions file."""
    return copy.deepcopy(load_json(DATA_FILE))


def _values(section: str) -> dict:
    return {item["key"]: item["value"] for item in load_json(DATA_FILE)[section]}


def onprem_assumptions() -> dict:
    """The on-premises figures by key, e.g. {'server_price': 12000, ...}."""
    return _values("on_premises")


def cloud_assumptions() -> dict:
    """The cloud-side choices by key (instance types, commitment, staff, migration cost)."""
    return _values("cloud")


def assumptions_table() -> pd.DataFrame:
    """Every assumption with its unit, kind (published or illustrative) and basis, one row each."""
    rows = [
        {"side": side, **{k: item[k] for k in ("label", "value", "unit", "kind", "basis", "source")}}
        for side in ("on_premises", "cloud")
        for item in load_json(DATA_FILE)[side]
    ]
    return pd.DataFrame(rows).set_index(["side", "label"])


def scenario() -> dict:
    """The example company: servers, hardware age and years compared."""
    s = load_json(DATA_FILE)["scenario"]
    return {k: s[k] for k in ("servers", "hardware_age_years", "years")}


def onprem_yearly(servers: int | None = None, overrides: dict | None = None) -> dict[str, float]:
    """USD a year to run SERVERS on premises, by item: power and cooling, space, staff, licences.

    OVERRIDES replaces assumptions by key (e.g. {"usd_per_kwh": 0.25}).
    """
    a = onprem_assumptions() | (overrides or {})
    servers = inputs.count("servers", scenario()["servers"] if servers is None else servers, minimum=1)
    kwh = servers * a["watts_per_server"] / WATTS_PER_KW * a["pue"] * ec2.hours_per_year()
    racks = -(-servers // a["servers_per_rack"])  # whole racks
    return {
        "power and cooling": kwh * a["usd_per_kwh"],
        "data-centre space": racks * a["usd_per_rack_month"] * MONTHS_PER_YEAR,
        "staff": a["admin_fte"] * a["usd_per_fte_year"],
        "licences": servers * a["licence_per_server_year"],
    }


def onprem_refresh_cost(servers: int | None = None, overrides: dict | None = None) -> float:
    """USD to buy the servers and the storage again when the hardware reaches the end of its life."""
    a = onprem_assumptions() | (overrides or {})
    servers = inputs.count("servers", scenario()["servers"] if servers is None else servers, minimum=1)
    return servers * a["server_price"] + a["storage_tb"] * a["storage_price_per_tb"]


def refresh_years(years: int, life_years: int, age_years: int = 0) -> list[int]:
    """The years (1 = the first) at whose start hardware AGE_YEARS old today is bought again.

    New hardware (age 0) is bought at the start of year 1, then every LIFE_YEARS years.
    """
    years = inputs.count("years", years, minimum=1)
    life_years = inputs.count("life_years", life_years, minimum=1)
    age_years = inputs.count("age_years", age_years)
    return [y for y in range(1, years + 1) if (age_years + y - 1) % life_years == 0]


def storage_gb() -> float:
    """The on-premises storage capacity in GB as S3 bills it (1 TB = 1,024 GB)."""
    return onprem_assumptions()["storage_tb"] * s3.s3_prices()["gb_per_tb"]


def cloud_yearly(optimized: bool = False, servers: int | None = None) -> dict[str, float]:
    """USD a year on AWS, by item: compute (EC2), storage (S3), staff, licences (brought along).

    As is: one On-Demand instance of the servers' size per server, all year. Optimized: rightsized
    instances, the always-on ones on the commitment, the others stopped outside office hours.
    """
    c, a = cloud_assumptions(), onprem_assumptions()
    servers = inputs.count("servers", scenario()["servers"] if servers is None else servers, minimum=1)
    if optimized:
        always_on = min(c["always_on"], servers)
        office = ec2.hours_per_year() * c["office_hours_per_week"] / HOURS_PER_WEEK
        compute = always_on * ec2.yearly_cost(c["rightsized_type"], c["commitment"]) + (
            servers - always_on
        ) * ec2.yearly_cost(c["rightsized_type"], "on_demand", office)
    else:
        compute = servers * ec2.yearly_cost(c["instance_type"], "on_demand")
    storage = s3.monthly_storage_cost(storage_gb(), c["storage_class"]).total * MONTHS_PER_YEAR
    return {
        "compute (EC2)": compute,
        "storage (S3)": storage,
        "staff": c["admin_fte"] * a["usd_per_fte_year"],
        "licences": servers * a["licence_per_server_year"],
    }


def yearly_table() -> pd.DataFrame:
    """A year of each option side by side, item by item, with a total row."""
    table = pd.DataFrame(
        {
            "on premises": onprem_yearly(),
            "AWS as is": cloud_yearly(),
            "AWS optimized": cloud_yearly(optimized=True),
        }
    ).fillna(0.0)
    table = table.loc[[*ITEM_ORDER, *(i for i in table.index if i not in ITEM_ORDER)]]
    table.loc["total"] = table.sum()
    return table


def cumulative(
    upfront: float, yearly: float, years: int, extra: dict[int, float] | None = None
) -> list[float]:
    """Running total at the end of years 0..YEARS: UPFRONT at year 0, YEARLY each year, and
    EXTRA[y] added in year y (for example a hardware refresh)."""
    upfront = inputs.amount("upfront", upfront, "dollars")
    yearly = inputs.amount("yearly", yearly, "dollars")
    years = inputs.count("years", years, minimum=1)
    extra = extra or {}
    unknown = sorted(y for y in extra if not (type(y) is int and 1 <= y <= years))
    if unknown:
        raise CourseInputError(f"extra costs fall in years 1 to {years}, not in {unknown}")
    totals, running = [upfront], upfront
    for year in range(1, years + 1):
        running += yearly + inputs.amount(f"extra[{year}]", extra.get(year, 0.0), "dollars")
        totals.append(running)
    return totals


def cumulative_table(years: int | None = None) -> pd.DataFrame:
    """Cumulative USD at the end of each year for the example company: on premises (with the
    hardware refresh when it falls due), AWS as is and AWS optimized (both after the migration)."""
    s = scenario()
    years = s["years"] if years is None else years
    a, c = onprem_assumptions(), cloud_assumptions()
    refresh = onprem_refresh_cost()
    extra = {y: refresh for y in refresh_years(years, a["server_life_years"], s["hardware_age_years"])}
    migration = c["migration_one_off"]
    index = pd.RangeIndex(0, years + 1, name="year")
    return pd.DataFrame(
        {
            "on premises": cumulative(0.0, sum(onprem_yearly().values()), years, extra),
            "AWS as is": cumulative(migration, sum(cloud_yearly().values()), years),
            "AWS optimized": cumulative(migration, sum(cloud_yearly(optimized=True).values()), years),
        },
        index=index,
    )


def plot_cumulative(table: pd.DataFrame, ax) -> None:
    """Draw each column of TABLE as a line of cumulative cost (thousands of USD) by year on AX."""
    for name in table.columns:
        ax.plot(table.index, table[name] / 1000, marker="o", label=name)
    ax.set_xticks(list(table.index))
    ax.legend()
