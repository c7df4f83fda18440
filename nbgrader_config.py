"""nbgrader configuration: one machine, a normal user, no /srv and no root needed."""

from pathlib import Path

from course.grading.nbgrader_setup import feedback_preprocessors, gradebook_url, release_preprocessors

here = Path(__file__).resolve().parent
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "aws-cloud-practitioner"
c.CourseDirectory.root = str(here)
# The gradebook: $COURSE_GRADEBOOK_URL (e.g. postgresql+psycopg://grader@db.example.edu/course), else
# gradebook.db here (SQLite). Set a URL on this line instead to keep it with the course (README).
c.CourseDirectory.db_url = gradebook_url(here)
# Hidden tests are cleared from a student's stub; keep the ### markers nbgrader expects.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# A local exchange inside the repository (ignored by git) instead of /srv/nbgrader/exchange.
c.Exchange.root = str(here / ".exchange")
c.Exchange.path_includes_course = True

# Grading: a fresh kernel per notebook, at most 60 s per cell, and never a real AWS account.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Release notebooks keep the outputs of teaching cells (figures, tables) for nbviewer readers.
c.GenerateAssignment.preprocessors = release_preprocessors()
# Hidden tests never reach a student through the feedback HTML (nbgrader shows them by default).
c.GenerateFeedback.preprocessors = feedback_preprocessors()
