"""The one registry of layer classes: recurrent cells by name, and every layer by class name."""

from __future__ import annotations

from typing import Any

from tickcast.nn.gru import GRU
from tickcast.nn.layers import Dense, Dropout, Layer
from tickcast.nn.lstm import LSTM
from tickcast.nn.recurrent import RNN, RecurrentLayer

__all__ = ["CELLS", "LAYER_CLASSES"]

CELLS: dict[str, type[RecurrentLayer[Any]]] = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
"""Recurrent cells by the name forecasters and :func:`build_recurrent_network` accept."""

LAYER_CLASSES: dict[str, type[Layer]] = {
    "Dense": Dense,
    "Dropout": Dropout,
    **{cls.__name__: cls for cls in CELLS.values()},
}
"""Every layer by class name, as written in :meth:`Network.get_config` (``"class"``)."""
