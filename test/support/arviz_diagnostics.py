"""Convergence diagnostics of draws by ArviZ, for the cross-check of hpcfit's own.

Reads a JSON file {"cases": [{"nchains": m, "ndraws": n, "x": [chain-major draws]}]} and
prints, per case, ArviZ's rank-normalized R-hat (and its bulk and folded parts), bulk-,
tail- and mean-ESS and the Monte Carlo standard errors of the mean and of the 5% and 95%
quantiles, as JSON on stdout.
"""

import json
import sys
import warnings

warnings.simplefilter("ignore")

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402


def diagnostics(case):
    draws = np.asarray(case["x"], dtype=float).reshape(case["nchains"], case["ndraws"])

    def value(result):
        v = float(np.asarray(result))
        return v if np.isfinite(v) else None

    return {
        "rhat": value(az.rhat(draws, method="rank")),
        "rhatBulk": value(az.rhat(draws, method="z_scale")),
        "rhatFolded": value(az.rhat(draws, method="folded")),
        "essBulk": value(az.ess(draws, method="bulk")),
        "essTail": value(az.ess(draws, method="tail")),
        "essMean": value(az.ess(draws, method="mean")),
        "mcseMean": value(az.mcse(draws, method="mean")),
        "mcseQ05": value(az.mcse(draws, method="quantile", prob=0.05)),
        "mcseQ95": value(az.mcse(draws, method="quantile", prob=0.95)),
        "version": az.__version__,
    }


with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)["cases"]
json.dump([diagnostics(c) for c in cases], sys.stdout)
