"""What a ``load`` spec names, and whether that series is a price or a rate.

Rules, first match wins:

1. a lower-case bundled name (``"dbk"``): that file, never the network;
2. ``csv:PATH``, a path-like object, an existing file or a name ending in ``.csv``: a file;
3. ``fred:SERIES`` / ``ecb:FLOW/KEY`` / ``yahoo:TICKER``: that provider;
4. anything else that looks like a ticker (``"AAPL"``, ``"SAP.DE"``, ``"^GSPC"``): Yahoo.

Specs equal to a bundled dataset's alias (``"DB"``, ``"fred:DGS10"``, ``"^TNX"``) are live
series whose bundled snapshot is the last fallback of ``source="auto"``.

Kind (price or rate) of a name, :func:`known_kind`: bundled names and aliases as listed; the
Yahoo yield indices ``^TNX ^IRX ^FVX ^TYX``; FRED ids matching :data:`FRED_RATE_PATTERN`
(Treasury yields ``DGS*``, bills ``DTB*``/``TB*MS``, ``GS*``, spreads and breakevens ``T10Y2Y``
``T10YIE``..., TIPS ``DFII*``, policy and money-market rates ``DFF FEDFUNDS EFFR SOFR*``...,
mortgage, ICE BofA ``BAML*``, Moody's ``DAAA DBAA``, OECD/LIBOR ``...156N``) are rates; FRED ids
matching :data:`FRED_PRICE_PATTERN` (oil, gas, gold, equity indices, exchange rates ``DEX*``,
``VIXCLS``) are prices. Any other name is unknown (None): its kind is then guessed, with a
:class:`~tickcast.errors.KindGuessWarning`.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd

from tickcast.data import ecb, fred
from tickcast.data.bundled import DATASETS, Dataset, find_alias
from tickcast.data.yahoo import RATE_TICKERS
from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = [
    "FRED_PRICE_PATTERN",
    "FRED_RATE_PATTERN",
    "KINDS",
    "Source",
    "check_kind",
    "fred_kind",
    "guess_kind",
    "kind_of",
    "known_kind",
    "resolve",
    "series_kind",
    "warn_kind_guess",
]

Kind = Literal["price", "rate"]
#: The accepted values of ``kind=``.
KINDS: tuple[Kind, ...] = ("price", "rate")
#: FRED series ids that are interest rates, spreads or yields in percent (full match).
FRED_RATE_PATTERN = re.compile(
    r"DGS\d+(MO)?|DTB\w+|TB\d+MS|GS\d+M?|T\d+Y\w+|D?FII\d+|DFF|FEDFUNDS|EFFR|DFEDTAR[UL]?"
    r"|SOFR\w*|IORB|IOER|OBFR|[DM]PRIME|MORTGAGE\d+US|BAML\w+|DAAA|DBAA|[AB]AA10Y\w*|\w+156N"
)
#: FRED series ids that are prices or index levels (full match).
FRED_PRICE_PATTERN = re.compile(
    r"DCOIL\w+|DHHNGSP|GOLD\w+|SP500|DJIA|NASDAQ\w*|WILL\w+|DEX\w+|VIXCLS"
)
_TICKER_RE = re.compile(r"^[A-Za-z0-9^=._\-]{1,24}$")
_FRED_ID_RE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_PRICE_ECB_FLOWS = {"EXR"}
_PREFIXES = ("csv:", "fred:", "ecb:", "yahoo:")


@dataclass(frozen=True)
class Source:
    """A resolved spec: where a series comes from.

    Attributes
    ----------
    provider : {"bundled", "csv", "yahoo", "fred", "ecb"}
        Where the data come from.
    ident : str
        Bundled name, file path, ticker, FRED id or ``FLOW/KEY``.
    name : str
        The loaded series' name (``"dbk"``, ``"DBK.DE"``, ``"fred:DGS10"``, file stem).
    dataset : Dataset or None
        The bundled snapshot: the file itself, or the alias' fallback.
    """

    provider: str
    ident: str
    name: str
    dataset: Dataset | None = None

    @property
    def key(self) -> str:
        """Cache key, e.g. ``'yahoo:DBK.DE'``."""
        return f"{self.provider}:{self.ident}"

    @property
    def networked(self) -> bool:
        """True for Yahoo, FRED and ECB."""
        return self.provider in ("yahoo", "fred", "ecb")


def resolve(spec: Any) -> Source:
    """Turn a ``load`` spec into a :class:`Source`; ConfigError/DataError if it names nothing."""
    if isinstance(spec, os.PathLike):
        path = Path(spec)
        return Source("csv", str(path), path.stem)
    if not isinstance(spec, str):
        raise InputTypeError(
            f"`spec` must be a string (a dataset name, ticker, 'fred:ID', 'ecb:FLOW/KEY' or a "
            f"CSV path) or a path; got {type(spec).__name__}."
        )
    text = spec.strip()
    if not text:
        raise ConfigError("`spec` must not be empty; try 'dbk', 'DBK.DE' or 'fred:DGS10'.")
    if text in DATASETS:
        return Source("bundled", text, text, DATASETS[text])
    low = text.lower()
    if low.startswith("csv:"):
        path = Path(text[4:].strip()).expanduser()
        return Source("csv", str(path), path.stem)
    if low.startswith("fred:"):
        sid = fred.check_series_id(text[5:])
        return Source("fred", sid, f"fred:{sid}", find_alias(f"fred:{sid}"))
    if low.startswith("ecb:"):
        flow, key = ecb.check_key(text[4:])
        return Source("ecb", f"{flow}/{key}", f"ecb:{flow}/{key}")
    if low.startswith("yahoo:"):
        return _yahoo(text[6:].strip(), spec)
    if low.endswith(".csv") or os.sep in text or os.path.isfile(text):
        path = Path(text).expanduser()
        return Source("csv", str(path), path.stem)
    if ":" in text:
        raise ConfigError(
            f"`spec` {spec!r} has an unknown prefix; use one of {', '.join(_PREFIXES)} or a "
            "bundled name / Yahoo ticker without prefix."
        )
    if text == low:
        close = difflib.get_close_matches(low, list(DATASETS), n=1, cutoff=0.75)
        if close:
            raise DataError(
                f"unknown dataset {spec!r}; did you mean {close[0]!r}? Bundled: "
                f"{', '.join(DATASETS)}. For the Yahoo ticker write 'yahoo:{text.upper()}'."
            )
    return _yahoo(text, spec)


def _yahoo(ticker: str, spec: str) -> Source:
    if not _TICKER_RE.match(ticker):
        raise ConfigError(
            f"`spec` {spec!r} is not a bundled name ({', '.join(DATASETS)}), a Yahoo ticker "
            "(letters, digits, '.', '^', '=', '-'), 'fred:ID', 'ecb:FLOW/KEY' or a CSV path."
        )
    symbol = ticker.upper()
    return Source("yahoo", symbol, symbol, find_alias(symbol))


def series_kind(name_or_series: Any) -> Kind:
    """Whether a series is a price (model log returns) or a rate (model differences).

    Parameters
    ----------
    name_or_series : str or pandas.Series
        A spec (``"dgs10"``, ``"fred:DGS2"``, ``"^TNX"``, ``"AAPL"``) or a series; a series
        answers from ``attrs["kind"]`` (set by :func:`tickcast.load`), else from its name.

    Returns
    -------
    {"price", "rate"}
        Bundled data: as listed (``dgs*`` rates); FRED: as :func:`fred_kind`, rate when the
        id is in neither list; ECB: rate, except exchange rates (flow ``EXR``); Yahoo:
        price, except the yield indices ^TNX, ^IRX, ^FVX, ^TYX. Unknown names count as
        prices (:func:`tickcast.load` and the forecasters warn when they guess).

    Examples
    --------
    >>> series_kind("fred:DGS10"), series_kind("DBK.DE")
    ('rate', 'price')
    """
    if isinstance(name_or_series, pd.Series):
        kind = name_or_series.attrs.get("kind")
        if kind in ("price", "rate"):
            return cast("Kind", kind)
        name = name_or_series.name
        return series_kind(name) if isinstance(name, str) else "price"
    if not isinstance(name_or_series, str):
        raise InputTypeError(
            f"`name_or_series` must be a string or a pandas Series; got "
            f"{type(name_or_series).__name__}."
        )
    text = name_or_series.strip()
    if text in DATASETS:
        return DATASETS[text].kind  # type: ignore[return-value]
    alias = find_alias(text)
    if alias is not None:
        return alias.kind  # type: ignore[return-value]
    low = text.lower()
    if low.startswith("fred:"):
        return fred_kind(text[5:]) or "rate"
    if low.startswith("ecb:"):
        return "price" if text[4:].split("/")[0].strip().upper() in _PRICE_ECB_FLOWS else "rate"
    if low.startswith("yahoo:"):
        text = text[6:]
    return "rate" if text.strip().upper() in RATE_TICKERS else "price"


def fred_kind(series_id: str) -> Kind | None:
    """The kind of a FRED series id by :data:`FRED_RATE_PATTERN` / :data:`FRED_PRICE_PATTERN`.

    Parameters
    ----------
    series_id : str
        A FRED id, any case (``"DGS30"``, ``"dcoilwtico"``).

    Returns
    -------
    {"price", "rate"} or None
        None when the id matches neither pattern.

    Examples
    --------
    >>> fred_kind("DGS30"), fred_kind("DCOILWTICO"), fred_kind("GDP")
    ('rate', 'price', None)
    """
    sid = series_id.strip().upper()
    if FRED_RATE_PATTERN.fullmatch(sid):
        return "rate"
    if FRED_PRICE_PATTERN.fullmatch(sid):
        return "price"
    return None


def known_kind(name: str) -> Kind | None:
    """The kind a series' name tells for sure, or None (see the module docstring).

    Parameters
    ----------
    name : str
        A bundled name, alias, Yahoo ticker, FRED id, or a CSV column header / file stem.

    Returns
    -------
    {"price", "rate"} or None
    """
    text = name.strip()
    if text in DATASETS:
        return DATASETS[text].kind  # type: ignore[return-value]
    alias = find_alias(text) or find_alias(f"fred:{text}")
    if alias is not None:
        return alias.kind  # type: ignore[return-value]
    if text.upper() in RATE_TICKERS:
        return "rate"
    if text.lower().startswith("fred:"):
        text = text[5:]
    return fred_kind(text) if _FRED_ID_RE.match(text) else None


def check_kind(kind: Any, *, name: str = "kind") -> Kind | None:
    """``kind`` as "price", "rate" or None; ConfigError naming ``name`` otherwise."""
    if kind is None:
        return None
    if isinstance(kind, str) and kind.strip().lower() in KINDS:
        return kind.strip().lower()  # type: ignore[return-value]
    raise ConfigError(
        f"`{name}` must be 'price', 'rate' or None (guess); got {kind!r}. Use 'price' for "
        "prices and index levels (modelled in log returns), 'rate' for interest rates, "
        "yields and spreads in percent (modelled in differences)."
    )


def guess_kind(values: Any) -> Kind:
    """The sign rule: "price" when every value is positive, else "rate"."""
    return "price" if bool((pd.Series(values) > 0).all()) else "rate"


def kind_of(y: pd.Series, kind: Any = None) -> tuple[Kind, bool]:
    """The one series-kind rule of the models and the backtest, and whether it guessed.

    Parameters
    ----------
    y : pd.Series
        Levels.
    kind : {"price", "rate"} or None
        What the user said (checked); wins when given.

    Returns
    -------
    kind : {"price", "rate"}
        ``kind`` if given, else ``y.attrs["kind"]`` (set by :func:`tickcast.load`), else the
        sign rule (:func:`guess_kind`).
    guessed : bool
        True when the sign rule decided (callers warn with :func:`warn_kind_guess`).
    """
    checked = check_kind(kind)
    if checked is not None:
        return checked, False
    attr = y.attrs.get("kind")
    if attr in KINDS:
        return attr, False
    return guess_kind(y), True


def warn_kind_guess(what: str, kind: str, reason: str, *, stacklevel: int = 2) -> None:
    """Emit the :class:`~tickcast.errors.KindGuessWarning` naming the guess and the fix."""
    import warnings

    from tickcast.errors import KindGuessWarning

    model = "log returns" if kind == "price" else "differences"
    warnings.warn(
        f"{what}: kind guessed as {kind!r} ({reason}), so it is modelled in {model}. Pass "
        "kind='price' or kind='rate' to say what it is; that also silences this warning.",
        KindGuessWarning,
        stacklevel=stacklevel + 1,
    )
