"""Retired and closed services: dates in order, and the status on a given day."""

import datetime as dt

from course.lessons.lifecycle import current_status, lifecycle_events, timeline_figure

EVENTS = {"end of life", "closed to new customers", "discontinued", "reopened to new customers"}


def test_events_are_sorted_known_and_dated_after_2020():
    events = lifecycle_events()
    assert events == sorted(events, key=lambda e: (e.date, e.service))
    for e in events:
        assert e.event in EVENTS, e
        assert dt.date(2020, 1, 1) < e.date <= dt.date(2026, 11, 26), e


def test_every_closed_or_retired_service_names_a_replacement():
    for e in lifecycle_events():
        if e.event != "reopened to new customers":
            assert e.replacement, e


def test_codecommit_was_closed_then_reopened():
    status = current_status()
    assert status.loc["CodeCommit", "status"] == "reopened to new customers"
    assert current_status(dt.date(2025, 1, 1)).loc["CodeCommit", "status"] == "closed to new customers"


def test_nothing_had_happened_before_2024():
    assert current_status(dt.date(2023, 12, 31)).empty


def test_retired_services_keep_their_status():
    status = current_status()
    assert status.loc["OpsWorks Stacks", "status"] == "end of life"
    assert status.loc["CodeStar", "status"] == "discontinued"
    assert status.loc["Cloud9", "status"] == "closed to new customers"


def test_timeline_draws_one_point_per_event_and_one_row_per_service():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = timeline_figure()
    ax = fig.axes[0]
    points = sum(len(c.get_offsets()) for c in ax.collections)
    assert points == len(lifecycle_events())
    assert len(ax.get_yticks()) == len({e.service for e in lifecycle_events()})
    assert len(ax.get_legend().get_texts()) == 3
    plt.close(fig)
