"""Anchor for bench/lm-expensive.mjs: scipy's least_squares(method="lm") on NIST StRD problems
whose residual function sleeps a fixed time per call (time.sleep), one fit per problem and start.

Usage: lm_slow_anchor.py NIST_DIR SLEEP_MS NAME/START ...  ->  one JSON object per line:
  {"name", "start", "ms", "calls", "rss", "success"}   (calls: every residual call, finite differences
  included; success: scipy's own, False where it stopped at its default max_nfev of 100 n)
and, where it did not succeed, "solved": {"ms", "calls", "rss", "success"} of a second run with
max_nfev raised to 100000: its time to solution.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
from scipy.optimize import least_squares

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nist_anchor import sleeping_problem  # noqa: E402


def main():
    nist_dir, sleep_ms = sys.argv[1], float(sys.argv[2])
    warnings.simplefilter("ignore")
    for item in sys.argv[3:]:
        name, start = item.split("/")
        s1, s2, residuals, calls = sleeping_problem(nist_dir, name, sleep_ms)
        b0 = s1 if start == "1" else s2
        try:
            out = {"name": name, "start": int(start), **fit(residuals, calls, b0, None)}
            if not out["success"]:
                calls[0] = 0
                out["solved"] = fit(residuals, calls, b0, 100000)
        except Exception as error:  # a failing anchor is a result too
            out = {"name": name, "start": int(start), "error": str(error)[:200]}
        print(json.dumps(out), flush=True)


def fit(residuals, calls, b0, max_nfev):
    """One timed least_squares(method="lm") from b0 (max_nfev None: scipy's default)."""
    t0 = time.perf_counter()
    res = least_squares(residuals, b0, method="lm", max_nfev=max_nfev)
    ms = (time.perf_counter() - t0) * 1e3
    return {"ms": ms, "calls": calls[0], "rss": float(np.sum(res.fun ** 2)), "success": bool(res.success)}


if __name__ == "__main__":
    main()
