"""Everything that runs or judges student code.

Trust boundary: a submission is hostile. Its code runs only in a kernel inside the bubblewrap
sandbox of `kernel_sandbox` (its own uid, limits, no network, no course files), forked by the
worker's `zygote` (`zygote_pool` keeps one per worker) and driven by nbgrader's Execute in
`guarded_kernel`. Test cells never run there: `verdict` runs them in the worker, asking the kernel
for names through `remote` (answered by `answers`, as `plain_data`); labs run on moto servers
outside the kernel (`lab_host`, `lab_server`). `tamper` checks a submission before it runs.
`parallel` hands submissions to the workers (`cluster` to the workers of a Dask cluster, each
keeping its own sandboxed grading process); `gradebook_writer` alone writes the gradebook, with
nbgrader's own scoring steps. `checks` is what test cells call. This package imports no lesson
module (tests/test_layers.py).
"""
