"""Services from the seed notes that AWS has since retired or closed to new customers, with dates."""

import datetime as dt
from dataclasses import dataclass

import matplotlib.dates as mdates
import pandas as pd

from course.data import load_json
from course.lessons.plotting import new_figure

DATA_FILE = "service_lifecycle.json"


@dataclass(frozen=True)
class LifecycleEvent:
    """One change in a service's availability, and what AWS points customers to instead."""

    service: str
    event: str
    date: dt.date
    replacement: str


def lifecycle_events() -> list[LifecycleEvent]:
    """Every event in course/data/service_lifecycle.json, oldest first."""
    events = [
        LifecycleEvent(
            item["service"], item["event"], dt.date.fromisoformat(item["date"]), item["replacement"]
        )
        for item in load_json(DATA_FILE)["items"]
    ]
    return sorted(events, key=lambda e: (e.date, e.service))


def current_status(on: dt.date | None = None) -> pd.DataFrame:
    """Each service's latest event on or before ON (default: the data file's as_of date)."""
    items = load_json(DATA_FILE)["items"]
    on = on or max(dt.date.fromisoformat(item["as_of"]) for item in items)
    latest: dict[str, LifecycleEvent] = {}
    for event in lifecycle_events():
        if event.date <= on:
            latest[event.service] = event
    rows = [
        {"service": e.service, "status": e.event, "since": e.date.isoformat(), "use instead": e.replacement}
        for e in sorted(latest.values(), key=lambda e: e.date)
    ]
    return pd.DataFrame(rows, columns=["service", "status", "since", "use instead"]).set_index("service")


# How the timeline draws each kind of event: (legend label, colour).
EVENT_STYLE = {
    "end of life": ("retired (end of life or discontinued)", "C3"),
    "discontinued": ("retired (end of life or discontinued)", "C3"),
    "closed to new customers": ("closed to new customers", "C1"),
    "reopened to new customers": ("reopened to new customers", "C2"),
}


def timeline_figure():
    """A timeline of every event, one row per service, in the course's plotting style."""
    events = lifecycle_events()
    services = list(dict.fromkeys(e.service for e in events))
    fig, ax = new_figure("Retirements and closures of the notes' services", "", "")
    for row, service in enumerate(services):
        dates = [e.date for e in events if e.service == service]
        if len(dates) > 1:
            ax.plot(dates, [row] * len(dates), color="C1", linewidth=3, alpha=0.4)
    for e in events:
        label, colour = EVENT_STYLE[e.event]
        row = services.index(e.service)
        ax.scatter(e.date, row, color=colour, s=70, zorder=3, label=label)
        ax.annotate(
            e.date.isoformat(),
            (e.date, row),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(services)), services)
    ax.set_ylim(-0.6, len(services) - 0.4)
    ax.set_xlim(dt.date(2024, 1, 1), dt.date(2026, 3, 1))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 7]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    handles = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    ax.legend(handles.values(), handles.keys(), loc="lower right")
    return fig
