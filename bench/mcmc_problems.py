"""The problems of bench/mcmc-*.mjs, with the same data the Node side builds (bench/mcmc-problems.mjs)."""
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = {"x": [1, 2, 3, 4, 5, 6], "y": [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], "dy": [0.05, 0.05, 0.2, 0.05, 0.2, 0.2]}


def _node(name):
    # One source of truth for generated data: the Node module prints it.
    out = subprocess.check_output(["node", os.path.join(HERE, "mcmc-problems.mjs"), name])
    return json.loads(out)


def peak_data():
    return _node("peak")


def poisson_data():
    return _node("poisson")


def misra1a():
    return _node("misra1a")
