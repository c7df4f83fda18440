"""The instructor's loop: roster, release, exchange and collect, feedback, exports, the class report,
and the simulated class that the demo and the bench grade. `course.cli` is its one entry point."""
