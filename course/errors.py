"""The one error type the course raises for bad input: its message says what to change."""


class CourseInputError(ValueError):
    """A value a learner or instructor gave is out of range, unknown or malformed."""
