"""nbgrader pipeline pieces: which outputs a release keeps and what feedback may show."""

from nbgrader.converters import GenerateAssignment, GenerateFeedback
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, NbGraderPreprocessor


class ClearGradedOutput(NbGraderPreprocessor):
    """Clear outputs of answer and test cells only, so teaching outputs stay for readers."""

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            cell.execution_count = None
            if nbgrader.get("solution") or nbgrader.get("grade"):
                cell.outputs = []
        return cell, resources


def release_preprocessors() -> list:
    """nbgrader's default release pipeline with ClearOutput swapped for ClearGradedOutput."""
    default = GenerateAssignment.class_traits()["preprocessors"].default()
    return [ClearGradedOutput if p is ClearOutput else p for p in default]


def feedback_preprocessors() -> list:
    """nbgrader's default feedback pipeline with hidden tests removed first."""
    default = GenerateFeedback.class_traits()["preprocessors"].default()
    return [ClearHiddenTests, *[p for p in default if p is not ClearHiddenTests]]
