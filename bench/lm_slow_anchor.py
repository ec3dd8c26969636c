"""Anchor for bench/lm-expensive.mjs: scipy's least_squares(method="lm") on NIST StRD problems
whose residual function sleeps a fixed time per call (time.sleep), one fit per problem and start.

Usage: lm_slow_anchor.py NIST_DIR SLEEP_MS NAME/START ...  ->  one JSON object per line:
  {"name", "start", "ms", "calls"}   (calls: every residual call, finite differences included)
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
        t0 = time.perf_counter()
        try:
            res = least_squares(residuals, b0, method="lm")
            rss = float(np.sum(res.fun ** 2))
            out = {"name": name, "start": int(start), "ms": (time.perf_counter() - t0) * 1e3, "calls": calls[0], "rss": rss}
        except Exception as error:  # a failing anchor is a result too
            out = {"name": name, "start": int(start), "error": str(error)[:200]}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
