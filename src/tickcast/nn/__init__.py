"""tickcast.nn: recurrent networks in NumPy with exact backpropagation through time.

Layers (``Dense``, ``Dropout``, ``RNN``, ``LSTM``, ``GRU``), activations (including per-unit
mixes), losses (MSE, Huber, pinball), optimizers (SGD, momentum, Nesterov, RMSprop,
Adam/AdamW, Barzilai-Borwein), learning-rate schedules, a ``Network`` with a training loop,
``gradcheck`` and ``.npz`` persistence. Imports only NumPy.

Examples
--------
>>> import numpy as np
>>> from tickcast.nn import build_recurrent_network
>>> net = build_recurrent_network(cell="lstm", n_features=1, hidden=8, seed=0)
>>> X = np.random.default_rng(0).normal(size=(128, 12, 1))
>>> net.fit(X, X[:, -1, 0], epochs=2, batch_size=32).predict(X[:3]).shape
(3, 1)
"""

from tickcast.nn.activations import ACTIVATIONS, Activation, MixedActivation, get_activation
from tickcast.nn.builder import build_recurrent_network
from tickcast.nn.gradcheck import gradcheck
from tickcast.nn.gru import GRU
from tickcast.nn.layers import Dense, Dropout, Layer
from tickcast.nn.losses import MSE, Huber, Loss, Pinball, make_loss
from tickcast.nn.lstm import LSTM
from tickcast.nn.network import Network
from tickcast.nn.optim import (
    OPTIMIZERS,
    SGD,
    Adam,
    BarzilaiBorwein,
    Optimizer,
    RMSprop,
    clip_grad_norm,
    global_norm,
    make_optimizer,
)
from tickcast.nn.recurrent import RNN, RecurrentLayer
from tickcast.nn.registry import CELLS, LAYER_CLASSES
from tickcast.nn.schedules import (
    Constant,
    CosineDecay,
    ExponentialDecay,
    Schedule,
    StepDecay,
    make_schedule,
)
from tickcast.nn.serialize import load_network, save_network

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "GRU",
    "LAYER_CLASSES",
    "LSTM",
    "MSE",
    "OPTIMIZERS",
    "RNN",
    "SGD",
    "Activation",
    "Adam",
    "BarzilaiBorwein",
    "Constant",
    "CosineDecay",
    "Dense",
    "Dropout",
    "ExponentialDecay",
    "Huber",
    "Layer",
    "Loss",
    "MixedActivation",
    "Network",
    "Optimizer",
    "Pinball",
    "RMSprop",
    "RecurrentLayer",
    "Schedule",
    "StepDecay",
    "build_recurrent_network",
    "clip_grad_norm",
    "get_activation",
    "global_norm",
    "gradcheck",
    "load_network",
    "make_loss",
    "make_optimizer",
    "make_schedule",
    "save_network",
]
