"""Benchmark: interval_method="aci" against plain conformal on the bundled series (issue 12).

For each of the eight bundled series, LinearForecaster with default settings (EWMA volatility)
is fitted on all history before the last 1,000 days and judged on them
(``WalkForward(initial=len(y) - 1000, step=5, horizon=5, refit_every=20)``), with
``interval_method`` = "conformal", "aci" (gamma 0.005, the paper's) and "aci" with gamma 0.02.
Printed: coverage of the 80 % and 95 % intervals pooled over steps, its gap to nominal, the
CRPS on a 19-quantile grid (``quantiles=np.linspace(0.05, 0.95, 19)``) and the seconds per
series of each model (ACI runs the fold loop, in one task). Nothing is asserted.

Run:
    nice python benchmarks/bench_aci.py                 # ~1 min
    nice python benchmarks/bench_aci.py --series dbk,dgs10
    nice python benchmarks/bench_aci.py --end-offset 1000 --horizon 20  # an earlier window
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from _earlier import add_end_offset, as_of

import tickcast as tc

SERIES = ("sp500", "msft", "dax", "dbk", "wti", "dgs10", "dgs2", "dgs3mo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--horizon", type=int, default=5)
    add_end_offset(parser)
    args = parser.parse_args()
    rows = []
    for name in args.series.split(","):
        y = tc.load(name, source="bundled")
        y = as_of(y, args.end_offset)
        sp = tc.WalkForward(initial=len(y) - 1000, step=5, horizon=args.horizon, refit_every=20)
        models = {
            "conformal": tc.LinearForecaster(),
            "aci": tc.LinearForecaster(interval_method="aci"),
            "aci_g0.02": tc.LinearForecaster(interval_method="aci", aci_gamma=0.02),
        }
        for label, model in models.items():
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = tc.backtest(
                    {label: model}, y, splitter=sp, quantiles=np.linspace(0.05, 0.95, 19)
                )
            m = res.metrics().iloc[0]
            rows.append(
                {
                    "series": name,
                    "model": label,
                    "cov80": m["coverage_80"],
                    "cov95": m["coverage_95"],
                    "crps": m["crps"],
                    "seconds": time.perf_counter() - t0,
                }
            )
    out = pd.DataFrame(rows)
    out["gap80"] = out["cov80"] - 0.80
    out["gap95"] = out["cov95"] - 0.95
    crps0 = out[out["model"] == "conformal"].set_index("series")["crps"]
    out["crps_vs_conformal"] = out["crps"] / out["series"].map(crps0)
    pd.set_option("display.width", 140)
    print(out.round(4).to_string(index=False))
    print("\nmax |gap| per model:")
    print(out.groupby("model")[["gap80", "gap95"]].agg(lambda s: s.abs().max()).round(4))


if __name__ == "__main__":
    main()
