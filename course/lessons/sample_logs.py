"""A synthetic load-balancer access log for the Athena and Glue labs: reproducible, and no real person in it.

Client addresses come from the documentation ranges of RFC 5737 (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24), which are never routed on the internet.
"""

import numpy as np
import pandas as pd

from course.errors import CourseInputError

TARGETS = ("web-1", "web-2", "web-3", "api-1")
PATHS = ("/", "/cart", "/checkout", "/login", "/search", "/api/orders", "/api/products")
METHODS = ("GET", "POST")
STATUSES = (200, 201, 301, 304, 400, 403, 404, 500, 502, 503)
STATUS_WEIGHTS = (0.62, 0.05, 0.04, 0.08, 0.03, 0.02, 0.06, 0.04, 0.03, 0.03)
DOC_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")
START = pd.Timestamp("2026-11-02T00:00:00Z")


def load_balancer_log(rows: int = 400, seed: int = 2026) -> pd.DataFrame:
    """`rows` requests of one day, in time order; the same `seed` always gives the same log."""
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise CourseInputError(f"rows must be a whole number of at least 1 (got {rows!r})")
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.integers(0, 24 * 3600, rows))
    status = rng.choice(STATUSES, rows, p=STATUS_WEIGHTS)
    slow = np.where(status >= 500, 8.0, 1.0)  # failing requests tend to be slow
    return pd.DataFrame(
        {
            "time": (START + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "client_ip": [f"{rng.choice(DOC_NETWORKS)}.{n}" for n in rng.integers(1, 255, rows)],
            "method": rng.choice(METHODS, rows, p=(0.8, 0.2)),
            "path": rng.choice(PATHS, rows),
            "target": rng.choice(TARGETS, rows, p=(0.3, 0.3, 0.25, 0.15)),
            "status": status.astype("int64"),
            "response_ms": np.round(rng.gamma(2.0, 40.0, rows) * slow, 1),
            "bytes_sent": rng.integers(200, 60_000, rows).astype("int64"),
        }
    )
