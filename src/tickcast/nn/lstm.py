"""Long short-term memory layer with fused gates and exact backpropagation through time."""

from __future__ import annotations

from typing import Any

import numpy as np

from tickcast.nn.recurrent import RecurrentLayer, _Workspace

__all__ = ["LSTM"]

# Up to this many units the weight gradient is summed step by step from buffers in cache;
# above, every step is kept and one GEMM over all T * B columns is faster (GEMM-bound).
_STEP_WGRAD_MAX_UNITS = 64


class _LSTMWorkspace(_Workspace):
    """Buffers of one (batch, time, training) shape; every per-step view is C-contiguous.

    - ``HX[t]`` (F + 1 + 3H, B): ``[x_t; 1; h_{t-1}; i g; f c_{t-1}]``, the last two blocks
      written by step t - 1 (so ``[h; i g; f c]`` of a step is one block).
    - ``S[p]`` (5H, B), p = t % 2: ``[o; i; f; g; c_{t-1}]`` (the GEMM and the gate
      activations write the first four, the previous step the last; step t writes ``c_t``
      into the other buffer). When training, ``o, i, f`` stay ``1 + exp(-z)`` here (with
      the tanh activation; ``tanh(z / 2)`` with another): the sigmoids go to ``K[t]``.
    - ``K[t]`` (6H, B), training only: the backward factors of step t that do not depend on
      the incoming gradient, ``[o'; i'; f'; o act'(c); i act'(g); f]`` with
      ``o' = tc s'(o) = (1 - o) h``, ``i' = g s'(i) = (1 - i) i g``,
      ``f' = c_{t-1} s'(f) = (1 - f) f c_{t-1}`` and ``s' = s (1 - s)``. The step writes
      ``[o; i; f]`` into the last three blocks first and overwrites ``o`` and ``i``.
    """

    def __init__(
        self, B: int, T: int, F: int, H: int, dtype: np.dtype[Any], training: bool
    ) -> None:
        F1, K = F + 1, F + 1 + H
        # the step-by-step weight-gradient GEMM's output is (4H, lead + K): a multiple of 8
        # columns is about 8 % faster than 69 at H = 64 (the lead rows are zero)
        self.lead = (-K) % 8 if H <= _STEP_WGRAD_MAX_UNITS else 0
        super().__init__(B, T, F, H, dtype, extra_rows=2 * H, lead_rows=self.lead)
        self.S = np.zeros((2, 5 * H, B), dtype=dtype)
        S, HX = self.S, self.HX
        self.tc = np.empty((H, B), dtype=dtype)  # act(c_t)
        self.tmp = np.empty((H, B), dtype=dtype)
        self.backward_ready = False
        # per-step views, in the order the forward loops unpack them
        self.steps: list[tuple[np.ndarray, ...]] = []
        if training:
            self.K = np.zeros((T, 6 * H, B), dtype=dtype)
        for t in range(T):
            p, q, nxt = t & 1, (t + 1) & 1, HX[t + 1]
            # sigmoids: in place in S when predicting, into K[t] when training
            sig = self.K[t] if training else S[p]
            at = 3 * H if training else 0
            self.steps.append(
                (
                    self.hx[t],
                    S[p, : 4 * H],  # gates
                    S[p, : 3 * H],  # tanh(z / 2) of o, i, f
                    sig[at : at + 3 * H],  # o, i, f
                    sig[at : at + H],  # o
                    sig[at + H : at + 2 * H],  # i
                    sig[at + H : at + 3 * H],  # [i; f]
                    S[p, 3 * H : 4 * H],  # g
                    S[p, 3 * H :],  # [g; c_{t-1}]
                    nxt[K : K + 2 * H],  # [i g; f c_{t-1}]
                    nxt[K : K + H],  # i g
                    nxt[K + H : K + 2 * H],  # f c_{t-1}
                    S[q, 4 * H :],  # c_t
                    nxt[F1:K],  # h_t
                    nxt[F1 : K + 2 * H],  # [h_t; i g; f c_{t-1}]
                    self.K[t, : 3 * H] if training else nxt[F1:K],  # [o'; i'; f']
                )
            )

    def prepare_backward(
        self, B: int, T: int, F: int, H: int, dtype: np.dtype[Any], per_step: bool
    ) -> None:
        if self.backward_ready:
            return
        # gradients of a step: D = [dh o act'(c); dZ_o; dZ_i; dZ_f; dZ_g; dc f]; the last
        # block carries dc_t f_t to the earlier step. Small layers reuse one block (the weight
        # gradient is summed step by step while it is in cache); large ones keep every step
        # for one weight-gradient GEMM over all T * B columns.
        n = 1 if per_step else T
        self.D = np.zeros((n, 6 * H, B), dtype=dtype)
        K = F + 1 + H
        self.dc = np.empty((H, B), dtype=dtype)
        Kt = self.K
        order = (3, 0, 1, 2, 4, 5)  # [o act'(c); o'; i'; f'; i act'(g); f] in K[t]
        self.bwd = []
        for t in range(T):
            k = 0 if per_step else t
            Dk, Dnext = self.D[k], self.D[0 if per_step else min(t + 1, T - 1)]
            self.bwd.append(
                (
                    *(Kt[t, j * H : (j + 1) * H] for j in order),
                    *(Dk[j * H : (j + 1) * H] for j in range(6)),  # [dh o act'(c); dZ; dc f]
                    Dnext[5 * H :],  # dc_{t+1} f_{t+1}
                    Dk[H : 5 * H],  # dZ_t
                    self.HXpad[t, : self.lead + K].T,  # [0; x_t; 1; h_{t-1}]^T
                )
            )
        L = self.lead + K
        self.dM = np.empty((4 * H, L), dtype=dtype)  # d[0; W; b; U]^T, summed over t
        self.dMt = np.empty((4 * H, L), dtype=dtype)  # one step's term
        self.dXT = np.empty((T, F, B), dtype=dtype)  # dx_t, step-major
        self.backward_ready = True


class LSTM(RecurrentLayer[_LSTMWorkspace]):
    """LSTM layer (Hochreiter & Schmidhuber, 1997) over (batch, time, features).

    ``z = x_t W + h_{t-1} U + b`` split into gates ``[o, i, f, g]``;
    ``o, f, i = sigmoid(.)``, ``g = act(.)``, ``c_t = f c_{t-1} + i g``,
    ``h_t = o act(c_t)``, ``h_0 = c_0 = 0``. The forget-gate bias starts at 1.

    Parameters are as in :class:`~tickcast.nn.recurrent.RecurrentLayer`.

    Attributes
    ----------
    params : dict
        ``W`` (n_in, 4H), ``U`` (H, 4H), ``b`` (4H,); column blocks in gate order
        ``[o, i, f, g]``.

    Notes
    -----
    Speed: one GEMM per step on ``[x_t; 1; h_{t-1}]``. With the tanh activation the rows of
    the stacked weights are scaled by -1 (sigmoid gates) and -2 (candidate), so that one
    ``exp`` over all gates, ``+ 1`` and a division give ``sigmoid(z) = 1 / (1 + exp(-z))``
    and ``tanh(z) = 2 / (1 + exp(-2 z)) - 1``: NumPy's float32 ``exp`` is SIMD-vectorised on
    AVX2 and ``tanh`` is not (about 1.8 against 2.8-3.7 ns per element here; 9-13 % of an
    epoch at 16-64 units). With another activation the sigmoid rows are halved and one
    ``tanh`` gives ``sigmoid(z) = (1 + tanh(z / 2)) / 2``. Every operand is a C-contiguous
    block of the same shape (NumPy's fast path; broadcasting or strided views cost about a
    microsecond more per call).

    When training, the step also writes the factors of the backward pass that do not depend
    on the incoming gradient, while its data are in cache (a T-wide pass over the
    multi-megabyte buffers afterwards costs more than the calls it saves). Written through
    products the forward pass already has (``h = o tc``, ``i g``, ``f c_{t-1}``), they take
    six calls: ``o' = (1 - o) h``, ``i' = (1 - i) i g``, ``f' = (1 - f) f c_{t-1}`` as two
    calls on three blocks, ``o act'(c) = o - h tc`` and ``i act'(g) = i - (i g) g`` (tanh)
    as two each; the sigmoids are written straight into the step's factor block, so ``f``
    needs no copy. The backward step is seven elementwise calls (one block each: a
    broadcast over several blocks leaves NumPy's fast path and costs more), the GEMM
    ``dh_{t-1} = U dZ_t`` and the step's weight-gradient GEMM ``dZ_t [x_t; 1; h_{t-1}]^T``
    added into one (4H, F + 1 + H) sum (for more than 64 units, one GEMM over all T * B
    columns after the loop instead). At ``t = 0``, ``h_{-1} = 0``: the GEMMs skip ``U``.

    Examples
    --------
    >>> import numpy as np
    >>> lstm = LSTM(4)
    >>> lstm.build(2, rng=np.random.default_rng(0))
    4
    >>> lstm.forward(np.ones((3, 7, 2), dtype=np.float32)).shape
    (3, 4)
    """

    n_gates = 4

    def _init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        params = super()._init_params(rng)
        H = self.units
        params["b"][2 * H : 3 * H] = 1.0  # forget-gate bias 1: remember by default
        return params

    def _make_workspace(self, B: int, T: int, training: bool) -> _LSTMWorkspace:
        return _LSTMWorkspace(B, T, self.n_in, self.units, self.dtype, training)

    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        B, T, _ = X.shape
        H = self.units
        ws = self._workspace(B, T, training)
        self._load_inputs(ws, X)
        if self._fast:  # exp(-z) for the sigmoid rows, exp(-2 z) for the candidate
            scale = np.full(4 * H, -1.0, dtype=self.dtype)
            scale[3 * H :] = -2.0
        else:  # sigmoid rows halved: sigmoid(z) = (1 + tanh(z / 2)) / 2
            scale = np.full(4 * H, 0.5, dtype=self.dtype)
            scale[3 * H :] = 1.0
        MT = self._stacked(scale)
        ws.S[0, 4 * H :].fill(0.0)  # c_0 = 0
        with np.errstate(over="ignore"):  # exp(-z) = inf for z < -88 (float32): sigmoid 0
            if training:
                self._steps_train(ws, MT, T)
            else:
                self._steps_predict(ws, MT, T)
        self._ws = ws if training else None
        return self._output(ws)

    def _gate_activations(self, u3: np.ndarray, g: np.ndarray) -> None:
        """tanh over the (pre-scaled) sigmoid rows, the cell activation over ``g``."""
        np.tanh(u3, out=u3)
        self._act.forward(g, out=g)

    def _steps_predict(self, ws: _LSTMWorkspace, MT: np.ndarray, T: int) -> None:
        """The forward recursion without the backward factors."""
        dot, add, mul, sub, div = np.dot, np.add, np.multiply, np.subtract, np.divide
        exp, tanh = np.exp, np.tanh
        fast = self._fast
        act = tanh if fast else self._act.forward
        tc = ws.tc
        F1 = self.n_in + 1
        for t, (hx, a4, u3, sig, o, _i, i_f, g, g_c, P, ig, fc, c, h, _hP, _k) in enumerate(
            ws.steps
        ):
            if t:
                dot(MT, hx, out=a4)  # [z_o / 2; z_i / 2; z_f / 2; z_g]
            else:
                dot(MT[:, :F1], hx[:F1], out=a4)  # h_{-1} = 0
            if fast:
                exp(a4, out=a4)
                add(a4, 1.0, out=a4)
                div(1.0, u3, out=sig)  # o, i, f = 1 / (1 + exp(-z))
                div(2.0, g, out=g)
                sub(g, 1.0, out=g)  # g = 2 / (1 + exp(-2 z)) - 1 = tanh(z)
            else:
                self._gate_activations(u3, g)
                mul(u3, 0.5, out=sig)
                add(sig, 0.5, out=sig)  # o, i, f = (1 + tanh(z / 2)) / 2
            mul(i_f, g_c, out=P)  # [i g; f c_{t-1}]
            add(ig, fc, out=c)  # c_t = i g + f c_{t-1}
            act(c, out=tc)
            mul(o, tc, out=h)  # h_t = o act(c_t)

    def _steps_train(self, ws: _LSTMWorkspace, MT: np.ndarray, T: int) -> None:
        """The forward recursion writing each step's backward factors ``K[t]`` too."""
        dot, add, mul, sub, div = np.dot, np.add, np.multiply, np.subtract, np.divide
        exp, tanh = np.exp, np.tanh
        fast = self._fast
        act = tanh if fast else self._act.forward
        dact = self._act.derivative
        tc, tmp = ws.tc, ws.tmp
        F1 = self.n_in + 1
        for t, (hx, a4, u3, sig, o, i, i_f, g, g_c, P, ig, fc, c, h, hP, k13) in enumerate(
            ws.steps
        ):
            if t:
                dot(MT, hx, out=a4)  # [z_o / 2; z_i / 2; z_f / 2; z_g]
            else:
                dot(MT[:, :F1], hx[:F1], out=a4)  # h_{-1} = 0
            if fast:
                exp(a4, out=a4)
                add(a4, 1.0, out=a4)
                div(1.0, u3, out=sig)  # o, i, f = 1 / (1 + exp(-z))
                div(2.0, g, out=g)
                sub(g, 1.0, out=g)  # g = 2 / (1 + exp(-2 z)) - 1 = tanh(z)
            else:
                self._gate_activations(u3, g)
                mul(u3, 0.5, out=sig)
                add(sig, 0.5, out=sig)  # o, i, f = (1 + tanh(z / 2)) / 2, into K[t]
            mul(i_f, g_c, out=P)  # [i g; f c_{t-1}]
            add(ig, fc, out=c)  # c_t = i g + f c_{t-1}
            act(c, out=tc)
            mul(o, tc, out=h)  # h_t = o act(c_t)
            sub(1.0, sig, out=k13)
            mul(k13, hP, out=k13)  # [o'; i'; f'] = (1 - [o; i; f]) [h; i g; f c_{t-1}]
            if fast:
                mul(ig, g, out=tmp)
                sub(i, tmp, out=i)  # dc/dz_g = i (1 - g^2) = i - (i g) g, over i
                mul(h, tc, out=tmp)
                sub(o, tmp, out=o)  # dh/dc = o (1 - tc^2) = o - h tc, over o
            else:
                dact(g, out=tmp)
                mul(tmp, i, out=i)  # dc/dz_g = i act'(g)
                dact(tc, out=tmp)
                mul(tmp, o, out=o)  # dh/dc = o act'(c_t)
            # f stays in K[t]: dc_t/dc_{t-1} = f

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        ws, dYt = self._start_backward(dY)
        B, T, H, F = ws.B, ws.T, self.units, self.n_in
        F1 = F + 1
        per_step = H <= _STEP_WGRAD_MAX_UNITS
        ws.prepare_backward(B, T, F, H, self.dtype, per_step)
        lead = ws.lead
        U, W = self.params["U"], self.params["W"]  # (H, 4H), (F, 4H)
        dh, dc, dM, dMt, dXT = ws.dh, ws.dc, ws.dM, ws.dMt, ws.dXT
        ws.D[-1, 5 * H :].fill(0.0)  # dc_T f_T = 0
        dot, add, mul = np.dot, np.add, np.multiply
        for t in range(T - 1, -1, -1):
            k0, k1, k2, k3, k4, k5, dpart, dzo, dzi, dzf, dzg, dcf, dcnext, dZ, hxT = ws.bwd[t]
            # separate calls: broadcasting dh over several blocks leaves NumPy's fast path
            mul(dh, k0, out=dpart)  # dh o act'(c)
            mul(dh, k1, out=dzo)  # dZ_o = dh o'
            add(dpart, dcnext, out=dc)  # dc_t = dh o act'(c) + dc_{t+1} f_{t+1}
            mul(dc, k2, out=dzi)  # dZ_i = dc i'
            mul(dc, k3, out=dzf)  # dZ_f = dc f'
            mul(dc, k4, out=dzg)  # dZ_g = dc i act'(g)
            mul(dc, k5, out=dcf)  # dc_t f_t, carried to step t - 1
            if per_step:
                if t == T - 1:
                    dot(dZ, hxT, out=dM)  # d[W; b; U]^T = sum_t dZ_t [x_t; 1; h_{t-1}]^T
                elif t:
                    dot(dZ, hxT, out=dMt)
                    add(dM, dMt, out=dM)
                else:  # h_{-1} = 0: only the [W; b] columns
                    dM[:, : lead + F1] += dZ @ hxT[:, : lead + F1]
                if need_input_grad:
                    dot(W, dZ, out=dXT[t])  # dx_t = W dZ_t
            if t:
                dot(U, dZ, out=dh)  # dh_{t-1} = U dZ_t
                if dYt is not None:
                    add(dh, dYt[t - 1], out=dh)
        self._ws = None
        dX = None
        if per_step:
            dM = dM[:, lead:]
            if need_input_grad:
                dX = dXT.transpose(2, 0, 1).copy()  # (batch, time, F)
        else:
            dM, dZc = self._weight_grads(ws, ws.D[:, H : 5 * H])  # one GEMM over T * B columns
            if need_input_grad:
                dX = self._input_grad(ws, dZc, W)
        self.grads["W"] += dM[:, :F].T
        self.grads["b"] += dM[:, F]
        self.grads["U"] += dM[:, F1:].T
        return dX
