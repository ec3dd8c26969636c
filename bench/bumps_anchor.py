"""bumps' DREAM on the problems bench/mcmc-*.mjs runs with hpcfit; prints one JSON object.

  python bench/bumps_anchor.py agreement   medians and 68% intervals (line, peak, Poisson)
  python bench/bumps_anchor.py overhead    Misra1a, 20 chains: seconds per draw, model seconds per draw
"""
import json
import sys
import time

import numpy as np
from bumps.names import Curve, FitProblem, PoissonCurve
from bumps.fitters import fit
from bumps.dream.stats import var_stats

import mcmc_problems as P


def summary(problem, samples, burn, seed):
    np.random.seed(seed)
    result = fit(problem, method="dream", samples=samples, burn=burn, verbose=False)
    draws = result.state.draw()
    out = {}
    for v in var_stats(draws):
        out[v.label] = {"median": float(v.median), "p68": [float(v.p68[0]), float(v.p68[1])],
                        "mean": float(v.mean), "std": float(v.std)}
    return out


def line_problem():
    d = P.LINE
    M = Curve(lambda x, m=1.0, b=0.0: m * x + b, np.array(d["x"]), np.array(d["y"]), np.array(d["dy"]), m=1.0, b=0.0)
    M.m.range(0, 4)
    M.b.range(-5, 5)
    return FitProblem(M)


def peak_problem():
    d = P.peak_data()
    def peak(x, A=2.0, mu=0.0, sigma=1.0, bg=0.0):
        return A * np.exp(-0.5 * ((x - mu) / sigma) ** 2) + bg
    M = Curve(peak, np.array(d["x"]), np.array(d["y"]), np.array(d["dy"]), A=2.0, mu=0.0, sigma=1.0, bg=0.0)
    M.A.range(0, 10)
    M.mu.range(-2, 2)
    M.sigma.range(0.1, 3)
    M.bg.range(-1, 2)
    return FitProblem(M)


def poisson_problem():
    d = P.poisson_data()
    def decay(x, A=50.0, tau=2.0, bg=1.0):
        return A * np.exp(-x / tau) + bg
    M = PoissonCurve(decay, np.array(d["x"]), np.array(d["y"]), A=50.0, tau=2.0, bg=1.0)
    M.A.range(1, 500)
    M.tau.range(0.1, 20)
    M.bg.range(0, 20)
    return FitProblem(M)


def misra_problem():
    d = P.misra1a()
    def misra(x, b1=238.94, b2=5.5016e-4):
        return b1 * (1 - np.exp(-b2 * x))
    M = Curve(misra, np.array(d["x"]), np.array(d["y"]), np.full(len(d["x"]), d["dy"]), b1=238.94212918, b2=5.5015643181e-4)
    M.b1.range(100, 400)
    M.b2.range(1e-4, 1e-3)
    return FitProblem(M)


def main():
    mode = sys.argv[1]
    if mode == "agreement":
        out = {
            "line": summary(line_problem(), 40000, 500, 1),
            "peak": summary(peak_problem(), 40000, 500, 2),
            "poisson": summary(poisson_problem(), 40000, 500, 3),
        }
    elif mode == "overhead":
        problem = misra_problem()
        samples, burn = 100000, 100  # pop 10 x 2 parameters = 20 chains
        t0 = time.perf_counter()
        result = fit(problem, method="dream", samples=samples, burn=burn, verbose=False)
        total = time.perf_counter() - t0
        draws = result.state.draws
        # Model time per draw: bumps evaluates a point with setp + nllf.
        x = problem.getp()
        n = 20000
        t0 = time.perf_counter()
        for _ in range(n):
            problem.setp(x)
            problem.nllf()
        model = (time.perf_counter() - t0) / n
        out = {"draws": int(draws), "seconds": total, "model_per_draw": model}
    else:
        raise SystemExit("mode must be agreement or overhead")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
