"""What the notebooks teach with: evaluators, models, catalogs and figures, plain functions over data.

Nothing here runs or judges student code, and nothing here imports `course.grading` or
`course.instructor` (tests/test_layers.py keeps it so).
"""
