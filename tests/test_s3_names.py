"""Bucket naming rules and website endpoints, from AWS's own examples."""

import pytest

from course.errors import CourseInputError
from course.lessons.s3_names import bucket_name_problems, is_valid_bucket_name, naming_rules, website_endpoint


@pytest.mark.parametrize(
    "name",
    [
        "docexamplebucket1",
        "log-delivery-march-2020",
        "my-hosted-content",
        "www.docexamplewebsite.com",
        "abc",
        "a" * 63,
        "1-2-3",
        "192.168.5.4x",
        "my.example.s3.bucket",
    ],
)
def test_aws_valid_examples(name):
    assert is_valid_bucket_name(name), bucket_name_problems(name)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("doc_example_bucket", "characters"),
        ("DocExampleBucket", "characters"),
        ("doc-example-bucket-", "begin and end"),
        ("-logs", "begin and end"),
        ("ab", "3 to 63"),
        ("a" * 64, "3 to 63"),
        ("my..bucket", "adjacent periods"),
        ("192.168.5.4", "IP address"),
        ("xn--bucket", "prefix 'xn--'"),
        ("sthree-configurator-x", "prefix 'sthree-'"),
        ("amzn-s3-demo-bucket", "prefix 'amzn-s3-demo-'"),
        ("photos-s3alias", "suffix '-s3alias'"),
        ("photos--ol-s3", "suffix '--ol-s3'"),
        ("photos.mrap", "suffix '.mrap'"),
        ("photos--usw2-az1--x-s3", "suffix '--x-s3'"),
        ("photos--table-s3", "suffix '--table-s3'"),
        ("café-logs", "characters"),
        ("", "3 to 63"),
    ],
)
def test_invalid_names_say_which_rule(name, words):
    problems = bucket_name_problems(name)
    assert not is_valid_bucket_name(name)
    assert any(words in p for p in problems), problems


def test_several_problems_are_all_reported():
    assert len(bucket_name_problems("My_Bucket.")) == 2


def test_non_string_is_refused():
    with pytest.raises(CourseInputError):
        is_valid_bucket_name(123)


def test_rules_come_from_the_dated_data_file():
    rules = naming_rules()
    assert rules["source"].startswith("https://docs.aws.amazon.com/AmazonS3/")
    assert (rules["min_length"], rules["max_length"]) == (3, 63)


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us-east-1", "http://my-site.s3-website-us-east-1.amazonaws.com"),
        ("eu-west-1", "http://my-site.s3-website-eu-west-1.amazonaws.com"),
        ("eu-west-3", "http://my-site.s3-website.eu-west-3.amazonaws.com"),
        ("ap-south-1", "http://my-site.s3-website.ap-south-1.amazonaws.com"),
        ("EU-WEST-3", "http://my-site.s3-website.eu-west-3.amazonaws.com"),
    ],
)
def test_website_endpoint_dash_or_dot(region, url):
    assert website_endpoint("my-site", region) == url


def test_website_endpoint_refuses_bad_bucket_and_region():
    with pytest.raises(CourseInputError, match="not a valid bucket name"):
        website_endpoint("My_Site", "us-east-1")
    with pytest.raises(CourseInputError, match="did you mean"):
        website_endpoint("my-site", "us-east-l")
