"""Errors and warnings raised by tickcast.

Every failure a user can cause or meet (bad input, missing data, a network outage, a model
used before it is fitted) is a :class:`TickcastError`. Each subclass also derives from the
built-in exception that fits (``ValueError``, ``TypeError``...), so code that already catches
those keeps working.

Messages name the argument, the rule, the value received and, where there is one, a fix::

    ConfigError: `horizon` must be a positive integer; got 2.5.
"""

from __future__ import annotations

__all__ = [
    "CacheWarning",
    "CalibrationWarning",
    "ConfigError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "FallbackWarning",
    "InputTypeError",
    "KindGuessWarning",
    "ModelFileError",
    "NetworkError",
    "NotFittedError",
    "TickcastError",
    "TickcastWarning",
    "TrainingError",
    "VolatilityFallbackWarning",
]


class TickcastError(Exception):
    """Base class of every error tickcast raises on purpose."""


class DataError(TickcastError, ValueError):
    """A series or file is unusable: unknown name, bad values, bad index, too short."""


class NetworkError(DataError):
    """A remote source (Yahoo, FRED, ECB) could not be reached or refused the request."""


class ConfigError(TickcastError, ValueError):
    """A parameter has a value outside what the function accepts."""


class InputTypeError(TickcastError, TypeError):
    """An argument has the wrong type (e.g. a DataFrame where a Series is expected)."""


class NotFittedError(TickcastError, ValueError, AttributeError):
    """A model was asked to predict, simulate or update before ``fit``."""


class ModelFileError(TickcastError, ValueError):
    """A saved model file is truncated, from a newer version, or not a tickcast model."""


class TrainingError(TickcastError, RuntimeError):
    """Fitting or forecasting failed numerically (non-finite loss, gradients or forecasts)."""


class TickcastWarning(UserWarning):
    """Base class of tickcast's warnings."""


class DataWarning(TickcastWarning):
    """Something about the data deserves attention but did not stop the work."""


class KindGuessWarning(DataWarning):
    """Whether a series is a price or a rate was guessed (from its sign or its name).

    The guess decides the modelled target (log returns or differences) and so the width of
    every interval; pass ``kind="price"`` or ``kind="rate"`` to say it and silence this.
    """


class FallbackWarning(DataWarning):
    """The requested source failed and another one (stale cache, bundled snapshot) was used."""


class CacheWarning(TickcastWarning):
    """The on-disk cache was corrupt or unwritable; the data were fetched again or not cached."""


class ConvergenceWarning(TickcastWarning):
    """An optimiser (ARIMA likelihood, network training) did not converge."""


class CalibrationWarning(TickcastWarning):
    """An interval rests on too few calibration residuals to keep its promised coverage."""


class VolatilityFallbackWarning(CalibrationWarning):
    """A GARCH fit failed or did not converge; the EWMA volatility model was used instead."""
