"""The dated limits of SQS, SNS and Kinesis that section 10 teaches."""

import pytest

from course.errors import CourseInputError
from course.lessons import integration


def test_sqs_limits_match_the_api_reference():
    assert integration.limit("sqs_message_size_kb")["max_kb"] == 1024
    assert integration.limit("sqs_message_size_kb")["previous_max_kb"] == 256
    assert integration.limit("sqs_retention_s") == {"min": 60, "default": 4 * 86400, "max": 14 * 86400}
    assert integration.limit("sqs_visibility_timeout_s") == {"min": 0, "default": 30, "max": 12 * 3600}
    assert integration.limit("sqs_receive_wait_s")["max"] == 20


def test_sns_quotas_and_kinesis_limits():
    sns = integration.limit("sns_topic_quotas")
    assert (
        sns["standard_subscriptions_per_topic"] == 12_500_000
        and sns["standard_topics_per_account"] == 100_000
    )
    assert integration.limit("kinesis_retention_hours") == {"default": 24, "max": 365 * 24}


def test_tables():
    table = integration.limits_table("sqs_")
    assert "SQS visibility timeout" in table.index and list(table.columns) == ["value", "as of", "source"]
    family = integration.kinesis_family()
    assert family.loc["Kinesis Data Analytics", "name in 2026"] == "Amazon Managed Service for Apache Flink"
    assert len(family) == 4


def test_unknown_names_are_refused():
    with pytest.raises(CourseInputError, match="no integration limit named"):
        integration.limit("sqs_speed")
    with pytest.raises(CourseInputError, match="starts with"):
        integration.limits_table("xyz")
