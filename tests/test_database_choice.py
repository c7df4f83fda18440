"""The catalog of database services: complete, dated and sourced, and forgiving about how a name is typed."""

import pytest

from course.errors import CourseInputError
from course.lessons import database_choice

EXPECTED = [
    "Amazon RDS",
    "Amazon Aurora",
    "Amazon DynamoDB",
    "Amazon DynamoDB Accelerator",
    "Amazon ElastiCache",
    "Amazon MemoryDB",
    "Amazon DocumentDB",
    "Amazon Neptune",
    "Amazon Keyspaces",
    "Amazon Timestream",
    "Amazon OpenSearch Service",
    "Amazon QLDB",
    "Amazon Managed Blockchain",
    "Amazon Redshift",
    "Amazon EMR",
    "Amazon Athena",
    "Amazon QuickSight",
    "AWS Glue",
    "AWS Database Migration Service",
]


def test_catalog_holds_the_services_of_the_section_in_order():
    assert [svc.name for svc in database_choice.services()] == EXPECTED


def test_every_service_is_dated_and_sourced_on_an_aws_page():
    for svc in database_choice.services():
        assert svc.as_of == "2026-11-26", svc.name
        assert svc.source.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/")), svc.name
        assert svc.summary and svc.model and svc.kind in {"database", "analytics", "migration"}


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("DynamoDB", "Amazon DynamoDB"),
        ("amazon dynamodb", "Amazon DynamoDB"),
        ("  RDS ", "Amazon RDS"),
        ("DAX", "Amazon DynamoDB Accelerator"),
        ("ElastiCache", "Amazon ElastiCache"),
        ("Quick Sight", "Amazon QuickSight"),
        ("aws dms", "AWS Database Migration Service"),
        ("AWS Glue", "AWS Glue"),
        ("Aurora PostgreSQL", "Amazon Aurora"),
        ("document-db", "Amazon DocumentDB"),
    ],
)
def test_service_is_found_however_its_name_is_typed(typed, name):
    assert database_choice.service(typed).name == name


def test_unknown_name_suggests_the_closest_services():
    with pytest.raises(CourseInputError) as error:
        database_choice.service("Redshfit")
    assert "Did you mean 'Amazon Redshift'" in str(error.value)


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_a_name_must_be_a_non_empty_string(bad):
    with pytest.raises(CourseInputError):
        database_choice.service(bad)


def test_limits_quoted_by_the_notebook():
    rds = database_choice.service("RDS").limits
    assert rds["read_replicas_mysql_mariadb_postgresql"] == 15
    assert rds["multi_az_instance_standbys"] == 1 and rds["multi_az_cluster_readable_standbys"] == 2
    assert "Db2" in rds["engines"]
    aurora = database_choice.service("Aurora").limits
    assert aurora["storage_max_tib"] == 128 and aurora["aurora_replicas"] == 15
    assert database_choice.service("DynamoDB").limits["max_item_kb"] == 400


def test_retired_service_names_its_replacement():
    qldb = database_choice.service("QLDB")
    assert qldb.limits["end_of_support"] == "2025-07-31"
    assert qldb.replaced_by == "Amazon Aurora PostgreSQL"
    assert "use Amazon Aurora PostgreSQL" in database_choice.catalog().loc["Amazon QLDB", "status"]


def test_catalog_filters_by_kind():
    assert list(database_choice.catalog("migration").index) == ["AWS Database Migration Service"]
    assert len(database_choice.catalog()) == len(EXPECTED)
    with pytest.raises(CourseInputError):
        database_choice.catalog("nosql")


def test_limits_table_has_one_row_per_limit_with_its_source():
    table = database_choice.limits_table()
    assert len(table) == sum(len(svc.limits) for svc in database_choice.services())
    assert list(table.columns) == ["service", "limit", "value", "as of", "source"]
    row = table[(table["service"] == "Amazon ElastiCache") & (table["limit"] == "engines")].iloc[0]
    assert row["value"] == "Valkey, Redis OSS, Memcached"
