"""Anchor for bench/lm-multistart.mjs: a multi-start fit done with scipy, i.e. least_squares(method="lm")
from each of the given start points in turn, on NIST StRD problems whose residual function sleeps a
fixed time per call (time.sleep), keeping the lowest sum of squares.

Usage: lm_multistart_anchor.py NIST_DIR SLEEP_MS < JSON lines {"name", "points": [[...], ...]}
  ->  one JSON object per line: {"name", "ms", "calls", "rss", "failed"}
      (calls: every residual call of every start, finite differences included; failed: starts that raised)
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
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        name = item["name"]
        _, _, residuals, calls = sleeping_problem(nist_dir, name, sleep_ms)
        best = float("inf")
        failed = 0
        t0 = time.perf_counter()
        for point in item["points"]:
            try:
                res = least_squares(residuals, np.array(point, dtype=float), method="lm")
                rss = float(np.sum(res.fun ** 2))
                if rss < best:
                    best = rss
            except Exception:  # a start where the model is not finite: the next one
                failed += 1
        ms = (time.perf_counter() - t0) * 1e3
        print(json.dumps({"name": name, "ms": ms, "calls": calls[0], "rss": best, "failed": failed}), flush=True)


if __name__ == "__main__":
    main()
