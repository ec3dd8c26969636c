"""emcee (affine-invariant ensemble) on the problems bench/mcmc-overhead.mjs runs; prints JSON.

  python bench/emcee_anchor.py overhead   Misra1a, 20 walkers: seconds per sample, model seconds per sample
  python bench/emcee_anchor.py gauss10    10-D correlated Gaussian: samples, seconds, ESS per parameter
"""
import json
import sys
import time

import numpy as np
import emcee

import mcmc_problems as P


def misra_logp_factory():
    d = P.misra1a()
    x = np.array(d["x"])
    y = np.array(d["y"])
    dy = d["dy"]

    def logp(p):
        b1, b2 = p
        if not (100 <= b1 <= 400 and 1e-4 <= b2 <= 1e-3):
            return -np.inf
        r = (b1 * (1 - np.exp(-b2 * x)) - y) / dy
        return -0.5 * float(r @ r)

    return logp


def gauss10():
    # Covariance with correlation 0.9^|i-j| and scales 10^(i/3): correlated and badly scaled.
    n = 10
    s = 10 ** (np.arange(n) / 3)
    c = 0.9 ** np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return np.linalg.inv(c * np.outer(s, s))


def main():
    mode = sys.argv[1]
    rng = np.random.default_rng(1)
    if mode == "overhead":
        logp = misra_logp_factory()
        nwalkers, nsteps = 20, 5000
        p0 = np.array([238.94212918, 5.5015643181e-4]) * (1 + 1e-4 * rng.standard_normal((nwalkers, 2)))
        sampler = emcee.EnsembleSampler(nwalkers, 2, logp)
        t0 = time.perf_counter()
        sampler.run_mcmc(p0, nsteps, progress=False)
        total = time.perf_counter() - t0
        pt = p0[0]
        n = 20000
        t0 = time.perf_counter()
        for _ in range(n):
            logp(pt)
        model = (time.perf_counter() - t0) / n
        out = {"draws": nwalkers * nsteps, "seconds": total, "model_per_draw": model}
    elif mode == "gauss10":
        icov = gauss10()
        def logp(p):
            return -0.5 * float(p @ icov @ p)
        nwalkers, nsteps, burn = 40, 20000, 2000
        s = 10 ** (np.arange(10) / 3)
        p0 = rng.standard_normal((nwalkers, 10)) * s * 0.1
        sampler = emcee.EnsembleSampler(nwalkers, 10, logp)
        t0 = time.perf_counter()
        sampler.run_mcmc(p0, nsteps, progress=False)
        total = time.perf_counter() - t0
        chain = sampler.get_chain(discard=burn)
        tau = emcee.autocorr.integrated_time(chain, quiet=True)
        kept = chain.shape[0] * chain.shape[1]
        out = {"draws": nwalkers * nsteps, "kept": int(kept), "seconds": total, "tau": tau.tolist(),
               "ess": (kept / tau).tolist()}
    else:
        raise SystemExit("mode must be overhead or gauss10")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
