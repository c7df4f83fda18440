"""Section 13's data, prices and figures."""

import matplotlib

matplotlib.use("Agg")

import pytest

from course.errors import CourseInputError
from course.lessons import scp, security


def test_shared_responsibility_moves_with_the_service_type():
    table = security.shared_responsibility()
    assert list(table.columns) == list(security.service_types())
    assert set(table.to_numpy().ravel()) == {"aws", "customer"}
    ec2, rds, serverless = table.columns
    assert security.responsible("patch the operating system", ec2) == "customer"
    assert security.responsible("patch the operating system", rds) == "aws"
    assert security.responsible("patch the operating system", serverless) == "aws"
    for column in table.columns:  # data and access are always the customer's
        assert (
            security.responsible("IAM: who may do what (users, roles, policies, resource policies)", column)
            == "customer"
        )
        assert security.responsible("physical security of the data centres", column) == "aws"
    with pytest.raises(CourseInputError):
        security.responsible("nonsense", ec2)


def test_services_and_status():
    table = security.services()
    assert {"Amazon GuardDuty", "Amazon Macie", "AWS Artifact", "AWS Config"} <= set(table.index)
    assert set(table["role"]) <= set(security.ROLES)
    assert "CSPM" in security.service_status()["AWS Security Hub"]
    assert "patch management" in security.shared_controls()["controls"]


def test_prices_and_costs():
    assert security.price("shield_advanced_per_month") == 3000
    assert security.kms_monthly_cost(1, 20_000) == pytest.approx(1.0)
    assert security.kms_monthly_cost(10, 1_020_000) == pytest.approx(10 + 3.0)
    assert security.secrets_manager_monthly_cost(25, 500_000) == pytest.approx(10 + 2.5)
    assert security.secrets_manager_monthly_cost(1, 1) == pytest.approx(0.45)
    assert security.parameter_store_monthly_cost(25, 0) == 0
    assert security.parameter_store_monthly_cost(0, 10) == pytest.approx(0.5)
    assert set(security.price_table().columns) == {"value", "unit", "as of", "source"}
    with pytest.raises(CourseInputError):
        security.price("free_lunch")
    with pytest.raises(CourseInputError):
        security.kms_monthly_cost(-1, 0)


def test_figures_draw():
    fig, ax = security.service_matrix_figure()
    assert len(ax.get_yticklabels()) == len(security.services())
    matplotlib.pyplot.close(fig)
    table = scp.layer_table(scp.FULL_AWS_ACCESS, {"root": [scp.FULL_AWS_ACCESS]}, ["s3:GetObject"])
    fig, ax = security.scp_layers_figure(table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["root", scp.IDENTITY, "final"]
    matplotlib.pyplot.close(fig)
