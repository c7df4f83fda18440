"""The Lambda deployment package and the execution role's trust policy."""

import io
import json
import zipfile

from course.lessons.lambda_setup import trust_policy, zip_package


def test_zip_package_holds_the_source_under_its_file_name():
    data = zip_package("def handler(event, context):\n    return 1\n", "app.py")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["app.py"]
        assert archive.read("app.py").decode().startswith("def handler")


def test_trust_policy_lets_lambda_assume_the_role():
    statement = json.loads(trust_policy())["Statement"][0]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
