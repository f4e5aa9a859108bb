"""Shared fixtures for tests/features: real bundled series, read straight from data/."""

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def sp500() -> pd.Series:
    """S&P 500 daily adjusted close, 1999-2018 (bundled CSV)."""
    df = pd.read_csv(DATA / "sp500_1999_2018.csv", parse_dates=["Date"], date_format="%m/%d/%Y")
    return df.set_index("Date")["Adj Close"].rename("sp500")


def _fred(name: str) -> pd.Series:
    df = pd.read_csv(DATA / f"fred_{name}.csv", parse_dates=["DATE"], na_values=".")
    return df.set_index("DATE")[name].dropna().rename(name)


@pytest.fixture(scope="session")
def fred() -> dict[str, pd.Series]:
    """FRED yields in percent: DGS10, DGS2, DGS3MO (missing days dropped)."""
    return {n: _fred(n) for n in ("DGS10", "DGS2", "DGS3MO")}
