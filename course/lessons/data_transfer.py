"""Moving data into AWS: days over the network against shipping devices.

Facts and dates: course/data/data_transfer_devices.json.

The network formula is AWS's own (AWS Import/Export FAQ):
    days = bytes / (Mbit/s x 125 x 1000 x utilisation x 86,400)
Network speeds are decimal, so a TB here is 10**12 bytes. Shipping is modelled in rounds: each round sends
`devices` devices of `capacity_tb` each, takes `shipping_days` in transit (both ways together) and
`loading_days` to copy the data on and off; a round moves at most devices x capacity.
"""

import math
from dataclasses import dataclass
from functools import cache

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.records import Record

DATA_FILE = "data_transfer_devices.json"


@cache
def _items() -> dict[str, dict]:
    return {item["key"]: item for item in load_json(DATA_FILE)["items"]}


def option(key: str) -> dict:
    """The data file's entry KEY ('network', 'snowball_edge_storage_optimized', 'snowcone', ...)."""
    items = _items()
    if key not in items:
        raise CourseInputError(f"unknown transfer option {key!r}; known: {', '.join(items)}")
    return dict(items[key])


def network() -> dict:
    """The constants of the network formula and AWS's one-week rule of thumb."""
    return option("network")


def network_days(tb: float, mbps: float, utilisation: float | None = None) -> float:
    """Days to send TB terabytes (10**12 bytes) over a link of MBPS Mbit/s used at UTILISATION (0-1]."""
    net = network()
    tb = inputs.amount("tb", tb, "TB")
    mbps = inputs.positive("mbps", mbps, "Mbit/s")
    if utilisation is None:
        utilisation = net["default_utilisation"]
    utilisation = inputs.positive("utilisation", utilisation, hint="a share such as 0.8 for 80 %")
    if utilisation > 1:
        raise CourseInputError(f"utilisation is a share between 0 and 1, such as 0.8 (got {utilisation})")
    bytes_per_second = mbps * 1_000_000 / net["bits_per_byte"] * utilisation
    return tb * net["bytes_per_tb"] / bytes_per_second / net["seconds_per_day"]


def device_days(
    tb: float, capacity_tb: float, shipping_days: float, loading_days: float, devices: int = 1
) -> float:
    """Days to move TB terabytes by shipping DEVICES devices of CAPACITY_TB at a time, each round taking
    SHIPPING_DAYS in transit and LOADING_DAYS to copy on and off; 0 TB takes 0 days."""
    tb = inputs.amount("tb", tb, "TB")
    capacity_tb = inputs.positive("capacity_tb", capacity_tb, "TB")
    shipping_days = inputs.amount("shipping_days", shipping_days, "days")
    loading_days = inputs.amount("loading_days", loading_days, "days")
    devices = inputs.count("devices", devices, minimum=1)
    rounds = math.ceil(tb / (capacity_tb * devices)) if tb else 0
    return rounds * (shipping_days + loading_days)


@dataclass(frozen=True)
class TransferPlan(Record):
    """Network days against shipping days for one data set, and which is faster."""

    tb: float
    mbps: float
    utilisation: float
    network_days: float
    devices_needed: int
    device_days: float
    faster: str


def compare(
    tb: float,
    mbps: float,
    *,
    capacity_tb: float,
    shipping_days: float,
    loading_days: float,
    devices: int = 1,
    utilisation: float | None = None,
) -> TransferPlan:
    """Network against shipping for TB terabytes; `faster` is 'network' unless the devices take fewer days."""
    utilisation = network()["default_utilisation"] if utilisation is None else utilisation
    over_network = network_days(tb, mbps, utilisation)
    by_device = device_days(tb, capacity_tb, shipping_days, loading_days, devices)
    return TransferPlan(
        tb=float(tb),
        mbps=float(mbps),
        utilisation=float(utilisation),
        network_days=over_network,
        devices_needed=math.ceil(tb / capacity_tb),
        device_days=by_device,
        faster="device" if by_device < over_network else "network",
    )


def days_table(
    sizes_tb: list[float], speeds_mbps: list[float], utilisation: float | None = None
) -> pd.DataFrame:
    """Network days for each data size (rows) and link speed (columns)."""
    return pd.DataFrame(
        {
            f"{mbps:,g} Mbit/s": [network_days(tb, mbps, utilisation) for tb in sizes_tb]
            for mbps in speeds_mbps
        },
        index=pd.Index([f"{tb:,g} TB" for tb in sizes_tb], name="data"),
    )


def options_table() -> pd.DataFrame:
    """The physical transfer options with their capacity and status as of the data file's date."""
    rows = []
    for item in _items().values():
        if item["kind"] == "online":
            continue
        dates = [
            f"{k.replace('_', ' ')} {item[k]}"
            for k in ("launched", "closed_to_new_customers", "shutdown")
            if k in item
        ]
        rows.append(
            {
                "option": item["name"],
                "capacity": f"{item['capacity_tb']:,} TB"
                if "capacity_tb" in item
                else f"{item['links_per_facility']} x {item['link_gbps']} Gbit/s links",
                "status": item["status"],
                "dates": "; ".join(dates),
                "instead": item.get("replacement", ""),
                "as of": item["as_of"],
            }
        )
    return pd.DataFrame(rows).set_index("option")
