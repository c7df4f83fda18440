"""EventBridge event-pattern matching, with the examples of the EventBridge user guide."""

import pytest

from course.errors import CourseInputError
from course.lessons.event_patterns import cloudtrail_event, matches, validate

EC2_EVENT = {
    "version": "0",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated", "c-count": 3, "ip": "10.0.0.7"},
}


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ({"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}, True),
        ({"source": ["aws.ec2", "aws.fargate"]}, True),
        ({"source": ["aws.s3"]}, False),
        ({"source": ["AWS.EC2"]}, False),
        ({"detail": {"missing-field": ["x"]}}, False),
        ({"time": [{"prefix": "2017-12-22"}]}, True),
        ({"source": [{"suffix": ".ec2"}]}, True),
        ({"source": [{"equals-ignore-case": "AWS.EC2"}]}, True),
        ({"source": [{"prefix": {"equals-ignore-case": "AWS."}}]}, True),
        ({"detail": {"state": [{"anything-but": "terminated"}]}}, False),
        ({"detail": {"state": [{"anything-but": ["stopped", "running"]}]}}, True),
        ({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}, False),
        ({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
        ({"detail": {"c-count": [{"numeric": ["<", 3]}]}}, False),
        ({"detail": {"c-count": [3.0]}}, False),
        ({"detail": {"c-count": [3]}}, True),
        ({"detail": {"state": [{"exists": True}]}}, True),
        ({"detail": {"d-count": [{"exists": False}]}}, True),
        ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
        ({"resources": [{"prefix": "arn:aws:ec2:us-west-1"}]}, True),
        ({"detail": {"state": [{"numeric": [">", 0]}, "terminated"]}}, True),
    ],
)
def test_matches_the_guide_examples(pattern, expected):
    assert matches(pattern, EC2_EVENT) is expected


def test_null_empty_string_and_exists_on_intermediate_nodes():
    event = {"detail": {"responseElements": None, "eventVersion": "", "c-count": {"c1": 100}}}
    assert matches({"detail": {"responseElements": [None]}}, event)
    assert matches({"detail": {"eventVersion": [""]}}, event)
    assert not matches({"detail": {"eventVersion": [None]}}, event)
    assert matches({"detail": {"c-count": [{"exists": False}]}}, event)
    assert not matches({"detail": {"c-count": [{"exists": True}]}}, event)


def test_arrays_in_the_event_match_if_any_element_matches():
    event = {"detail": {"tags": ["Custom_Alert", "Insider"]}}
    assert matches({"detail": {"tags": ["Insider"]}}, event)
    assert not matches({"detail": {"tags": ["Outsider"]}}, event)


@pytest.mark.parametrize(
    "pattern",
    [
        {},
        {"source": "aws.ec2"},
        {"source": []},
        {"source": [{"startswith": "aws"}]},
        {"source": [{"prefix": 3}]},
        {"n": [{"numeric": [">>", 1]}]},
        {"n": [{"numeric": [">", "1"]}]},
        {"n": [{"exists": "yes"}]},
        {"n": [{"anything-but": ["a", 1]}]},
        {"n": [{"cidr": "not-a-network"}]},
        {"n": [["nested", "list"]]},
    ],
)
def test_rejects_malformed_patterns(pattern):
    with pytest.raises(CourseInputError):
        validate(pattern)


def test_event_must_be_a_dict():
    with pytest.raises(CourseInputError, match="event must be a dict"):
        matches({"source": ["aws.ec2"]}, "aws.ec2")


def test_cloudtrail_example_events():
    root_signin = {"source": ["aws.signin"], "detail": {"userIdentity": {"type": ["Root"]}}}
    assert matches(root_signin, cloudtrail_event("Root", "Failure"))
    assert not matches(root_signin, cloudtrail_event("IAMUser"))
    api_call = cloudtrail_event("Root", source="aws.ec2")
    assert api_call["detail-type"] == "AWS API Call via CloudTrail"
    assert api_call["detail"]["eventSource"] == "ec2.amazonaws.com"
    assert not matches(root_signin, api_call)
