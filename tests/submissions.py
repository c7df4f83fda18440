"""Building a student's submission of 01-cloud-computing for the grading tests."""

import nbformat


def keep_lab_imports(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """NB with its teaching code cells cut down to the two imports the exercises need.

    Students may edit or delete teaching cells; cutting the figures, tables and moto's EC2 start-up
    keeps the grading tests short. Graded cells and markdown stay as they are.
    """
    kept = []
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            if "from course.aws import regions" in cell.source:
                cell.source = "from course.aws import regions"
            elif "describe_availability_zones" in cell.source:
                cell.source = "from course.aws.sandbox import client"
            else:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb
