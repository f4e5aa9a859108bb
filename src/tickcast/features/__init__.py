"""tickcast.features: what the models see.

- :mod:`~tickcast.features.transforms`: invertible targets (:class:`LogReturn`,
  :class:`Diff`, :class:`PctChange`, :class:`Level`; :func:`make_target`).
- :mod:`~tickcast.features.scaling`: :class:`StandardScaler`, :class:`RobustScaler`, fitted
  on the training slice only.
- :mod:`~tickcast.features.windows`: :func:`make_windows`, zero-copy sliding windows.
- :mod:`~tickcast.features.align`: :func:`align_exog`, exogenous series without look-ahead.
- :mod:`~tickcast.features.handcrafted`: momentum, volatility, RSI, drawdown, calendar and
  yield-curve features, composed by :class:`FeatureSet`.

Imports only NumPy and pandas.
"""

from tickcast.features.align import align_exog
from tickcast.features.handcrafted import (
    FEATURES,
    FeatureSet,
    chg,
    curve_slope,
    day_of_week,
    drawdown,
    log_return,
    ma_gap,
    month_of_year,
    realised_vol,
    rsi,
)
from tickcast.features.scaling import RobustScaler, StandardScaler
from tickcast.features.transforms import (
    TARGETS,
    Diff,
    Level,
    LogReturn,
    PctChange,
    SqrtDiff,
    TargetTransform,
    default_target,
    make_target,
)
from tickcast.features.windows import Windows, iter_batches, last_window, make_windows

__all__ = [
    "FEATURES",
    "TARGETS",
    "Diff",
    "FeatureSet",
    "Level",
    "LogReturn",
    "PctChange",
    "RobustScaler",
    "SqrtDiff",
    "StandardScaler",
    "TargetTransform",
    "Windows",
    "align_exog",
    "chg",
    "curve_slope",
    "day_of_week",
    "default_target",
    "drawdown",
    "iter_batches",
    "last_window",
    "log_return",
    "ma_gap",
    "make_target",
    "make_windows",
    "month_of_year",
    "realised_vol",
    "rsi",
]
