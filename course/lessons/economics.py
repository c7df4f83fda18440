"""Cloud economics: fixed versus variable cost, and what provisioning for the peak wastes."""

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from course import inputs
from course.errors import CourseInputError


def cumulative_costs(
    upfront: float, onprem_monthly: float, cloud_monthly: float, months: int
) -> pd.DataFrame:
    """Month-by-month running totals of buying (CapEx plus running costs) against renting (OpEx)."""
    upfront = inputs.amount("upfront", upfront, "dollars")
    onprem_monthly = inputs.amount("onprem_monthly", onprem_monthly, "dollars")
    cloud_monthly = inputs.amount("cloud_monthly", cloud_monthly, "dollars")
    months = inputs.count("months", months, minimum=1)
    month = pd.RangeIndex(0, months + 1, name="month")
    return pd.DataFrame(
        {"on_premises": upfront + onprem_monthly * month, "cloud": cloud_monthly * month}, index=month
    )


@dataclass(frozen=True)
class CapacityCost:
    """What a demand curve costs on fixed capacity sized for its peak and on elastic capacity."""

    fixed: float
    elastic: float

    @property
    def idle(self) -> float:
        """Money spent on capacity that sat unused."""
        return self.fixed - self.elastic


def capacity_cost(demand: Sequence[float], price_per_unit_hour: float) -> CapacityCost:
    """Cost of hourly DEMAND (units per hour) when provisioned for the peak versus used as needed."""
    price = inputs.amount("price_per_unit_hour", price_per_unit_hour, "dollars")
    if not len(demand):
        raise CourseInputError("demand must hold at least one hour")
    hours = [inputs.amount("each hour's demand", d, "units") for d in demand]
    return CapacityCost(fixed=max(hours) * len(hours) * price, elastic=sum(hours) * price)
