"""The real series shipped with tickcast: what they are, where they live, how to read them.

The raw files in ``data/`` (``tickcast/_data`` inside a wheel) are kept exactly as published;
their quirks are handled here: M/D/YYYY dates (S&P 500, WTI), ``null`` rows (DAX), ``.`` for a
missing day (FRED), raw and adjusted closes side by side.
"""

from __future__ import annotations

import functools
import importlib.resources
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tickcast.data.validate import finish_frame, normalize_column, parse_dates, to_float_frame
from tickcast.errors import DataError

__all__ = ["DATASETS", "Dataset", "data_dir", "find_alias", "list_datasets", "read_frame"]


@dataclass(frozen=True)
class Dataset:
    """One bundled series.

    Attributes
    ----------
    name : str
        Short lower-case name (``"dbk"``); loading it never touches the network.
    file : str
        File name inside the data folder.
    aliases : tuple of str
        Specs of the live series it is a snapshot of (``"DB"``, ``"fred:DGS10"``); they
        go to the network first and fall back to this file.
    kind : {"price", "rate"}
        Prices are modelled as log returns, rates as differences.
    units : str
        Units of the values.
    description, source, licence : str
        What it is, where the file comes from, licence of the compilation.
    date_format : str
        ``strptime`` format of the date column.
    value_column : str or None
        For one-column files, the raw column read as ``value``.
    calendar : str
        Market calendar of its dates (see :mod:`tickcast.data.calendars`): ``"XNYS"``,
        ``"XETR"``, ``"US-BOND"`` or ``"weekdays"``; forecasts are dated on its sessions.
    """

    name: str
    file: str
    aliases: tuple[str, ...]
    kind: str
    units: str
    description: str
    source: str
    licence: str
    date_format: str = "%Y-%m-%d"
    value_column: str | None = None
    calendar: str = "weekdays"


_YAHOO_ARCH = "Yahoo Finance export in the arch Python package 7.2.0"
_YAHOO_FHMM = "Yahoo Finance export in the R package fHMM"
_FRED_REPO = "FRED via github.com/economics-databases/Interest-rate"
_PUBLIC = "public domain (US government)"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="sp500",
            file="sp500_1999_2018.csv",
            aliases=("^GSPC",),
            kind="price",
            units="index points",
            description="S&P 500 index, daily OHLC, adjusted close, volume",
            source=_YAHOO_ARCH,
            licence="NCSA (arch)",
            date_format="%m/%d/%Y",
            calendar="XNYS",
        ),
        Dataset(
            name="msft",
            file="msft_1986_2017.csv",
            aliases=("MSFT",),
            kind="price",
            units="USD",
            description="Microsoft shares, daily OHLC and volume (no adjusted close)",
            source="pmdarima 2.1.1 datasets",
            licence="MIT (pmdarima)",
            calendar="XNYS",
        ),
        Dataset(
            name="dax",
            file="dax_1988_2022.csv",
            aliases=("^GDAXI",),
            kind="price",
            units="index points",
            description="DAX index, daily OHLC, adjusted close, volume",
            source=_YAHOO_FHMM,
            licence="GPL-3 (fHMM)",
            calendar="XETR",
        ),
        Dataset(
            name="dbk",
            file="deutschebank_1996_2020.csv",
            # the NYSE listing (Yahoo "DB", USD), not Xetra's DBK.DE in EUR: its dates are
            # NYSE sessions and its closes are DBK.DE's times EUR/USD (data/PROVENANCE.md)
            aliases=("DB",),
            kind="price",
            units="USD",
            description="Deutsche Bank AG shares listed on the NYSE (DB), daily OHLC, adjusted "
            "close, volume",
            source=_YAHOO_FHMM,
            licence="GPL-3 (fHMM)",
            calendar="XNYS",
        ),
        Dataset(
            name="dgs10",
            file="fred_DGS10.csv",
            aliases=("fred:DGS10", "^TNX"),
            kind="rate",
            units="percent",
            description="10-year Treasury constant-maturity yield, daily",
            source=_FRED_REPO,
            licence=_PUBLIC,
            value_column="DGS10",
            calendar="US-BOND",
        ),
        Dataset(
            name="dgs2",
            file="fred_DGS2.csv",
            aliases=("fred:DGS2",),
            kind="rate",
            units="percent",
            description="2-year Treasury constant-maturity yield, daily",
            source=_FRED_REPO,
            licence=_PUBLIC,
            value_column="DGS2",
            calendar="US-BOND",
        ),
        Dataset(
            name="dgs3mo",
            file="fred_DGS3MO.csv",
            aliases=("fred:DGS3MO",),
            kind="rate",
            units="percent",
            description="3-month Treasury constant-maturity yield, daily",
            source=_FRED_REPO,
            licence=_PUBLIC,
            value_column="DGS3MO",
            calendar="US-BOND",
        ),
        Dataset(
            name="wti",
            file="wti_DCOILWTICO_1986_2019.csv",
            aliases=("fred:DCOILWTICO",),
            kind="price",
            units="USD per barrel",
            description="WTI crude oil spot price (Cushing), daily",
            source="FRED DCOILWTICO, shipped in the arch Python package 7.2.0",
            licence="NCSA (arch); FRED data public domain",
            date_format="%m/%d/%Y",
            value_column="DCOILWTICO",
            calendar="XNYS",
        ),
    )
}

_ALIASES: dict[str, str] = {a.upper(): d.name for d in DATASETS.values() for a in d.aliases}


def find_alias(spec: str) -> Dataset | None:
    """The dataset whose alias is ``spec`` (case-insensitive), or None."""
    name = _ALIASES.get(spec.strip().upper())
    return DATASETS[name] if name else None


def data_dir() -> Any:
    """The folder of bundled files: ``tickcast/_data`` when installed, else the repo's ``data/``.

    Returns
    -------
    pathlib.Path or importlib.resources.abc.Traversable
        Supports ``/``, ``is_file()`` and ``read_bytes()``.

    Raises
    ------
    DataError
        If neither location exists (a broken installation).
    """
    packaged = importlib.resources.files("tickcast") / "_data"
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[3] / "data"
    if repo.is_dir():
        return repo
    raise DataError(
        f"the bundled data folder is missing: neither {packaged} nor {repo} exists. "
        "Reinstall tickcast (pip install --force-reinstall tickcast)."
    )


def get_dataset(name: str) -> Dataset:
    """The :class:`Dataset` called ``name``; DataError listing the names if there is none."""
    if isinstance(name, str) and name in DATASETS:
        return DATASETS[name]
    alias = find_alias(name) if isinstance(name, str) else None
    hint = f" {name!r} is an alias of {alias.name!r}." if alias else ""
    raise DataError(
        f"unknown bundled dataset {name!r}; the bundled datasets are "
        f"{', '.join(DATASETS)}.{hint} See tc.list_datasets()."
    )


def read_frame(name: str) -> pd.DataFrame:
    """All fields of a bundled dataset, tidy: float64 columns on a sorted DatetimeIndex.

    Parameters
    ----------
    name : str
        A bundled name (``"dbk"``); see :data:`DATASETS`.

    Returns
    -------
    DataFrame of shape (n_days, n_fields)
        Columns lower-case (``open, high, low, close, adj_close, volume``; ``value`` for
        one-column files); rows without any value dropped. A new object on every call.
    """
    return _read_frame(get_dataset(name).name).copy(deep=False)


@functools.cache
def _read_frame(name: str) -> pd.DataFrame:
    ds = DATASETS[name]
    what = f"bundled file {ds.file!r}"
    source = data_dir() / ds.file
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {what} ({exc}); reinstall tickcast.") from exc
    table = pd.read_csv(io.BytesIO(raw), dtype={0: "str"}, na_values=[".", "null"])
    index = parse_dates(table.iloc[:, 0], what=f"the date column of {what}", fmt=ds.date_format)
    table = table.iloc[:, 1:].set_axis(index, axis=0)
    if ds.value_column is not None:
        table = table[[ds.value_column]].set_axis(["value"], axis=1)
    else:
        table.columns = [normalize_column(c) for c in table.columns]
    return finish_frame(to_float_frame(table, what=what), what=what)


def list_datasets() -> pd.DataFrame:
    """What is bundled, with span and source.

    Returns
    -------
    DataFrame of shape (8, 12)
        One row per dataset: ``name``, ``aliases`` (comma-separated specs that fetch the live
        series), ``kind`` ("price"/"rate"), ``units``, ``start``, ``end``, ``rows``
        (observations with a close/value), ``fields``, ``calendar`` (market calendar of the
        dates), ``source``, ``licence``, ``description``.

    Examples
    --------
    >>> import tickcast as tc
    >>> tc.list_datasets().set_index("name").loc["dgs10", "kind"]
    'rate'
    """
    rows = []
    for ds in DATASETS.values():
        frame = _read_frame(ds.name)
        main = frame["close" if "close" in frame else "value"].dropna()
        rows.append(
            {
                "name": ds.name,
                "aliases": ", ".join(ds.aliases),
                "kind": ds.kind,
                "units": ds.units,
                "start": main.index[0],
                "end": main.index[-1],
                "rows": len(main),
                "fields": ", ".join(frame.columns),
                "calendar": ds.calendar,
                "source": ds.source,
                "licence": ds.licence,
                "description": ds.description,
            }
        )
    return pd.DataFrame(rows)
