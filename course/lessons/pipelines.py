"""The JSON structure of an AWS CodePipeline pipeline, built from a short list of stages."""

import json
from dataclasses import dataclass, field

from course.errors import CourseInputError

CATEGORIES = ("Source", "Build", "Test", "Deploy", "Approval", "Invoke")
# Categories whose action hands a new artifact (a zip in the artifact bucket) to the next stage.
PRODUCES_ARTIFACT = ("Source", "Build")


@dataclass(frozen=True)
class Stage:
    """One pipeline stage with a single action: its category, its provider and its settings."""

    name: str
    category: str
    provider: str
    configuration: dict = field(default_factory=dict)


def trust_policy(service: str) -> str:
    """An IAM trust policy (JSON) that lets an AWS service, e.g. "codepipeline", assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": f"{service}.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def pipeline_structure(name: str, role_arn: str, artifact_bucket: str, stages: list[Stage]) -> dict:
    """The `pipeline` argument of CreatePipeline: each stage reads the latest artifact made before it."""
    if len(stages) < 2:
        raise CourseInputError("A pipeline needs at least two stages: a Source stage and one more.")
    for i, stage in enumerate(stages):
        if stage.category not in CATEGORIES:
            raise CourseInputError(f"Stage {stage.name!r}: category must be one of {CATEGORIES}.")
        if (stage.category == "Source") != (i == 0):
            raise CourseInputError("The first stage, and only the first, must be a Source stage.")
    built, latest = [], None
    for stage in stages:
        action = {
            "name": stage.name,
            "actionTypeId": {
                "category": stage.category,
                "owner": "AWS",
                "provider": stage.provider,
                "version": "1",
            },
            "configuration": dict(stage.configuration),
        }
        if latest and stage.category not in ("Source", "Approval"):
            action["inputArtifacts"] = [{"name": latest}]
        if stage.category in PRODUCES_ARTIFACT:
            latest = f"{stage.name}Output"
            action["outputArtifacts"] = [{"name": latest}]
        built.append({"name": stage.name, "actions": [action]})
    return {
        "name": name,
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": artifact_bucket},
        "stages": built,
    }
