"""Where series come from: bundled real data, Yahoo Finance, FRED, the ECB, CSV files.

>>> import tickcast as tc
>>> y = tc.load("dgs10")                 # bundled FRED 10-year yield, percent
>>> float(y.loc["2020-12-31"]), y.attrs["kind"]
(0.93, 'rate')

Modules, one job each: :mod:`~tickcast.data.bundled` (the shipped files),
:mod:`~tickcast.data.yahoo`, :mod:`~tickcast.data.fred`, :mod:`~tickcast.data.ecb` (remote
sources), :mod:`~tickcast.data.csvfile` (user files), :mod:`~tickcast.data.cache` (on-disk
cache), :mod:`~tickcast.data.http` (requests, retries), :mod:`~tickcast.data.spec` (what a
spec names), :mod:`~tickcast.data.validate` (the checks), :mod:`~tickcast.data.loader`
(:func:`load` and its fallbacks). yfinance is imported only when Yahoo is asked.
"""

from tickcast.data.bundled import DATASETS, Dataset, list_datasets
from tickcast.data.loader import SOURCES, clear_cache, load, load_bundled
from tickcast.data.spec import series_kind
from tickcast.data.validate import validate_series

__all__ = [
    "DATASETS",
    "SOURCES",
    "Dataset",
    "clear_cache",
    "list_datasets",
    "load",
    "load_bundled",
    "series_kind",
    "validate_series",
]
