"""Judging a benchmark on an earlier window: the series cut where that window ends."""

from __future__ import annotations

import argparse

import pandas as pd


def add_end_offset(parser: argparse.ArgumentParser) -> None:
    """Add ``--end-offset N``: judge on the 1,000 days ending N observations before the end."""
    parser.add_argument(
        "--end-offset",
        type=int,
        default=0,
        help="judge on the 1,000 days ending this many observations before each series' end",
    )


def as_of(y: pd.Series, end_offset: int) -> pd.Series:
    """The series as it was ``end_offset`` observations before its end (no later data)."""
    return y.iloc[: len(y) - end_offset]
