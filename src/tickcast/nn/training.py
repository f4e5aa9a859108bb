"""Pieces of the training loop of :class:`~tickcast.nn.network.Network`: early stopping and
the optional progress bar."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["EarlyStopping", "ProgressBar"]


class EarlyStopping:
    """Track the monitored loss per epoch, keep the best weights, say when to stop.

    Parameters
    ----------
    weights : ndarray
        The network's flat parameter vector (live); a copy of it is kept as the best weights
        (the initial weights until an epoch improves).
    patience : int or None
        Stop after this many epochs without improving by more than ``min_delta``; None never
        stops.
    min_delta : float
        Smallest decrease of the monitored loss that counts as an improvement.

    Attributes
    ----------
    best : float
        Lowest monitored loss so far (``inf`` before the first epoch).
    best_epoch : int
        Epoch (from 1) of ``best``; 0 before any improvement.
    best_weights : ndarray
        Copy of the weights at ``best_epoch`` (the initial weights while it is 0).
    stopped : bool
        Whether :meth:`update` asked to stop.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.zeros(2)
    >>> stop = EarlyStopping(w, patience=2, min_delta=0.0)
    >>> [stop.update(e, loss) for e, loss in enumerate([3.0, 2.0, 2.5, 2.1], start=1)]
    [False, False, False, True]
    >>> stop.best_epoch
    2
    """

    def __init__(self, weights: np.ndarray, *, patience: int | None, min_delta: float) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self._weights = weights
        self.best = math.inf
        self.best_epoch = 0
        self.best_weights = weights.copy()
        self.wait = 0
        self.stopped = False

    def update(self, epoch: int, monitor: float) -> bool:
        """Record epoch ``epoch``'s monitored loss; return True when training should stop."""
        if monitor < self.best - self.min_delta:
            self.best, self.wait, self.best_epoch = monitor, 0, epoch
            self.best_weights[...] = self._weights
        else:
            self.wait += 1
        self.stopped = self.patience is not None and self.wait >= self.patience
        return self.stopped


class ProgressBar:
    """A tqdm bar over epochs when ``verbose``, otherwise nothing (tqdm imported lazily)."""

    def __init__(self, epochs: int, verbose: int) -> None:
        self._bar: Any = None
        if verbose:
            from tqdm import tqdm  # the plain bar: tqdm.auto needs ipywidgets in Jupyter

            self._bar = tqdm(total=epochs, desc="training", unit="epoch", disable=None, leave=False)

    def update(self, train_loss: float, val_loss: float | None) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(
                train=f"{train_loss:.4g}", val="-" if val_loss is None else f"{val_loss:.4g}"
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
