"""Recurrent layers over whole sequence batches: the shared machinery and the Elman ``RNN``.

Inputs are (batch, time, features). Internally everything is time-major and feature-major:
step ``t`` of a buffer is a C-contiguous (rows, batch) block, so every per-step NumPy call
works on contiguous memory (strided views cost 2-3x more per call at these sizes). Each step
multiplies the stacked matrix ``[W; b; U]^T`` once by the column block ``[x_t; 1; h_{t-1}]``
held in ``HX`` of shape (T + 1, F + 1 + H, B): input projection, bias and recurrence in one
GEMM. After the backward loop the weight gradients are one GEMM over all ``T * B`` columns.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import numpy as np

from tickcast.errors import ConfigError
from tickcast.nn._checks import check_choice, check_int
from tickcast.nn.activations import Activation, get_activation, is_tanh
from tickcast.nn.initializers import INITIALIZERS, initialize
from tickcast.nn.layers import Layer, activation_config

__all__ = ["RNN", "RecurrentLayer"]

_MAX_WORKSPACES = 4


class _Workspace:
    """Buffers and per-step views for one (batch, time, training) shape.

    ``HX`` has shape (T + 1, F + 1 + H + extra_rows, B); its first F + 1 + H rows at step t
    are ``[x_t; 1; h_{t-1}]`` (``hx[t]``, the GEMM operand), the ``extra_rows`` after them
    are a cell's own per-step scratch (the LSTM keeps its ``[i g; f c_{t-1}]`` there, so
    that ``[h; i g; f c_{t-1}]`` is one contiguous block). ``HXpad`` is the same memory with
    ``lead_rows`` zero rows before each step (``HX = HXpad[:, lead_rows:]``): a GEMM whose
    output has ``lead_rows + F + 1 + H`` columns, a multiple of 8, runs faster.
    """

    def __init__(
        self,
        B: int,
        T: int,
        F: int,
        H: int,
        dtype: np.dtype[Any],
        extra_rows: int = 0,
        lead_rows: int = 0,
    ) -> None:
        K = F + 1 + H
        self.B, self.T = B, T
        self.HXpad = np.zeros((T + 1, lead_rows + K + extra_rows, B), dtype=dtype)
        self.HX = self.HXpad[:, lead_rows:]
        self.HX[:, F, :] = 1.0
        self.hx = [m[:K] for m in self.HX]  # step t: [x_t; 1; h_{t-1}], C-contiguous
        self.h = [self.HX[t, F + 1 : K] for t in range(T + 1)]  # h[t] = h_{t-1}, (H, B)
        self.dh = np.empty((H, B), dtype=dtype)
        self.HXc = np.empty((K, T, B), dtype=dtype)  # feature-major copy for the weight GEMM


WS = TypeVar("WS", bound=_Workspace)


class RecurrentLayer(Layer, Generic[WS]):
    """Base class of :class:`RNN`, :class:`~tickcast.nn.lstm.LSTM` and
    :class:`~tickcast.nn.gru.GRU`, generic in the type of its per-shape workspace of buffers
    (``RecurrentLayer[_LSTMWorkspace]``; a typing detail only).

    Parameters
    ----------
    units : int
        Hidden size ``H``.
    activation : str, Activation, sequence or mapping, default "tanh"
        Hidden activation (for LSTM the candidate and cell-output activation, for GRU the
        candidate). Mixed specifications such as ``("tanh", "relu")`` split the units.
    return_sequences : bool, default False
        Return every hidden state (batch, time, H) instead of the last one (batch, H).
    kernel_init : {"glorot", "he", "orthogonal"}, default "glorot"
        Input weights, one gate block at a time.
    recurrent_init : {"orthogonal", "glorot", "he"}, default "orthogonal"
        Recurrent weights, one gate block at a time.
    """

    input_ndim = 3
    n_gates = 1

    def __init__(
        self,
        units: int,
        *,
        activation: Any = "tanh",
        return_sequences: bool = False,
        kernel_init: str = "glorot",
        recurrent_init: str = "orthogonal",
    ) -> None:
        super().__init__()
        self.units = units
        self.activation = activation
        self.return_sequences = return_sequences
        self.kernel_init = kernel_init
        self.recurrent_init = recurrent_init

    def _validate(self) -> None:
        check_int("units", self.units)
        check_choice("kernel_init", self.kernel_init, INITIALIZERS)
        check_choice("recurrent_init", self.recurrent_init, INITIALIZERS)
        if not isinstance(self.return_sequences, (bool, np.bool_)):
            raise ConfigError(
                f"`return_sequences` must be True or False; got {self.return_sequences!r}."
            )
        self._act: Activation = get_activation(self.activation, self.units, axis=-2)
        self._fast = is_tanh(self._act)
        self._workspaces: dict[tuple[int, int, bool], WS] = {}
        self._ws: WS | None = None

    def _init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        H, G = self.units, self.n_gates
        return {
            "W": initialize(self.kernel_init, self.n_in, H, G, rng),
            "U": initialize(self.recurrent_init, H, H, G, rng),
            "b": np.zeros(G * H),
        }

    def _output_size(self) -> int:
        return int(self.units)

    # -- shared plumbing ----------------------------------------------------------------
    def _workspace(self, B: int, T: int, training: bool) -> WS:
        key = (B, T, bool(training))
        ws = self._workspaces.get(key)
        if ws is None:
            if len(self._workspaces) >= _MAX_WORKSPACES:
                self._workspaces.pop(next(iter(self._workspaces)))
            ws = self._make_workspace(B, T, bool(training))
            self._workspaces[key] = ws
        return ws

    def _make_workspace(self, B: int, T: int, training: bool) -> WS:
        raise NotImplementedError

    def _stacked(self, scale: np.ndarray | None = None) -> np.ndarray:
        """Return ``[W; b; U]^T`` of shape (G * H, F + 1 + H), rows times ``scale``."""
        p = self.params
        M: np.ndarray = np.concatenate((p["W"], p["b"][None, :], p["U"]), axis=0).T.copy()
        if scale is not None:
            M *= scale[:, None]
        return M

    def _load_inputs(self, ws: WS, X: np.ndarray) -> None:
        if X.shape[-1] != self.n_in:
            raise ConfigError(
                f"{type(self).__name__} was built for {self.n_in} input features; got X with "
                f"shape {X.shape}."
            )
        ws.HX[: ws.T, : self.n_in, :] = X.transpose(1, 2, 0)

    def _output(self, ws: WS) -> np.ndarray:
        F1 = self.n_in + 1
        K = F1 + self.units
        if self.return_sequences:
            return np.ascontiguousarray(ws.HX[1:, F1:K, :].transpose(2, 0, 1))
        return np.ascontiguousarray(ws.HX[ws.T, F1:K, :].T)

    def _start_backward(self, dY: np.ndarray) -> tuple[WS, list[np.ndarray] | None]:
        ws = self._ws
        if ws is None:
            raise self._missing_cache()
        dY = np.asarray(dY, dtype=self.dtype)
        if self.return_sequences:
            dYt = np.ascontiguousarray(dY.transpose(1, 2, 0))  # (T, H, B)
            np.copyto(ws.dh, dYt[ws.T - 1])
            return ws, list(dYt)
        np.copyto(ws.dh, dY.T)
        return ws, None

    def _weight_grads(self, ws: WS, dZ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``d[W; b; U]^T`` (rows, F + 1 + H) from ``dZ`` (T, rows, B), all steps at
        once, and ``dZ`` as the (rows, T * B) block ``dZc`` (for the input gradient)."""
        T, B = ws.T, ws.B
        rows = dZ.shape[1]
        np.copyto(ws.HXc, ws.HX[:T, : ws.HXc.shape[0]].transpose(1, 0, 2))
        dZc = np.ascontiguousarray(dZ.transpose(1, 0, 2)).reshape(rows, T * B)
        dMT: np.ndarray = dZc @ ws.HXc.reshape(-1, T * B).T  # sum_t dZ_t [x_t; 1; h_{t-1}]^T
        return dMT, dZc

    def _input_grad(self, ws: WS, dZc: np.ndarray, W: np.ndarray) -> np.ndarray:
        """``dX`` (batch, time, F) from ``dZc`` (rows, T * B) and ``W`` (F, rows)."""
        dXT = W @ dZc  # dx_t = W dz_t for every step
        dX: np.ndarray = dXT.reshape(-1, ws.T, ws.B).transpose(2, 1, 0)
        return dX

    def _finish_backward(self, ws: WS, dZ: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """Scatter the stacked weight gradient into W, b, U; return dX or None."""
        F = self.n_in
        dMT, dZc = self._weight_grads(ws, dZ)
        self.grads["W"] += dMT[:, :F].T
        self.grads["b"] += dMT[:, F]
        self.grads["U"] += dMT[:, F + 1 :].T
        if not need_input_grad:
            return None
        return self._input_grad(ws, dZc, self.params["W"])

    def get_config(self) -> dict[str, Any]:
        return {
            "class": type(self).__name__,
            "units": int(self.units),
            "activation": activation_config(self.activation),
            "return_sequences": bool(self.return_sequences),
            "kernel_init": self.kernel_init,
            "recurrent_init": self.recurrent_init,
        }


class _RNNWorkspace(_Workspace):
    def __init__(self, B: int, T: int, F: int, H: int, dtype: np.dtype[Any]) -> None:
        super().__init__(B, T, F, H, dtype)
        self.Z = np.empty((T, H, B), dtype=dtype)
        self.z = list(self.Z)
        self.dZ = np.empty((T, H, B), dtype=dtype)
        self.dz = list(self.dZ)


class RNN(RecurrentLayer[_RNNWorkspace]):
    """Elman recurrent layer ``h_t = act(x_t W + h_{t-1} U + b)``, ``h_0 = 0``.

    Parameters are as in :class:`RecurrentLayer`.

    Attributes
    ----------
    params : dict
        ``W`` (n_in, H), ``U`` (H, H), ``b`` (H,).

    Notes
    -----
    Backpropagation through time: ``dz_t = (dY_t + dh_t) * act'(h_t)`` and
    ``dh_{t-1} = dz_t U^T``; then ``dW = sum_t x_t^T dz_t``, ``dU = sum_t h_{t-1}^T dz_t``,
    ``db = sum_t sum_rows dz_t``, computed as one GEMM over all steps.

    Examples
    --------
    >>> import numpy as np
    >>> rnn = RNN(8, return_sequences=True)
    >>> rnn.build(3, rng=np.random.default_rng(0))
    8
    >>> rnn.forward(np.zeros((2, 5, 3), dtype=np.float32)).shape
    (2, 5, 8)
    """

    def _make_workspace(self, B: int, T: int, training: bool) -> _RNNWorkspace:
        return _RNNWorkspace(B, T, self.n_in, self.units, self.dtype)

    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        B, T, _ = X.shape
        ws = self._workspace(B, T, training)
        self._load_inputs(ws, X)
        MT = self._stacked()
        hx, h, z = ws.hx, ws.h, ws.z
        dot = np.dot
        act = np.tanh if self._fast else self._act.forward
        for t in range(T):
            dot(MT, hx[t], out=z[t])  # z_t = [W; b; U]^T [x_t; 1; h_{t-1}]
            act(z[t], out=h[t + 1])
        self._ws = ws if training else None
        return self._output(ws)

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        ws, dYt = self._start_backward(dY)
        T, F1 = ws.T, self.n_in + 1
        D = list(self._act.derivative(ws.HX[1:, F1:]))  # act'(z_t) from h_t, all steps
        U = self.params["U"]
        dh, dz, dot, mul, add = ws.dh, ws.dz, np.dot, np.multiply, np.add
        for t in range(T - 1, -1, -1):
            mul(dh, D[t], out=dz[t])  # dz_t = dh_t * act'(z_t)
            if t:
                dot(U, dz[t], out=dh)  # dh_{t-1} = U dz_t (column layout of h U)
                if dYt is not None:
                    add(dh, dYt[t - 1], out=dh)  # plus the output gradient at t-1
        self._ws = None
        return self._finish_backward(ws, ws.dZ, need_input_grad)
