"""Everything that runs or judges student code.

Trust boundary: a submission is hostile. Its code runs only in a kernel inside the bubblewrap
sandbox of `kernel_sandbox` (its own uid, limits, no network, no course files), forked by `zygote`
and watched by the guard of `tamper`; `parallel` drives the workers and alone writes the gradebook.
`checks` is what test cells call, and runs inside the student's kernel, so nothing it decides is
trusted beyond what the guard verifies. This package imports no lesson module (tests/test_layers.py).
"""
