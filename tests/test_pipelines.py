"""CodePipeline structures: artifacts flow from stage to stage; bad stage lists are refused."""

import json

import pytest

from course.errors import CourseInputError
from course.lessons.pipelines import Stage, pipeline_structure, trust_policy

STAGES = [
    Stage("Source", "Source", "CodeCommit", {"RepositoryName": "r", "BranchName": "main"}),
    Stage("Build", "Build", "CodeBuild", {"ProjectName": "p"}),
    Stage("Approve", "Approval", "Manual"),
    Stage("Deploy", "Deploy", "CodeDeploy", {"ApplicationName": "a", "DeploymentGroupName": "g"}),
]


def _action(structure, i):
    return structure["stages"][i]["actions"][0]


def test_artifacts_flow_from_source_to_build_to_deploy():
    s = pipeline_structure("p", "arn:aws:iam::123456789012:role/r", "bucket", STAGES)
    assert [st["name"] for st in s["stages"]] == ["Source", "Build", "Approve", "Deploy"]
    assert "inputArtifacts" not in _action(s, 0)
    assert _action(s, 0)["outputArtifacts"] == [{"name": "SourceOutput"}]
    assert _action(s, 1)["inputArtifacts"] == [{"name": "SourceOutput"}]
    assert _action(s, 1)["outputArtifacts"] == [{"name": "BuildOutput"}]
    assert "inputArtifacts" not in _action(s, 2) and "outputArtifacts" not in _action(s, 2)
    assert _action(s, 3)["inputArtifacts"] == [{"name": "BuildOutput"}]
    assert s["artifactStore"] == {"type": "S3", "location": "bucket"}


def test_configuration_is_copied_not_shared():
    s = pipeline_structure("p", "arn", "b", STAGES)
    _action(s, 0)["configuration"]["BranchName"] = "other"
    assert STAGES[0].configuration["BranchName"] == "main"


@pytest.mark.parametrize(
    "stages",
    [
        STAGES[:1],
        STAGES[1:],
        [STAGES[0], Stage("Src2", "Source", "S3")],
        [STAGES[0], Stage("X", "Compile", "CodeBuild")],
    ],
)
def test_bad_stage_lists_are_refused(stages):
    with pytest.raises(CourseInputError):
        pipeline_structure("p", "arn", "b", stages)


def test_trust_policy_names_the_service_principal():
    policy = json.loads(trust_policy("codepipeline"))
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "codepipeline.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
