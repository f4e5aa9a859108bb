"""Benchmark: interval calibration and CRPS per volatility model (issue 12, targets).

For each of the eight bundled series, fitted on all history before the last 1,000 days and
judged on them (``WalkForward(initial=len(y) - 1000, step=5, horizon=H, refit_every=R)``),
H in {5, 20}: Naive, Linear (default settings) and ARIMA (default order search; refits every
``R`` observations, default 250 to keep the run short), each with ``volatility`` =
"constant", "ewma" and "garch". Coverage of the 80 % and 95 % intervals, pooled over steps,
and the CRPS on the interval bounds (levels 20, 40, 60, 80, 90, 95, 98 and the point forecast;
``tickcast.backtest.calibration.frame_crps``) in the series' units.

The targets of the issue, for the default (``DEFAULT_VOLATILITY`` per kind of series):
|coverage - 0.80| <= 0.05, |coverage - 0.95| <= 0.03, and a CRPS no worse than constant on at
least seven of the eight series. Everything is printed; nothing is asserted.

Run:
    nice python benchmarks/bench_calibration.py                 # ~15-30 min on one core
    nice python benchmarks/bench_calibration.py --series dbk,dgs10 --out /tmp/cal.csv
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

import tickcast as tc
from tickcast.models.volatility import DEFAULT_VOLATILITY

SERIES = ("sp500", "msft", "dax", "dbk", "dgs10", "dgs2", "dgs3mo", "wti")
KINDS = ("constant", "ewma", "garch")
LEVELS = (20, 40, 60, 80, 90, 95, 98)


def models(volatility: str) -> list:
    return [
        tc.Naive(volatility=volatility),
        tc.LinearForecaster(volatility=volatility),
        tc.ARIMAForecaster(volatility=volatility),
    ]


def run(series: list[str], horizons: list[int], refit_every: int) -> pd.DataFrame:
    rows = []
    for name in series:
        y = tc.load(name)
        kind = y.attrs.get("kind")
        for h in horizons:
            split = tc.WalkForward(
                initial=len(y) - 1000, step=5, horizon=h, refit_every=refit_every
            )
            for vol in KINDS:
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = tc.backtest(models(vol), y, splitter=split, level=LEVELS)
                m = res.metrics()
                for model, r in m.iterrows():
                    rows.append(
                        {
                            "series": name,
                            "kind": kind,
                            "horizon": h,
                            "model": model,
                            "volatility": vol,
                            "coverage_80": r["coverage_80"],
                            "coverage_95": r["coverage_95"],
                            "crps": r["crps"],
                            "seconds": time.perf_counter() - t0,
                        }
                    )
                print(f"  {name} h={h} {vol}: {time.perf_counter() - t0:.0f} s", flush=True)
    return pd.DataFrame(rows)


def table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per series x horizon x model: each volatility's coverage and CRPS side by side."""
    wide = df.pivot_table(
        index=["series", "kind", "horizon", "model"],
        columns="volatility",
        values=["coverage_80", "coverage_95", "crps"],
    )
    wide.columns = [f"{v}_{c.replace('coverage_', 'cov')}" for c, v in wide.columns]
    return wide


def targets(df: pd.DataFrame, default: dict[str, str]) -> pd.DataFrame:
    """Per horizon x model: series meeting each target for the default volatility."""
    out = []
    for (h, model), g in df.groupby(["horizon", "model"]):
        hits80 = hits95 = better = 0
        for _name, s in g.groupby("series"):
            d = s[s["volatility"] == default[s["kind"].iloc[0]]].iloc[0]
            c = s[s["volatility"] == "constant"].iloc[0]
            hits80 += abs(d["coverage_80"] - 0.80) <= 0.05
            hits95 += abs(d["coverage_95"] - 0.95) <= 0.03
            better += d["crps"] <= c["crps"] * (1 + 1e-9)
        n = g["series"].nunique()
        out.append(
            {
                "horizon": h,
                "model": model,
                "cov80_ok": f"{hits80}/{n}",
                "cov95_ok": f"{hits95}/{n}",
                "crps_le_constant": f"{better}/{n}",
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", default=",".join(SERIES))
    ap.add_argument("--horizons", default="5,20")
    ap.add_argument("--refit-every", type=int, default=250)
    ap.add_argument("--out", default=None, help="write the raw rows to this CSV")
    ap.add_argument("--from-csv", default=None, help="print the tables of a previous run")
    args = ap.parse_args()
    if args.from_csv:
        df = pd.read_csv(args.from_csv)
    else:
        df = run(
            args.series.split(","), [int(h) for h in args.horizons.split(",")], args.refit_every
        )
        if args.out:
            df.to_csv(args.out, index=False)
    pd.set_option("display.width", 200, "display.max_columns", 20, "display.max_rows", 500)
    print("\nCoverage (nominal 0.80 / 0.95) and CRPS (series units) per volatility model")
    print(table(df).round(4).to_string())
    print(f"\nTargets for the default {DEFAULT_VOLATILITY} (of the series):")
    print(targets(df, DEFAULT_VOLATILITY).to_string(index=False))
    for vol in KINDS:
        print(f"\nTargets if the default were {vol!r} for every kind:")
        print(targets(df, {"price": vol, "rate": vol}).to_string(index=False))


if __name__ == "__main__":
    main()
