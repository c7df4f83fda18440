"""The catalog of AI/ML services: complete, dated, sourced, forgiving about names, honest about status."""

import pandas as pd
import pytest

from course.errors import CourseInputError
from course.lessons import ml_services

EXPECTED = [
    "Amazon Rekognition",
    "Amazon Transcribe",
    "Amazon Polly",
    "Amazon Translate",
    "Amazon Lex",
    "Amazon Connect",
    "Amazon Comprehend",
    "Amazon Comprehend Medical",
    "Amazon SageMaker AI",
    "Amazon Forecast",
    "Amazon Kendra",
    "Amazon Personalize",
    "Amazon Textract",
    "Amazon Bedrock",
    "Amazon Q",
]


def test_catalog_holds_the_services_of_the_section_in_order():
    assert [svc.name for svc in ml_services.services()] == EXPECTED


def test_every_service_is_complete_dated_and_sourced_on_an_aws_page():
    for svc in ml_services.services():
        assert svc.as_of == "2026-11-26", svc.name
        assert svc.source.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/")), svc.name
        assert svc.input and svc.output and svc.summary and svc.use_case and svc.sandbox, svc.name
        assert svc.task in ml_services.TASKS, svc.name
        assert svc.input_kinds and set(svc.input_kinds) <= set(ml_services.INPUT_KINDS), svc.name
        assert (svc.status == ml_services.AVAILABLE) == (svc.replaced_by is None), svc.name


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Polly", "Amazon Polly"),
        ("amazon polly", "Amazon Polly"),
        ("  transcribe ", "Amazon Transcribe"),
        ("SageMaker", "Amazon SageMaker AI"),
        ("Amazon SageMaker", "Amazon SageMaker AI"),
        ("sagemaker-ai", "Amazon SageMaker AI"),
        ("SageMaker Canvas", "Amazon SageMaker AI"),
        ("Q Business", "Amazon Q"),
        ("CodeWhisperer", "Amazon Q"),
        ("Comprehend Medical", "Amazon Comprehend Medical"),
        ("Lex V2", "Amazon Lex"),
    ],
)
def test_service_is_found_however_its_name_is_typed(typed, name):
    assert ml_services.service(typed).name == name


def test_unknown_name_suggests_the_closest_services():
    with pytest.raises(CourseInputError) as error:
        ml_services.service("Recognition")
    assert "Did you mean 'Amazon Rekognition'" in str(error.value)


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_a_name_must_be_a_non_empty_string(bad):
    with pytest.raises(CourseInputError):
        ml_services.service(bad)


def test_statuses_the_notebook_teaches():
    assert ml_services.service("Forecast").status == "closed to new customers"
    assert "SageMaker" in ml_services.service("Forecast").replaced_by
    pathing = ml_services.service("Rekognition").retired_features[0]
    assert pathing["date"] == "2025-10-31" and "Pathing" in pathing["feature"]
    assert ml_services.service("Comprehend").retired_features[0]["date"] == "2026-04-30"
    assert not ml_services.service("Bedrock").in_clf_c02 and ml_services.service("Amazon Q").in_clf_c02


def test_new_customer_problem_names_the_replacement_only_for_closed_services():
    assert ml_services.new_customer_problem("Polly") is None
    problem = ml_services.new_customer_problem("forecast")
    assert "closed to new customers" in problem and "SageMaker" in problem


def test_services_for_input():
    assert ml_services.services_for_input("image/video") == ["Amazon Rekognition"]
    assert "Amazon Lex" in ml_services.services_for_input("speech")
    assert "Amazon Lex" in ml_services.services_for_input("text")
    with pytest.raises(CourseInputError):
        ml_services.services_for_input("pictures")


def test_tables_have_one_row_per_service_and_the_grid_places_each_one():
    assert isinstance(ml_services.catalog(), pd.DataFrame)
    assert len(ml_services.catalog()) == len(EXPECTED) == len(ml_services.sandbox_support())
    assert "closed to new customers" in ml_services.catalog().loc["Amazon Forecast", "status"]
    grid = ml_services.service_grid()
    assert list(grid.index) == list(ml_services.TASKS) and list(grid.columns) == list(ml_services.INPUT_KINDS)
    placed = "\n".join(grid.to_numpy().ravel())
    for name in EXPECTED:
        assert name.removeprefix("Amazon ") in placed, name
    assert grid.loc["converse", "speech"] == "Lex\nConnect"
