"""Stale data on the command line: a network spec that fell back is an error unless allowed.

:func:`tickcast.load` falls back to a stale cached copy or the bundled snapshot when the
network fails, with a :class:`~tickcast.errors.FallbackWarning`. A cron job must not
silently forecast from 2020 data, so the commands that load a series (``forecast``,
``backtest``, ``tune``, ``data download``) turn that warning into :class:`StaleDataError`,
exit status 3, naming the data's last date; ``--allow-stale`` keeps the data and prints the
warning with the last date on stderr instead.
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from tickcast.errors import DataError

__all__ = [
    "STALE_EXIT_STATUS",
    "StaleDataError",
    "add_allow_stale_option",
    "load_fresh",
    "load_from_args",
]

#: Exit status of a command whose network data fell back to cached or bundled data.
STALE_EXIT_STATUS = 3


class StaleDataError(DataError):
    """A network spec fell back to cached or bundled data and ``--allow-stale`` was not given."""

    exit_status = STALE_EXIT_STATUS


def add_allow_stale_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--allow-stale``: accept cached or bundled data when the network fails."""
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="when the network fails, use cached or bundled data with a warning instead of "
        f"stopping with exit status {STALE_EXIT_STATUS}",
    )


def _last_date(data: Any) -> str:
    index = getattr(data, "index", None)
    if index is None or len(index) == 0:
        return "none (no rows)"
    return f"{index[-1]:%Y-%m-%d}"


def load_fresh(spec: Any, *, allow_stale: bool, **kwargs: Any) -> Any:
    """``tickcast.load(spec, **kwargs)``, refusing a fallback to stale data unless allowed.

    Parameters
    ----------
    spec : str or PathLike
        As in :func:`tickcast.load`.
    allow_stale : bool
        If True, a fallback is a warning on stderr naming the data's last date.
    **kwargs
        Passed to :func:`tickcast.load` (``start``, ``end``, ``field``, ``source``, ...).

    Returns
    -------
    pandas.Series or DataFrame
        What :func:`tickcast.load` returned.

    Raises
    ------
    StaleDataError
        If the load fell back and ``allow_stale`` is False.
    """
    import tickcast as tc
    from tickcast.errors import FallbackWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = tc.load(spec, **kwargs)
    fallbacks = [w for w in caught if issubclass(w.category, FallbackWarning)]
    for w in caught:  # every other warning as it would have been shown
        if w not in fallbacks:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    if not fallbacks:
        return data
    what = " ".join(str(fallbacks[-1].message).split())
    last = _last_date(data)
    if not allow_stale:
        raise StaleDataError(
            f"stale data: {what} Its last date is {last}. Stopped (exit status "
            f"{STALE_EXIT_STATUS}) so that no forecast silently uses old data; pass "
            "--allow-stale to use it anyway, or --source bundled for the snapshot."
        )
    message = f"stale data (--allow-stale): {what} Its last date is {last}."
    warnings.warn(message, FallbackWarning, stacklevel=2)
    return data


def load_from_args(args: argparse.Namespace, **extra: Any) -> Any:
    """:func:`load_fresh` of ``args.spec`` with the shared load options of a command
    (``--allow-stale``, ``--start``, ``--end``, ``--field``, ``--source``) and ``extra``
    keywords for :func:`tickcast.load` (e.g. ``kind=``)."""
    return load_fresh(
        args.spec,
        allow_stale=args.allow_stale,
        start=args.start,
        end=args.end,
        field=args.field,
        source=args.source,
        **extra,
    )
