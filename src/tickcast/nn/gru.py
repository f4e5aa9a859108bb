"""Gated recurrent unit layer with fused gates and exact backpropagation through time."""

from __future__ import annotations

from typing import Any

import numpy as np

from tickcast.nn.recurrent import RecurrentLayer, _Workspace

__all__ = ["GRU"]

_FOLD_MAX_UNITS = 128  # up to here, fold "dh * z" into the backward GEMM (identity block)


class _GRUWorkspace(_Workspace):
    def __init__(self, B: int, T: int, F: int, H: int, dtype: np.dtype[Any]) -> None:
        super().__init__(B, T, F, H, dtype)
        self.A = np.empty((T, 3 * H, B), dtype=dtype)  # [z; r; h U_n + b_hn] per step
        A3 = self.A.reshape(T, 3, H, B)
        self.a = list(self.A)
        self.azr = [self.A[t, : 2 * H] for t in range(T)]
        self.z = [A3[t, 0] for t in range(T)]
        self.r = [A3[t, 1] for t in range(T)]
        self.nh = [A3[t, 2] for t in range(T)]
        self.NX = np.empty((T, H, B), dtype=dtype)  # W_n^T x_t + b_in, all steps at once
        self.nx = list(self.NX)
        self.N = np.empty((T, H, B), dtype=dtype)  # candidate n_t
        self.n = list(self.N)
        self.tmp = np.empty((H, B), dtype=dtype)
        self.backward_ready = False

    def prepare_backward(self, B: int, T: int, H: int, dtype: np.dtype[Any]) -> None:
        if self.backward_ready:
            return
        self.K1 = np.empty((T, 3, H, B), dtype=dtype)  # [(1 - z) act'(n); z; (h_prev - n) z(1-z)]
        self.K2 = np.empty((T, 2, H, B), dtype=dtype)  # [nh r(1-r); r]
        self.D = np.empty((T, 5 * H, B), dtype=dtype)  # [dn_pre; dh z; dZ_z; dZ_r; d nh]
        D5 = self.D.reshape(T, 5, H, B)
        self.d1 = [D5[t, 0:3] for t in range(T)]
        self.d2 = [D5[t, 3:5] for t in range(T)]
        self.dn = [D5[t, 0:1] for t in range(T)]
        self.dhz = [D5[t, 1] for t in range(T)]
        self.D3 = [self.D[t, 2 * H :] for t in range(T)]
        self.D4 = [self.D[t, H:] for t in range(T)]
        self.backward_ready = True


class GRU(RecurrentLayer[_GRUWorkspace]):
    """Gated recurrent unit (Cho et al., 2014), in the cuDNN/PyTorch form.

    ``z = sigmoid(x W_z + h U_z + b_z)``, ``r = sigmoid(x W_r + h U_r + b_r)``,
    ``n = act(x W_n + b_in + r * (h U_n + b_hn))``, ``h_t = (1 - z) n + z h_{t-1}``,
    ``h_0 = 0``.

    Parameters are as in :class:`~tickcast.nn.recurrent.RecurrentLayer`.

    Attributes
    ----------
    params : dict
        ``W`` (n_in, 3H), ``U`` (H, 3H), ``b`` (3H,) with blocks ``[z, r, n]``; ``bh`` (H,)
        is ``b_hn``, the bias inside the reset product.

    Notes
    -----
    Speed: ``x W_n + b_in`` for all steps is one batched product before the loop; each step
    is one GEMM of ``[[W_z, W_r, 0], [b_z, b_r, b_hn], [U_z, U_r, U_n]]^T`` with
    ``[x_t; 1; h_{t-1}]`` (the z and r rows negated, so ``sigmoid = 1 / (1 + exp(.))``).
    Backward takes three NumPy calls per step (the ``dh z`` term rides in the GEMM as an
    identity block for ``H <= 128``).

    Examples
    --------
    >>> import numpy as np
    >>> gru = GRU(4, return_sequences=True)
    >>> gru.build(2, rng=np.random.default_rng(0))
    4
    >>> gru.forward(np.ones((3, 7, 2), dtype=np.float32)).shape
    (3, 7, 4)
    """

    n_gates = 3

    def _init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        params = super()._init_params(rng)
        params["bh"] = np.zeros(self.units)
        return params

    def _make_workspace(self, B: int, T: int, training: bool) -> _GRUWorkspace:
        return _GRUWorkspace(B, T, self.n_in, self.units, self.dtype)

    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        B, T, F = X.shape
        H = self.units
        p = self.params
        ws = self._workspace(B, T, training)
        self._load_inputs(ws, X)
        W, U = p["W"], p["U"]
        MT = np.empty((3 * H, F + 1 + H), dtype=self.dtype)  # rows [-z; -r; nh]
        np.negative(W[:, : 2 * H].T, out=MT[: 2 * H, :F])
        MT[2 * H :, :F] = 0.0
        np.negative(p["b"][: 2 * H], out=MT[: 2 * H, F])
        MT[2 * H :, F] = p["bh"]
        np.negative(U[:, : 2 * H].T, out=MT[: 2 * H, F + 1 :])
        MT[2 * H :, F + 1 :] = U[:, 2 * H :].T
        WnT = np.concatenate((W[:, 2 * H :].T, p["b"][2 * H :, None]), axis=1)
        np.matmul(WnT, ws.HX[:T, : F + 1], out=ws.NX)  # W_n^T x_t + b_in, every step at once
        hx, h, a, azr, z, r, nh, nx, n, tmp = (
            ws.hx,
            ws.h,
            ws.a,
            ws.azr,
            ws.z,
            ws.r,
            ws.nh,
            ws.nx,
            ws.n,
            ws.tmp,
        )
        dot, exp, add, mul, sub, rec = (
            np.dot,
            np.exp,
            np.add,
            np.multiply,
            np.subtract,
            np.reciprocal,
        )
        act = np.tanh if self._fast else self._act.forward
        with np.errstate(over="ignore"):  # e^{-z} = inf for z << 0 gives sigmoid 0
            for t in range(T):
                dot(MT, hx[t], out=a[t])  # [-z_pre; -r_pre; U_n^T h + b_hn]
                exp(azr[t], out=azr[t])
                add(azr[t], 1.0, out=azr[t])
                rec(azr[t], out=azr[t])  # z, r = 1 / (1 + e^{-pre})
                mul(r[t], nh[t], out=n[t])
                add(n[t], nx[t], out=n[t])
                act(n[t], out=n[t])  # n = act(x W_n + b_in + r (h U_n + b_hn))
                sub(h[t], n[t], out=tmp)
                mul(z[t], tmp, out=tmp)
                add(n[t], tmp, out=h[t + 1])  # h_t = n + z (h_{t-1} - n)
        self._ws = ws if training else None
        return self._output(ws)

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        ws, dYt = self._start_backward(dY)
        B, T, H, F = ws.B, ws.T, self.units, self.n_in
        ws.prepare_backward(B, T, H, self.dtype)
        A3 = ws.A.reshape(T, 3, H, B)
        z, r, nh = A3[:, 0], A3[:, 1], A3[:, 2]
        N, hp = ws.N, ws.HX[:T, F + 1 :]
        K1, K2 = ws.K1, ws.K2
        # factors that do not depend on the incoming gradient, all steps at once
        self._act.derivative(N, out=K1[:, 0])
        K1[:, 0] *= 1.0 - z  # dh/dn_pre = (1 - z) act'(n)
        K1[:, 1] = z  # dh_t/dh_{t-1} (direct path) = z
        np.subtract(hp, N, out=K1[:, 2])
        K1[:, 2] *= z
        K1[:, 2] *= 1.0 - z  # dh/dz_pre = (h_{t-1} - n) z(1-z)
        np.subtract(1.0, r, out=K2[:, 0])
        K2[:, 0] *= r
        K2[:, 0] *= nh  # dn_pre/dr_pre = (h U_n + b_hn) r(1-r)
        K2[:, 1] = r  # dn_pre/d(h U_n + b_hn) = r
        fold = H <= _FOLD_MAX_UNITS
        U = self.params["U"].astype(self.dtype, copy=False)  # (H, 3H), columns [z, r, n]
        UI = np.concatenate((np.eye(H, dtype=self.dtype), U), axis=1) if fold else U
        dh = ws.dh
        dh3 = dh[None]
        d1, d2, dn, dhz, D3, D4 = ws.d1, ws.d2, ws.dn, ws.dhz, ws.D3, ws.D4
        K1_t, K2_t = list(K1), list(K2)
        dot, add, mul = np.dot, np.add, np.multiply
        for t in range(T - 1, -1, -1):
            mul(dh3, K1_t[t], out=d1[t])  # [dn_pre; dh z; dZ_z] = dh * K1
            mul(dn[t], K2_t[t], out=d2[t])  # [dZ_r; d(h U_n + b_hn)] = dn_pre * K2
            if t:
                if fold:
                    dot(UI, D4[t], out=dh)  # dh_{t-1} = dh z + U [dZ_z; dZ_r; dnh]
                else:
                    dot(UI, D3[t], out=dh)  # dh_{t-1} = U [dZ_z; dZ_r; dnh] ...
                    add(dh, dhz[t], out=dh)  # ... + dh z
                if dYt is not None:
                    add(dh, dYt[t - 1], out=dh)
        self._ws = None
        return self._finish(ws, need_input_grad)

    def _finish(self, ws: _GRUWorkspace, need_input_grad: bool) -> np.ndarray | None:
        T, H, F = ws.T, self.units, self.n_in
        g = self.grads
        # d[[W_z, W_r, .]; [b_z, b_r, b_hn]; U]^T
        dMT, dZc = self._weight_grads(ws, ws.D[:, 2 * H :])
        g["W"][:, : 2 * H] += dMT[: 2 * H, :F].T
        g["b"][: 2 * H] += dMT[: 2 * H, F]
        g["bh"] += dMT[2 * H :, F]
        g["U"] += dMT[:, F + 1 :].T
        dNc = np.ascontiguousarray(ws.D[:, :H].transpose(1, 0, 2)).reshape(H, -1)
        XB = ws.HXc[: F + 1].reshape(F + 1, -1)
        dWnT = dNc @ XB.T  # d[W_n; b_in]^T = sum_t dn_pre_t [x_t; 1]^T
        g["W"][:, 2 * H :] += dWnT[:, :F].T
        g["b"][2 * H :] += dWnT[:, F]
        if not need_input_grad:
            return None
        W = self.params["W"]
        dXT = W[:, : 2 * H] @ dZc[: 2 * H]  # dx = [W_z, W_r] [dZ_z; dZ_r] ...
        dXT += W[:, 2 * H :] @ dNc  # ... + W_n dn_pre
        dX: np.ndarray = dXT.reshape(F, T, ws.B).transpose(2, 1, 0)
        return dX
