"""Walk-forward splitting: which observations a model may see at each forecast origin.

A :class:`WalkForward` splitter turns a series length (or its index) into a sequence of
:class:`Fold` records. Each fold names the forecast origin, the training window, the test
positions and whether the model is re-estimated there. Positions are integer offsets into
the series (``0 .. n-1``); the engine maps them to timestamps.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from tickcast._validation import check_int, is_integer
from tickcast.errors import ConfigError, DataError, InputTypeError

__all__ = ["Fold", "WalkForward", "refit_blocks"]

#: What may stand for a series in :meth:`WalkForward.split`: its length, its index, or itself.
SeriesLike: TypeAlias = int | np.integer[Any] | pd.Index | pd.Series | pd.DataFrame | np.ndarray
#: A bound on the origins: a position, or a timestamp when an index with dates is given.
Bound: TypeAlias = int | np.integer[Any] | str | pd.Timestamp | _dt.date | np.datetime64 | None

_WINDOWS = ("expanding", "sliding")


@dataclass(frozen=True)
class Fold:
    """One forecast origin of a walk-forward backtest.

    All positions are integer offsets into the series, ``0 .. n-1``.

    Attributes
    ----------
    number : int
        0-based count of this fold among the folds the splitter yields (after ``start``,
        ``end`` and ``max_origins`` have been applied).
    origin : int
        Position of the last observation known when the forecast is made (the forecast is
        made at the close of this observation).
    train : range
        Positions of the training window at this origin; it always ends at ``origin``
        (``train.stop == origin + 1``). Expanding: ``range(0, origin + 1)``; sliding:
        ``range(origin - window_size + 1, origin + 1)``.
    test : range
        Positions being forecast: ``range(origin + gap + 1, origin + gap + horizon + 1)``,
        i.e. ``horizon`` consecutive targets after an embargo of ``gap`` observations.
    refit : bool
        True when the model's parameters are (re-)estimated on ``train`` at this origin;
        False when the parameters of the last refit are kept and only the new observations
        ``fitted_on.stop .. origin`` are appended (``update``) or conditioned on.
    fitted_on : range
        The training window of the most recent refit fold (equal to ``train`` when
        ``refit`` is True): the data the parameters used at this origin were estimated on.
    """

    number: int
    origin: int
    train: range
    test: range
    refit: bool
    fitted_on: range

    @property
    def train_slice(self) -> slice:
        """``train`` as a slice, for zero-copy indexing (``y[fold.train_slice]``)."""
        return slice(self.train.start, self.train.stop)

    @property
    def test_slice(self) -> slice:
        """``test`` as a slice, for zero-copy indexing (``y[fold.test_slice]``)."""
        return slice(self.test.start, self.test.stop)


class WalkForward:
    """Walk-forward (rolling-origin) splitter with explicit refit semantics.

    Parameters
    ----------
    initial : int
        Number of observations known at the first origin: the first origin is at position
        ``initial - 1`` (the first training window holds ``initial`` observations when
        ``window="expanding"``). At least 1.
    step : int, default 1
        Distance between consecutive origins, in observations. At least 1.
    horizon : int, default 1
        Number of consecutive targets forecast at each origin. At least 1.
    gap : int, default 0
        Embargo, in observations, between the origin (the last training point) and the first
        target: the test positions are ``origin + gap + 1 .. origin + gap + horizon``, so the
        model must forecast ``gap + horizon`` steps ahead and the first ``gap`` are not
        scored. At least 0.
    window : {"expanding", "sliding"}, default "expanding"
        ``"expanding"``: train on every observation from position 0 up to the origin.
        ``"sliding"``: train on the last ``window_size`` observations up to the origin, so
        every training window has the same length.
    window_size : int or None, default None
        Length of the sliding window; ``None`` means ``initial``. Only valid with
        ``window="sliding"``; must not exceed ``initial``.
    refit_every : int or None, default 1
        Re-estimate the model on folds number ``0, k, 2k, ...`` where ``k = refit_every``,
        counted among the folds actually yielded. ``1`` refits at every origin; ``None``
        fits once, on fold 0, and only updates afterwards.
    max_origins : int or None, default None
        Keep only the **last** ``max_origins`` origins (the most recent ones), after
        ``start``/``end`` are applied. Fold numbers and refits count from the first kept
        origin, so fold 0 always refits. ``None`` keeps all.
    start, end : int, timestamp or None, default None
        Restrict the origins to ``start <= origin <= end``. An integer is a position; a
        timestamp (``str``, ``pd.Timestamp``, ``datetime``) requires :meth:`split` to receive
        a ``DatetimeIndex`` (or a series on one) and is resolved to the first position on or
        after ``start`` and the last position on or before ``end``. Origins then run
        ``first, first + step, ...`` with ``first = max(initial - 1, start)``; origins
        before ``initial - 1`` are never used.

    Notes
    -----
    The origins are positions ``o_j = o_0 + j * step`` with ``o_0 = max(initial - 1,
    start)``, for every ``j`` such that ``o_j <= end`` and the whole test window fits in the
    series, ``o_j + gap + horizon <= n - 1`` (a fold is never truncated, so every origin
    contributes all ``horizon`` steps). Then only the last ``max_origins`` are kept.

    Every fold satisfies ``min(test) - max(train) = gap + 1 > gap``: no test position
    precedes or touches its training window plus the embargo.

    The constructor only stores its arguments; they are validated by :meth:`split`,
    :meth:`n_splits` and :meth:`describe`.

    Examples
    --------
    >>> from tickcast.backtest.splitters import WalkForward
    >>> cv = WalkForward(initial=5, step=2, horizon=2, refit_every=2)
    >>> [(f.origin, list(f.test), f.refit) for f in cv.split(10)]
    [(4, [5, 6], True), (6, [7, 8], False)]
    >>> cv.n_splits(10)
    2
    """

    def __init__(
        self,
        initial: int,
        *,
        step: int = 1,
        horizon: int = 1,
        gap: int = 0,
        window: Literal["expanding", "sliding"] = "expanding",
        window_size: int | None = None,
        refit_every: int | None = 1,
        max_origins: int | None = None,
        start: Bound = None,
        end: Bound = None,
    ) -> None:
        self.initial = initial
        self.step = step
        self.horizon = horizon
        self.gap = gap
        self.window = window
        self.window_size = window_size
        self.refit_every = refit_every
        self.max_origins = max_origins
        self.start = start
        self.end = end

    _PARAMS = (
        "initial",
        "step",
        "horizon",
        "gap",
        "window",
        "window_size",
        "refit_every",
        "max_origins",
        "start",
        "end",
    )

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={getattr(self, p)!r}" for p in self._PARAMS)
        return f"WalkForward({args})"

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as stored.

        Returns
        -------
        dict
            ``{name: value}`` for every constructor argument.
        """
        return {p: getattr(self, p) for p in self._PARAMS}

    # ------------------------------------------------------------------ validation
    def _validate_params(self) -> None:
        check_int(
            "initial", self.initial, minimum=1, fix="Pass the number of observations to train on."
        )
        check_int(
            "step", self.step, minimum=1, fix="Use step=1 for an origin at every observation."
        )
        check_int(
            "horizon", self.horizon, minimum=1, fix="Use horizon=1 for one-step-ahead forecasts."
        )
        check_int("gap", self.gap, minimum=0, fix="Use gap=0 for no embargo.")
        if self.window not in _WINDOWS:
            raise ConfigError(
                f"`window` must be one of {_WINDOWS}; got {self.window!r}. Use 'expanding' to "
                "train on all past data or 'sliding' for a fixed-length window."
            )
        if self.window_size is not None:
            if self.window == "expanding":
                raise ConfigError(
                    "`window_size` only applies to window='sliding'; got "
                    f"window_size={self.window_size!r} with window='expanding'. Pass "
                    "window='sliding' or drop window_size."
                )
            size = check_int(
                "window_size", self.window_size, minimum=1, fix="Pass the sliding window length."
            )
            if size > int(self.initial):
                raise ConfigError(
                    f"`window_size` must not exceed `initial` ({self.initial}); got {size}. "
                    f"Raise initial to at least {size} or shorten the window."
                )
        if self.refit_every is not None:
            check_int(
                "refit_every",
                self.refit_every,
                minimum=1,
                fix="Use 1 to refit at every origin or None to fit only once.",
            )
        if self.max_origins is not None:
            check_int(
                "max_origins", self.max_origins, minimum=1, fix="Use None to keep every origin."
            )

    def _window_size(self) -> int:
        return int(self.initial if self.window_size is None else self.window_size)

    @staticmethod
    def _length_and_index(n_or_index: SeriesLike) -> tuple[int, pd.Index | None]:
        if is_integer(n_or_index):
            n = int(n_or_index)
            if n < 1:
                raise DataError(
                    f"`n_or_index` must be a positive series length; got {n}. Pass len(y)."
                )
            return n, None
        if isinstance(n_or_index, (pd.Series, pd.DataFrame)):
            return len(n_or_index), n_or_index.index
        if isinstance(n_or_index, pd.Index):
            return len(n_or_index), n_or_index
        if isinstance(n_or_index, np.ndarray):
            return len(n_or_index), None
        raise InputTypeError(
            "`n_or_index` must be a series length (int), a pandas Index, Series, DataFrame or "
            f"a NumPy array; got {type(n_or_index).__name__}. Pass len(y) or y.index."
        )

    def _resolve_bound(self, name: str, value: Bound, n: int, index: pd.Index | None) -> int:
        """Position of a ``start``/``end`` bound (``start``: first on/after; ``end``: last)."""
        if is_integer(value):
            pos = int(value)  # type: ignore[arg-type]
            if pos < 0:
                raise ConfigError(
                    f"`{name}` must be a non-negative position or a timestamp; got {pos}. "
                    f"Use n - {-pos} for a position counted from the end."
                )
            return pos
        if not isinstance(value, (str, pd.Timestamp, _dt.date, np.datetime64)):
            raise ConfigError(
                f"`{name}` must be None, an integer position or a timestamp; got "
                f"{type(value).__name__} {value!r}."
            )
        if not isinstance(index, pd.DatetimeIndex):
            raise ConfigError(
                f"`{name}` is a timestamp ({value!r}) but split() received no DatetimeIndex. "
                "Pass the series or its index to split(), or give a position."
            )
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"`{name}` must be a parsable timestamp; got {value!r}. Use 'YYYY-MM-DD'."
            ) from exc
        if index.tz is not None and ts.tzinfo is None:
            ts = ts.tz_localize(index.tz)
        elif index.tz is None and ts.tzinfo is not None:
            ts = ts.tz_convert(None)
        if not index.is_monotonic_increasing:
            raise DataError(
                "the index passed to split() must be sorted in increasing order to resolve "
                f"`{name}`={value!r}. Sort the series with y.sort_index()."
            )
        if name == "start":
            return int(index.searchsorted(ts, side="left"))
        return int(index.searchsorted(ts, side="right")) - 1

    def _origins(self, n_or_index: SeriesLike) -> np.ndarray:
        self._validate_params()
        n, index = self._length_and_index(n_or_index)
        initial, step = int(self.initial), int(self.step)
        horizon, gap = int(self.horizon), int(self.gap)
        last_possible = n - 1 - gap - horizon  # last origin whose whole test window fits
        if initial - 1 > last_possible:
            raise ConfigError(
                f"`initial` + `gap` + `horizon` must not exceed the series length ({n}); got "
                f"initial={initial}, gap={gap}, horizon={horizon} (sum "
                f"{initial + gap + horizon}). Lower initial to at most "
                f"{max(n - gap - horizon, 0)} or use a longer series."
            )
        first = initial - 1
        last = last_possible
        if self.start is not None:
            first = max(first, self._resolve_bound("start", self.start, n, index))
        if self.end is not None:
            last = min(last, self._resolve_bound("end", self.end, n, index))
        if first > last:
            raise ConfigError(
                f"no origin lies between `start`={self.start!r} and `end`={self.end!r} once "
                f"the first {initial} observations are reserved for training and the last "
                f"{gap + horizon} for the test window (usable positions {initial - 1}.."
                f"{last_possible}). Widen start/end or lower initial."
            )
        origins = np.arange(first, last + 1, step, dtype=np.int64)
        if self.max_origins is not None:
            origins = origins[-int(self.max_origins) :]
        return origins

    # ------------------------------------------------------------------ public API
    def split(self, n_or_index: SeriesLike) -> Iterator[Fold]:
        """Validate the settings and iterate over the folds.

        Parameters
        ----------
        n_or_index : int, pandas Index, Series, DataFrame or ndarray of shape (n,)
            The series (or its length or index). An index is needed only when ``start`` or
            ``end`` is a timestamp.

        Returns
        -------
        iterator of Fold
            The folds in increasing origin order. Validation happens when ``split`` is
            called, not when the iterator is first advanced.

        Raises
        ------
        ConfigError
            A setting is invalid, or no origin fits the series.
        InputTypeError
            ``n_or_index`` is of an unsupported type.
        """
        origins = self._origins(n_or_index)
        return self._iter_folds(origins)

    def _iter_folds(self, origins: np.ndarray) -> Iterator[Fold]:
        gap, horizon = int(self.gap), int(self.horizon)
        size = self._window_size()
        fitted_on = range(0)  # replaced at fold 0, which always refits
        for number, origin_np in enumerate(origins):
            origin = int(origin_np)
            start = 0 if self.window == "expanding" else origin - size + 1
            train = range(start, origin + 1)
            if self.refit_every is None:
                refit = number == 0
            else:
                refit = number % int(self.refit_every) == 0
            if refit:
                fitted_on = train
            yield Fold(
                number=number,
                origin=origin,
                train=train,
                test=range(origin + gap + 1, origin + gap + horizon + 1),
                refit=refit,
                fitted_on=fitted_on,
            )

    def n_splits(self, n_or_index: SeriesLike) -> int:
        """Number of folds :meth:`split` yields for this series.

        Parameters
        ----------
        n_or_index : int, pandas Index, Series, DataFrame or ndarray of shape (n,)
            As in :meth:`split`.

        Returns
        -------
        int
            The number of origins.
        """
        return len(self._origins(n_or_index))

    def describe(self) -> dict[str, Any]:
        """The settings and their exact meaning, for recording in a backtest result.

        Returns
        -------
        dict
            The constructor arguments (``window_size`` resolved, timestamp bounds as
            ``str``) plus plain-language
            ``"origins"``, ``"train"``, ``"test"`` and ``"refit"`` entries stating the
            semantics.
        """
        self._validate_params()
        out: dict[str, Any] = {"splitter": "WalkForward", **self.get_params()}
        out["window_size"] = self._window_size() if self.window == "sliding" else None
        for name in ("start", "end"):  # JSON-friendly: positions stay ints, dates become str
            value = out[name]
            out[name] = value if value is None or is_integer(value) else str(value)
        out["origins"] = (
            "positions max(initial-1, start) + j*step while origin <= end and "
            "origin + gap + horizon <= n-1; then the last max_origins are kept"
        )
        out["train"] = (
            "positions 0..origin (expanding)"
            if self.window == "expanding"
            else f"positions origin-{out['window_size'] - 1}..origin (sliding)"
        )
        out["test"] = "positions origin+gap+1 .. origin+gap+horizon"
        if self.refit_every is None:
            out["refit"] = "fit once on fold 0; later folds only append new observations"
        else:
            out["refit"] = (
                f"refit on folds 0, {self.refit_every}, {2 * int(self.refit_every)}, ... "
                "(counted among yielded folds); other folds keep the parameters of the last "
                "refit and only append new observations"
            )
        return out


def refit_blocks(folds: Sequence[Fold]) -> list[list[Fold]]:
    """Folds grouped into refit blocks: a block starts at each fold with ``refit`` set.

    Parameters
    ----------
    folds : sequence of Fold
        In origin order, as :meth:`WalkForward.split` yields them.

    Returns
    -------
    list of list of Fold
        The first fold of each block is re-estimated; the others only update it. A first
        fold without ``refit`` still starts a block.
    """
    blocks: list[list[Fold]] = []
    for fold in folds:
        if fold.refit or not blocks:
            blocks.append([fold])
        else:
            blocks[-1].append(fold)
    return blocks
