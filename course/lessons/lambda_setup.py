"""What creating a Lambda function needs: a deployment package and a role Lambda may assume."""

import io
import json
import zipfile

LAMBDA_PRINCIPAL = "lambda.amazonaws.com"


def zip_package(source: str, filename: str = "lambda_function.py") -> bytes:
    """A .zip deployment package, built in memory, holding SOURCE as FILENAME."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, source)
    return buffer.getvalue()


def trust_policy() -> str:
    """The trust policy (as JSON) that lets the Lambda service assume an execution role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": LAMBDA_PRINCIPAL}, "Action": "sts:AssumeRole"}
            ],
        }
    )
