"""Regression losses: mean squared error, Huber, pinball (one or several quantiles).

Each loss is a small object with ``value(y_pred, y_true) -> float`` (the mean over all
elements) and ``gradient(y_pred, y_true) -> ndarray`` (d value / d y_pred).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn._checks import check_real

__all__ = ["MSE", "Huber", "Loss", "Pinball", "make_loss"]


class Loss:
    """Base class of the losses.

    Attributes
    ----------
    n_per_target : int
        Network outputs per target column (the number of quantiles for :class:`Pinball`,
        1 otherwise).
    """

    name = "loss"
    n_per_target = 1

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        """Mean loss.

        Parameters
        ----------
        y_pred : ndarray of shape (n, m * n_per_target)
            Network outputs.
        y_true : ndarray of shape (n, m)
            Targets, in the same units as the outputs.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """Gradient of :meth:`value` with respect to ``y_pred`` (same shape, same dtype)."""
        raise NotImplementedError

    def validate(self) -> None:
        """Raise ConfigError for bad settings."""

    def get_config(self) -> dict[str, Any]:
        """JSON-serialisable description accepted by :func:`make_loss`."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error ``mean((y_pred - y_true)^2)``."""

    name = "mse"

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        r = y_pred - y_true
        return float(np.mean(r * r))

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        r: np.ndarray = y_pred - y_true
        r *= 2.0 / r.size  # d/dp mean((p - y)^2) = 2 (p - y) / N
        return r


class Huber(Loss):
    """Huber loss: quadratic within ``delta`` of the target, linear beyond.

    ``mean(0.5 r^2 if |r| <= delta else delta (|r| - delta / 2))`` with ``r = y_pred - y_true``.

    Parameters
    ----------
    delta : float, default 1.0
        Threshold in target units (e.g. a few standard deviations of scaled returns).
    """

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = delta

    def validate(self) -> None:
        check_real("delta", self.delta, low=0.0, low_open=True, finite=False, label=" (Huber)")

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        r = np.abs(y_pred - y_true)
        d = self.delta
        return float(np.mean(np.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d))))

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        r: np.ndarray = y_pred - y_true
        np.clip(r, -self.delta, self.delta, out=r)
        r *= 1.0 / r.size  # d/dp = clip(p - y, -delta, delta) / N
        return r

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "delta": float(self.delta)}

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta})"


class Pinball(Loss):
    """Pinball (quantile) loss for one or several quantiles.

    ``mean(max(q r, (q - 1) r))`` with ``r = y_true - y_pred``; minimised by the
    ``q``-quantile of the conditional distribution.

    Parameters
    ----------
    quantiles : float or sequence of float, default 0.5
        Quantile levels in (0, 1). With ``k`` levels and ``m`` targets the network has
        ``m * k`` outputs, grouped by target: column ``j * k + l`` is target ``j`` at level
        ``quantiles[l]``.
    """

    name = "pinball"

    def __init__(self, quantiles: float | Sequence[float] = 0.5) -> None:
        self.quantiles = quantiles

    @property
    def _q(self) -> np.ndarray:
        return np.atleast_1d(np.asarray(self.quantiles, dtype=float))

    @property
    def n_per_target(self) -> int:  # type: ignore[override]
        return int(self._q.size)

    def validate(self) -> None:
        try:
            q = self._q
        except (TypeError, ValueError):
            raise ConfigError(
                f"`quantiles` must be numbers in (0, 1); got {self.quantiles!r}."
            ) from None
        if q.ndim != 1 or q.size == 0 or not np.all((q > 0) & (q < 1)):
            raise ConfigError(
                f"`quantiles` must be numbers strictly between 0 and 1; got {self.quantiles!r}."
            )

    def _residual(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        n = y_pred.shape[0]
        k = self._q.size
        p = y_pred.reshape(n, -1, k)
        r: np.ndarray = y_true.reshape(n, -1, 1) - p  # r = y - p, broadcast over the quantiles
        return r

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        r = self._residual(y_pred, y_true)
        q = self._q
        return float(np.mean(np.maximum(q * r, (q - 1.0) * r)))

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        r = self._residual(y_pred, y_true)
        q = self._q.astype(y_pred.dtype)
        g = (r < 0).astype(y_pred.dtype)
        g -= q
        g *= 1.0 / g.size  # d/dp = ([y < p] - q) / N
        return g.reshape(y_pred.shape)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "quantiles": self._q.tolist()}

    def __repr__(self) -> str:
        return f"Pinball(quantiles={self.quantiles!r})"


_LOSSES = {"mse": MSE, "huber": Huber, "pinball": Pinball}


def make_loss(spec: Any) -> Loss:
    """Return a validated :class:`Loss` from a name, a config dict or an instance.

    Parameters
    ----------
    spec : {"mse", "huber", "pinball"}, dict or Loss
        ``"pinball"`` alone means the median (0.5); use ``Pinball([0.1, 0.5, 0.9])`` for
        several quantiles.

    Returns
    -------
    Loss
    """
    if isinstance(spec, Loss):
        loss = spec
    elif isinstance(spec, str):
        if spec.lower() not in _LOSSES:
            raise ConfigError(f"`loss` must be one of {sorted(_LOSSES)} or a Loss; got {spec!r}.")
        loss = _LOSSES[spec.lower()]()
    elif isinstance(spec, dict) and spec.get("name") in _LOSSES:
        kwargs = {k: v for k, v in spec.items() if k != "name"}
        loss = _LOSSES[spec["name"]](**kwargs)
    else:
        raise InputTypeError(
            f"`loss` must be a name in {sorted(_LOSSES)} or a Loss instance; got "
            f"{type(spec).__name__} {spec!r}."
        )
    loss.validate()
    return loss
