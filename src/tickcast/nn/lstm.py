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
    """Buffers of one (batch, time, training) shape.

    Forward scratch ``S[p]`` (p = t % 2), (5H, B): ``[o; i; f; g; c_{t-1}]`` (gates from the
    GEMM, then the previous cell state, so that ``[i; f] * [g; c_{t-1}]`` is one multiply);
    step t writes ``c_t`` into the other buffer. Training keeps, per step, only the backward
    factors ``K[t]`` (6H, B) = ``[o act'(c); 4 act(c) s'(o); 4 g s'(i); 4 c_{t-1} s'(f);
    i act'(g); f]`` with ``s' = s (1 - s)``, computed while the step is in cache.
    """

    def __init__(
        self, B: int, T: int, F: int, H: int, dtype: np.dtype[Any], training: bool
    ) -> None:
        super().__init__(B, T, F, H, dtype)
        self.S = np.zeros((2, 5 * H, B), dtype=dtype)
        S5 = self.S.reshape(2, 5, H, B)
        self.a = [self.S[p, : 4 * H] for p in (0, 1)]
        self.a_oif = [self.S[p, : 3 * H] for p in (0, 1)]
        self.o = [S5[p, 0] for p in (0, 1)]
        self.i = [S5[p, 1] for p in (0, 1)]
        self.f = [S5[p, 2] for p in (0, 1)]
        self.g = [S5[p, 3] for p in (0, 1)]
        self.i_f = [S5[p, 1:3] for p in (0, 1)]
        self.gc = [S5[p, 3:5] for p in (0, 1)]
        self.c = [S5[p, 4] for p in (0, 1)]  # c[t % 2] = c_{t-1}
        self.tc = np.empty((H, B), dtype=dtype)  # act(c_t)
        self.P = np.empty((2, H, B), dtype=dtype)
        self.backward_ready = False
        if not training:
            return
        self.K = np.empty((T, 6 * H, B), dtype=dtype)
        K6 = self.K.reshape(T, 6, H, B)
        self.Kco = [K6[t, 0:2] for t in range(T)]
        self.Kiff = [K6[t, 2:6] for t in range(T)]
        self.K0 = [K6[t, 0] for t in range(T)]
        self.K1 = [K6[t, 1] for t in range(T)]
        self.K23 = [K6[t, 2:4] for t in range(T)]
        self.K4 = [K6[t, 4] for t in range(T)]
        self.K5 = [K6[t, 5] for t in range(T)]
        self.Kq = [self.K[t, H : 5 * H] for t in range(T)]  # squares of the 4 gate tanh
        self.Kq3 = [self.K[t, H : 4 * H] for t in range(T)]
        self.Kp = [self.K[t, : 5 * H] for t in range(T)]

    def prepare_backward(
        self, B: int, T: int, F: int, H: int, dtype: np.dtype[Any], per_step: bool
    ) -> None:
        if self.backward_ready:
            return
        # gradients of a step: [dh K_c; dZ_o; dZ_i; dZ_f; dZ_g; dc f] (the o, i, f blocks
        # times 4); the last block carries dc_{t+1} f_{t+1} to the earlier step. Small layers
        # reuse one block (the weight gradient is summed step by step while it is in cache);
        # large ones keep every step for one weight-gradient GEMM over all T * B columns.
        n = 1 if per_step else T
        self.D = np.zeros((n, 6 * H, B), dtype=dtype)
        D6 = self.D.reshape(n, 6, H, B)
        step = [0] * T if per_step else list(range(T))
        self.D4 = [self.D[k, H : 5 * H] for k in step]
        self.dco = [D6[k, 0:2] for k in step]
        self.diff = [D6[k, 2:6] for k in step]
        self.dcpart = [D6[k, 0] for k in step]
        zeros = np.zeros((H, B), dtype=dtype)
        self.dcnext = [D6[0, 5]] * T if per_step else [D6[t + 1, 5] for t in range(T - 1)]
        if not per_step:
            self.dcnext.append(zeros)
        self.dc = np.empty((H, B), dtype=dtype)
        self.hxT = [m.T for m in self.hx[:T]]  # (B, F + 1 + H) views for the weight GEMM
        self.dM = np.empty((4 * H, F + 1 + H), dtype=dtype)  # d[W; b; U]^T, summed over t
        self.dMt = np.empty((4 * H, F + 1 + H), dtype=dtype)  # one step's term
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
    Speed: one GEMM per step on ``[x_t; 1; h_{t-1}]``; the sigmoid gate rows of the stacked
    weights are pre-scaled by 1/2 so that one ``tanh`` over all gates gives
    ``sigmoid(z) = (1 + tanh(z / 2)) / 2`` and the candidate ``tanh(z)``: eight NumPy calls
    per step when predicting. When training, the same step also writes the backward factors
    that do not depend on the incoming gradient (``o act'(c)``, ``act(c) s'(o)``,
    ``g s'(i)``, ``c_{t-1} s'(f)``, ``i act'(g)``, ``f``, with ``4 s'(.) = 1 - tanh(z / 2)^2``)
    while its data are in cache: a T-wide pass over multi-megabyte buffers costs more here
    than the extra calls. The backward step is three elementwise calls, the GEMM
    ``dh_{t-1} = U dZ_t`` and the step's weight-gradient GEMM ``dZ_t [x_t; 1; h_{t-1}]^T``
    added into one (4H, F + 1 + H) sum; the o, i, f rows carry ``4 dZ`` and the matrices
    they meet take the 1/4 instead.

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
        scale = np.full(4 * H, 0.5, dtype=self.dtype)
        scale[3 * H :] = 1.0
        MT = self._stacked(scale)  # sigmoid rows halved: sigmoid(z) = (1 + tanh(z / 2)) / 2
        ws.c[0].fill(0.0)  # c_0 = 0
        self._steps(ws, MT, T, bool(training))
        self._ws = ws if training else None
        return self._output(ws)

    def _steps(self, ws: _LSTMWorkspace, MT: np.ndarray, T: int, training: bool) -> None:
        """The forward recursion; when ``training``, each step also writes its backward
        factors ``K[t]`` while its data are in cache."""
        hx, h, a, a_oif, o, i, f, i_f, g, gc, c = (
            ws.hx,
            ws.h,
            ws.a,
            ws.a_oif,
            ws.o,
            ws.i,
            ws.f,
            ws.i_f,
            ws.g,
            ws.gc,
            ws.c,
        )
        if training:
            K0, K1, K23, K4, K5, Kq, Kq3, Kp = (
                ws.K0,
                ws.K1,
                ws.K23,
                ws.K4,
                ws.K5,
                ws.Kq,
                ws.Kq3,
                ws.Kp,
            )
        tc, P = ws.tc, ws.P
        P0, P1 = P[0], P[1]
        dot, add, mul, sub, tanh, copy = (
            np.dot,
            np.add,
            np.multiply,
            np.subtract,
            np.tanh,
            np.copyto,
        )
        fast = self._fast
        act = tanh if fast else self._act.forward
        dact = self._act.derivative
        for t in range(T):
            p, q = t & 1, (t + 1) & 1
            dot(MT, hx[t], out=a[p])  # [z_o / 2; z_i / 2; z_f / 2; z_g]
            if fast:
                tanh(a[p], out=a[p])  # one tanh for all four gates: [u_o; u_i; u_f; g]
                if training:
                    mul(a[p], a[p], out=Kq[t])  # [u_o^2; u_i^2; u_f^2; g^2]
            else:
                tanh(a_oif[p], out=a_oif[p])
                act(g[p], out=g[p])
                if training:
                    mul(a_oif[p], a_oif[p], out=Kq3[t])
                    sub(1.0, Kq3[t], out=Kq3[t])  # 1 - u^2 = 4 s (1 - s)
                    dact(g[p], out=K4[t])  # act'(g) from g
            mul(a_oif[p], 0.5, out=a_oif[p])
            add(a_oif[p], 0.5, out=a_oif[p])  # o, i, f = (1 + u) / 2
            mul(i_f[p], gc[p], out=P)  # [i g; f c_{t-1}]
            add(P0, P1, out=c[q])  # c_t = i g + f c_{t-1}
            act(c[q], out=tc)
            mul(o[p], tc, out=h[t + 1])  # h_t = o act(c_t)
            if not training:
                continue
            if fast:
                mul(tc, tc, out=K0[t])
                sub(1.0, Kp[t], out=Kp[t])  # [1 - tc^2; 4 s'(o); 4 s'(i); 4 s'(f); 1 - g^2]
            else:
                dact(tc, out=K0[t])  # act'(c_t) from act(c_t)
            mul(K0[t], o[p], out=K0[t])  # dh/dc = o act'(c)
            mul(K1[t], tc, out=K1[t])  # 4 dh/dz_o = 4 act(c) s'(o)
            mul(K23[t], gc[p], out=K23[t])  # 4 dc/dz_i = 4 g s'(i); 4 dc/dz_f = 4 c_{t-1} s'(f)
            mul(K4[t], i[p], out=K4[t])  # dc/dz_g = i act'(g)
            copy(K5[t], f[p])  # dc_{t-1}/dc_t = f

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        ws, dYt = self._start_backward(dY)
        B, T, H, F = ws.B, ws.T, self.units, self.n_in
        per_step = H <= _STEP_WGRAD_MAX_UNITS
        ws.prepare_backward(B, T, F, H, self.dtype, per_step)
        # the o, i, f rows of dZ below are 4 times the true ones (K holds 4 s'): the matrices
        # they meet get those columns times 1/4, and so do the o, i, f rows of dM at the end
        quarter = np.ones(4 * H, dtype=self.dtype)
        quarter[: 3 * H] = 0.25
        U = self.params["U"] * quarter  # (H, 4H)
        W = self.params["W"] * quarter  # (F, 4H)
        dh, dc, dM, dMt, hxT, dXT = ws.dh, ws.dc, ws.dM, ws.dMt, ws.hxT, ws.dXT
        dh3, dc3 = dh[None], dc[None]
        dco, diff, dcpart, dcnext, D4 = ws.dco, ws.diff, ws.dcpart, ws.dcnext, ws.D4
        dcnext[T - 1].fill(0.0)  # dc_T f_T = 0
        Kco, Kiff = ws.Kco, ws.Kiff
        dot, add, mul = np.dot, np.add, np.multiply
        for t in range(T - 1, -1, -1):
            mul(dh3, Kco[t], out=dco[t])  # [dh o act'(c); 4 dZ_o = dh 4 act(c) s'(o)]
            add(dcpart[t], dcnext[t], out=dc)  # dc_t = dh o act'(c) + dc_{t+1} f_{t+1}
            mul(dc3, Kiff[t], out=diff[t])  # [4 dZ_i; 4 dZ_f; dZ_g; dc_t f_t]
            if per_step:
                if t == T - 1:
                    dot(D4[t], hxT[t], out=dM)  # d[W; b; U]^T = sum_t dZ_t [x_t; 1; h_{t-1}]^T
                else:
                    dot(D4[t], hxT[t], out=dMt)
                    add(dM, dMt, out=dM)
                if need_input_grad:
                    dot(W, D4[t], out=dXT[t])  # dx_t = W dZ_t
            if t:
                dot(U, D4[t], out=dh)  # dh_{t-1} = U dZ_t
                if dYt is not None:
                    add(dh, dYt[t - 1], out=dh)
        self._ws = None
        dX = None
        if per_step:
            if need_input_grad:
                dX = dXT.transpose(2, 0, 1).copy()  # (batch, time, F)
        else:
            dM, dZc = self._weight_grads(ws, ws.D[:, H : 5 * H])  # one GEMM over T * B columns
            if need_input_grad:
                dX = self._input_grad(ws, dZc, W)
        dM[: 3 * H] *= 0.25
        self.grads["W"] += dM[:, :F].T
        self.grads["b"] += dM[:, F]
        self.grads["U"] += dM[:, F + 1 :].T
        return dX
