"""Long short-term memory layer with fused gates and exact backpropagation through time."""

from __future__ import annotations

import numpy as np

from tickcast.nn.recurrent import RecurrentLayer, _Workspace

__all__ = ["LSTM"]


class _LSTMWorkspace(_Workspace):
    def __init__(self, B, T, F, H, dtype):
        super().__init__(B, T, F, H, dtype)
        # R[t] = [o; i; f; g; c_{t-1}], (5H, B): gates from the GEMM, then the previous cell
        # state, so that [i; f] * [g; c_{t-1}] is a single multiply
        self.R = np.zeros((T + 1, 5 * H, B), dtype=dtype)
        R5 = self.R.reshape(T + 1, 5, H, B)
        self.a = [self.R[t, : 4 * H] for t in range(T)]
        self.a_oif = [self.R[t, : 3 * H] for t in range(T)]
        self.o = [R5[t, 0] for t in range(T)]
        self.i_f = [R5[t, 1:3] for t in range(T)]
        self.g = [R5[t, 3] for t in range(T)]
        self.gc = [R5[t, 3:5] for t in range(T)]
        self.c = [R5[t, 4] for t in range(T + 1)]  # c[t] = c_{t-1}
        self.TC = np.empty((T, H, B), dtype=dtype)  # act(c_t)
        self.tc = list(self.TC)
        self.P = np.empty((2, H, B), dtype=dtype)
        self.backward_ready = False

    def prepare_backward(self, B, T, F, H, dtype):
        if self.backward_ready:
            return
        self.Kco = np.empty((T, 2, H, B), dtype=dtype)  # [o act'(c); act(c) o(1-o)]
        self.Kiff = np.empty((T, 4, H, B), dtype=dtype)  # [g i(1-i); c_prev f(1-f); i act'(g); f]
        # one step's gradients, reused: [dh K_c; dZ_o; dZ_i; dZ_f; dZ_g; dc f]; the last block
        # carries dc_{t+1} f_{t+1} from the previous (later) step
        self.D = np.zeros((6 * H, B), dtype=dtype)
        D6 = self.D.reshape(6, H, B)
        self.D4 = self.D[H : 5 * H]
        self.dco, self.diff, self.dcpart, self.dcnext = D6[0:2], D6[2:6], D6[0], D6[5]
        self.dc = np.empty((H, B), dtype=dtype)
        self.hxT = [m.T for m in self.hx[:T]]  # (B, F + 1 + H) views for the weight GEMM
        self.dM = np.empty((4 * H, F + 1 + H), dtype=dtype)  # d[W; b; U]^T, summed over t
        self.dMt = np.empty((4 * H, F + 1 + H), dtype=dtype)  # one step's term
        self.dXT = np.empty((T, F, B), dtype=dtype)  # dx_t, step-major
        self.backward_ready = True


class LSTM(RecurrentLayer):
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
    per step.
    In backward, every factor that does not depend on the incoming gradient is computed for
    all steps before the loop, leaving four NumPy calls per step.

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

    def _init_params(self, rng):
        params = super()._init_params(rng)
        H = self.units
        params["b"][2 * H : 3 * H] = 1.0  # forget-gate bias 1: remember by default
        return params

    def _make_workspace(self, B, T):
        return _LSTMWorkspace(B, T, self.n_in, self.units, self.dtype)

    def forward(self, X, *, training=False):
        B, T, _ = X.shape
        H = self.units
        ws = self._workspace(B, T, training)
        self._load_inputs(ws, X)
        scale = np.full(4 * H, 0.5, dtype=self.dtype)
        scale[3 * H :] = 1.0
        MT = self._stacked(scale)  # sigmoid rows halved: sigmoid(z) = (1 + tanh(z / 2)) / 2
        hx, h, a, a_oif, o, i_f, g, gc, c = (
            ws.hx,
            ws.h,
            ws.a,
            ws.a_oif,
            ws.o,
            ws.i_f,
            ws.g,
            ws.gc,
            ws.c,
        )
        tc, P = ws.tc, ws.P
        P0, P1 = P[0], P[1]
        dot, add, mul, tanh = np.dot, np.add, np.multiply, np.tanh
        fast = self._fast
        act = tanh if fast else self._act.forward
        for t in range(T):
            dot(MT, hx[t], out=a[t])  # [z_o / 2; z_i / 2; z_f / 2; z_g]
            if fast:
                tanh(a[t], out=a[t])  # one tanh for all four gates
            else:
                tanh(a_oif[t], out=a_oif[t])
                act(g[t], out=g[t])
            mul(a_oif[t], 0.5, out=a_oif[t])
            add(a_oif[t], 0.5, out=a_oif[t])  # o, i, f = (1 + tanh(z / 2)) / 2
            mul(i_f[t], gc[t], out=P)  # [i g; f c_{t-1}]
            add(P0, P1, out=c[t + 1])  # c_t = i g + f c_{t-1}
            act(c[t + 1], out=tc[t])
            mul(o[t], tc[t], out=h[t + 1])  # h_t = o act(c_t)
        self._ws = ws if training else None
        return self._output(ws)

    def backward(self, dY, *, need_input_grad=True):
        ws, dYt = self._start_backward(dY)
        B, T, H, F = ws.B, ws.T, self.units, self.n_in
        ws.prepare_backward(B, T, F, H, self.dtype)
        R5 = ws.R[:T].reshape(T, 5, H, B)
        o, i, f, g, tc = R5[:, 0], R5[:, 1], R5[:, 2], R5[:, 3], ws.TC
        Kco, Kiff = ws.Kco, ws.Kiff
        # factors that do not depend on the incoming gradient, all steps at once
        self._act.derivative(tc, out=Kco[:, 0])
        Kco[:, 0] *= o  # dh/dc = o act'(c)
        np.subtract(1.0, o, out=Kco[:, 1])
        Kco[:, 1] *= o
        Kco[:, 1] *= tc  # dh/dz_o = act(c) o (1 - o)
        i_f = R5[:, 1:3]
        np.subtract(1.0, i_f, out=Kiff[:, 0:2])
        Kiff[:, 0:2] *= i_f
        Kiff[:, 0:2] *= R5[:, 3:5]  # dc/dz_i = g i(1-i); dc/dz_f = c_{t-1} f(1-f)
        self._act.derivative(g, out=Kiff[:, 2])
        Kiff[:, 2] *= i  # dc/dz_g = i act'(g)
        Kiff[:, 3] = f  # dc_{t-1}/dc_t = f
        U, W = self.params["U"], self.params["W"]
        dh, dc, dM, dMt, hxT, dXT = ws.dh, ws.dc, ws.dM, ws.dMt, ws.hxT, ws.dXT
        dh3, dc3 = dh[None], dc[None]
        dco, diff, dcpart, dcnext, D4 = ws.dco, ws.diff, ws.dcpart, ws.dcnext, ws.D4
        dcnext.fill(0.0)  # dc_T f_T = 0
        Kco_t, Kiff_t = list(Kco), list(Kiff)
        dot, add, mul = np.dot, np.add, np.multiply
        for t in range(T - 1, -1, -1):
            mul(dh3, Kco_t[t], out=dco)  # [dh o act'(c); dZ_o = dh act(c) o(1-o)]
            add(dcpart, dcnext, out=dc)  # dc_t = dh o act'(c) + dc_{t+1} f_{t+1}
            mul(dc3, Kiff_t[t], out=diff)  # [dZ_i; dZ_f; dZ_g; dc_t f_t]
            if t == T - 1:
                dot(D4, hxT[t], out=dM)  # d[W; b; U]^T = sum_t dZ_t [x_t; 1; h_{t-1}]^T
            else:
                dot(D4, hxT[t], out=dMt)
                add(dM, dMt, out=dM)
            if need_input_grad:
                dot(W, D4, out=dXT[t])  # dx_t = W dZ_t
            if t:
                dot(U, D4, out=dh)  # dh_{t-1} = U dZ_t
                if dYt is not None:
                    add(dh, dYt[t - 1], out=dh)
        self._ws = None
        self.grads["W"] += dM[:, :F].T
        self.grads["b"] += dM[:, F]
        self.grads["U"] += dM[:, F + 1 :].T
        if not need_input_grad:
            return None
        return dXT.transpose(2, 0, 1).copy()  # (batch, time, F)
