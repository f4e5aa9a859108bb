"""Forecasters with one interface: baselines, ridge on lags, ARIMA and NumPy recurrent nets."""

from tickcast.models.arima import ARIMAForecaster
from tickcast.models.base import Forecaster
from tickcast.models.baselines import Drift, Mean, Naive, SeasonalNaive
from tickcast.models.forecast import Forecast
from tickcast.models.linear import LinearForecaster
from tickcast.models.persistence import load_model
from tickcast.models.rnn import RNNForecaster

__all__ = [
    "ARIMAForecaster",
    "Drift",
    "Forecast",
    "Forecaster",
    "LinearForecaster",
    "Mean",
    "Naive",
    "RNNForecaster",
    "SeasonalNaive",
    "load_model",
]
