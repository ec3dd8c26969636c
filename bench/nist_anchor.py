"""Anchor for bench/nist-speed.mjs: time and evaluations per NIST StRD fit with scipy's
least_squares(method="lm") and lmfit's minimize(method="leastsq"), default options, from the
same certified start points hpcfit uses.

Usage: nist_anchor.py NIST_DIR [NAME ...]  ->  one JSON object per line on stdout:
  {"name", "start", "tool", "ms", "nfev", "reported_nfev", "rss", "x", "repeats"}
A fit that raises gives {"name", "start", "tool", "error"}.
"nfev" counts every call of the residual function (the tools' own nfev leaves some out: scipy's
"lm" does not count its finite-difference calls); "reported_nfev" is the tool's own figure.
Time is the median wall time of repeated fits (at least 5 and at least 50 ms in all), measured
with time.perf_counter around the fit call only, after one untimed warm-up fit.
"""
import json
import math
import statistics
import sys
import time
import warnings

import numpy as np
from scipy.optimize import least_squares
import lmfit

PI = math.pi


def _lanczos(b, x):
    return b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-b[3] * x) + b[4] * np.exp(-b[5] * x)


def _gauss(b, x):
    return (b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-((x - b[3]) ** 2) / b[4] ** 2)
            + b[5] * np.exp(-((x - b[6]) ** 2) / b[7] ** 2))


def _chwirut(b, x):
    return np.exp(-b[0] * x) / (b[1] + b[2] * x)


def _rational33(b, x):
    return (b[0] + b[1] * x + b[2] * x ** 2 + b[3] * x ** 3) / (1 + b[4] * x + b[5] * x ** 2 + b[6] * x ** 3)


# The models as printed in the NIST .dat files (x is a column, or a pair of columns for Nelson).
MODELS = {
    "Bennett5": lambda b, x: b[0] * (b[1] + x) ** (-1 / b[2]),
    "BoxBOD": lambda b, x: b[0] * (1 - np.exp(-b[1] * x)),
    "Chwirut1": _chwirut,
    "Chwirut2": _chwirut,
    "DanWood": lambda b, x: b[0] * x ** b[1],
    "ENSO": lambda b, x: (b[0] + b[1] * np.cos(2 * PI * x / 12) + b[2] * np.sin(2 * PI * x / 12)
                          + b[4] * np.cos(2 * PI * x / b[3]) + b[5] * np.sin(2 * PI * x / b[3])
                          + b[7] * np.cos(2 * PI * x / b[6]) + b[8] * np.sin(2 * PI * x / b[6])),
    "Eckerle4": lambda b, x: (b[0] / b[1]) * np.exp(-0.5 * ((x - b[2]) / b[1]) ** 2),
    "Gauss1": _gauss,
    "Gauss2": _gauss,
    "Gauss3": _gauss,
    "Hahn1": _rational33,
    "Kirby2": lambda b, x: (b[0] + b[1] * x + b[2] * x ** 2) / (1 + b[3] * x + b[4] * x ** 2),
    "Lanczos1": _lanczos,
    "Lanczos2": _lanczos,
    "Lanczos3": _lanczos,
    "MGH09": lambda b, x: b[0] * (x ** 2 + x * b[1]) / (x ** 2 + x * b[2] + b[3]),
    "MGH10": lambda b, x: b[0] * np.exp(b[1] / (x + b[2])),
    "MGH17": lambda b, x: b[0] + b[1] * np.exp(-x * b[3]) + b[2] * np.exp(-x * b[4]),
    "Misra1a": lambda b, x: b[0] * (1 - np.exp(-b[1] * x)),
    "Misra1b": lambda b, x: b[0] * (1 - (1 + b[1] * x / 2) ** (-2)),
    "Misra1c": lambda b, x: b[0] * (1 - (1 + 2 * b[1] * x) ** (-0.5)),
    "Misra1d": lambda b, x: b[0] * b[1] * x * ((1 + b[1] * x) ** (-1)),
    "Nelson": lambda b, x: b[0] - b[1] * x[0] * np.exp(-b[2] * x[1]),
    "Rat42": lambda b, x: b[0] / (1 + np.exp(b[1] - b[2] * x)),
    "Rat43": lambda b, x: b[0] / ((1 + np.exp(b[1] - b[2] * x)) ** (1 / b[3])),
    "Roszman1": lambda b, x: b[0] - b[1] * x - np.arctan(b[2] / (x - b[3])) / PI,
    "Thurber": _rational33,
}


def read_nist(path, name):
    """Parses a NIST StRD .dat file (layout in test/fixtures/nist/README.md)."""
    with open(path) as f:
        lines = f.read().splitlines()
    p = int(lines[31].split()[0])
    starts = [[], []]
    for line in lines[40:40 + p]:
        cols = line.split("=")[1].split()
        starts[0].append(float(cols[0]))
        starts[1].append(float(cols[1]))
    rows = [list(map(float, l.split())) for l in lines[60:] if l.strip()]
    data = np.array(rows)
    y = data[:, 0]
    if name == "Nelson":
        x = (data[:, 1], data[:, 2])
        y = np.log(y)
    else:
        x = data[:, 1]
    return np.array(starts[0]), np.array(starts[1]), x, y


def sleeping_problem(nist_dir, name, sleep_ms):
    """A NIST problem whose residual function sleeps `sleep_ms` per call (an expensive model that
    uses no CPU), for the expensive-model anchors: (start 1, start 2, residuals, calls), calls
    being a one-element list counting every call."""
    s1, s2, x, y = read_nist(f"{nist_dir}/{name}.dat", name)
    model = MODELS[name]
    calls = [0]

    def residuals(b):
        calls[0] += 1
        time.sleep(sleep_ms / 1000)
        return model(b, x) - y

    return s1, s2, residuals, calls


def timed(run):
    """Median time (ms) of repeated calls of run() after one untimed call, at least 5 and at least 50 ms in all."""
    times = []
    total = 0.0
    out = run()  # warm-up, untimed (caches, lazy imports), as the Node side does for its JIT
    while len(times) < 5 or total < 0.05:
        t0 = time.perf_counter()
        out = run()
        dt = time.perf_counter() - t0
        times.append(dt)
        total += dt
        if len(times) >= 1000:
            break
    return statistics.median(times) * 1e3, len(times), out


def emit(record):
    print(json.dumps(record), flush=True)


def main():
    nist_dir = sys.argv[1]
    names = sys.argv[2:] or sorted(MODELS)
    warnings.simplefilter("ignore")
    for name in names:
        model = MODELS[name]
        s1, s2, x, y = read_nist(f"{nist_dir}/{name}.dat", name)
        for start, b0 in ((1, s1), (2, s2)):
            calls = [0]

            def residuals(b):
                calls[0] += 1
                return model(b, x) - y

            def scipy_fit():
                calls[0] = 0
                return least_squares(residuals, b0, method="lm")

            try:
                ms, reps, res = timed(scipy_fit)
                rss = float(np.sum(res.fun ** 2))
                # res.nfev leaves out the finite-difference calls; `calls` counts every residual call.
                emit({"name": name, "start": start, "tool": "scipy", "ms": ms, "nfev": calls[0],
                      "reported_nfev": int(res.nfev), "rss": rss, "x": [float(v) for v in res.x], "repeats": reps})
            except Exception as error:  # the anchor failing on a problem is a result too
                emit({"name": name, "start": start, "tool": "scipy", "error": str(error)[:200]})

            params = lmfit.Parameters()
            for j, v in enumerate(b0):
                params.add(f"b{j + 1}", value=float(v))

            def lm_residuals(pars):
                calls[0] += 1
                b = [pars[f"b{j + 1}"].value for j in range(len(b0))]
                return model(b, x) - y

            def lmfit_fit():
                calls[0] = 0
                return lmfit.minimize(lm_residuals, params, method="leastsq")

            try:
                ms, reps, out = timed(lmfit_fit)
                rss = float(np.sum(np.asarray(out.residual) ** 2))
                x_out = [float(out.params[f"b{j + 1}"].value) for j in range(len(b0))]
                emit({"name": name, "start": start, "tool": "lmfit", "ms": ms, "nfev": calls[0],
                      "reported_nfev": int(out.nfev), "rss": rss, "x": x_out, "repeats": reps})
            except Exception as error:
                emit({"name": name, "start": start, "tool": "lmfit", "error": str(error)[:200]})


if __name__ == "__main__":
    main()
