"""The 7 Rs, the migration services' status, and the idempotent DMS helpers against moto."""

import pytest

from course.aws.sandbox import Sandbox
from course.lessons import migration


def test_seven_strategies_from_least_to_most_change():
    assert migration.strategy_keys() == [
        "retire",
        "retain",
        "rehost",
        "relocate",
        "repurchase",
        "replatform",
        "refactor",
    ]
    for s in migration.strategies():
        assert s["definition"] and s["fits_when"] and s["source"].startswith("https://")


def test_migration_hub_is_shown_as_closed_to_new_customers():
    status = migration.services_table()["status"]
    assert status["AWS Migration Hub"].startswith("closed to new customers on 2025-11-07")
    assert status["AWS Application Migration Service (MGN)"] == "available"


@pytest.fixture(scope="module")
def dms():
    with Sandbox(isolated=True) as box:
        yield box.client("dms")


def test_find_returns_none_for_unknown_names(dms):
    assert migration.find_endpoint(dms, "clf-test-none") is None
    assert migration.find_task(dms, "clf-test-none") is None
    assert migration.find_replication_instance(dms, "clf-test-none") is None


def test_ensure_creates_once_and_then_finds(dms):
    first = migration.ensure_replication_instance(dms, "clf-test-rep", "dms.t3.micro", 20)
    again = migration.ensure_replication_instance(dms, "clf-test-rep", "dms.t3.micro", 20)
    assert first["ReplicationInstanceArn"] == again["ReplicationInstanceArn"]
    settings = {"EndpointType": "source", "EngineName": "mysql", "ServerName": "db.example", "Port": 3306}
    e1 = migration.ensure_endpoint(dms, "clf-test-src", **settings)
    e2 = migration.ensure_endpoint(dms, "clf-test-src", **settings)
    assert e1["EndpointArn"] == e2["EndpointArn"]
    table = migration.endpoints_table(dms, "clf-test-")
    assert list(table.index) == ["clf-test-src"] and table.loc["clf-test-src", "type"] == "source"
    assert migration.endpoints_table(dms, "nothing-").empty
