"""Optimizers with one interface, ``step(params, grads)``, and global-norm clipping.

Every optimizer updates ``params`` (a dict of arrays) in place from ``grads`` (same keys).
:meth:`Optimizer.end_epoch` is called by the training loop after each pass over the data
(Barzilai-Borwein uses it); ``step_size`` reports the step currently in use.

Examples
--------
>>> import numpy as np
>>> opt = make_optimizer("adam", lr=0.1)
>>> p = {"w": np.array([1.0, -2.0])}
>>> for _ in range(200):
...     opt.step(p, {"w": 2 * p["w"]})      # minimise |w|^2
>>> bool(np.abs(p["w"]).max() < 1e-2)
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tickcast.errors import ConfigError, InputTypeError, NotFittedError
from tickcast.nn._checks import check_choice, check_real

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "BarzilaiBorwein",
    "Optimizer",
    "RMSprop",
    "clip_grad_norm",
    "global_norm",
    "make_optimizer",
]


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """Euclidean norm of all gradients taken together, ``sqrt(sum_k |g_k|^2)``."""
    total = 0.0
    for g in grads.values():
        flat = g.reshape(-1)
        total += float(np.dot(flat, flat))
    return math.sqrt(total)


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their global norm is at most ``max_norm``.

    Parameters
    ----------
    grads : dict of str to ndarray
    max_norm : float
        Largest allowed global norm (same units as the gradients).

    Returns
    -------
    float
        The global norm before clipping (``nan``/``inf`` when a gradient is not finite;
        nothing is scaled then).
    """
    norm = global_norm(grads)
    if math.isfinite(norm) and norm > max_norm:
        factor = max_norm / norm
        for g in grads.values():
            g *= factor
    return norm


class Optimizer:
    """Base class.

    Parameters
    ----------
    lr : float
        Learning rate (step size), in parameter units per gradient unit.

    Attributes
    ----------
    step_size : float
        The step size in use (``lr`` for most optimizers, the current BB step for
        :class:`BarzilaiBorwein`).
    n_steps : int
        Steps taken since the last :meth:`reset`.

    Notes
    -----
    Per-parameter state lives in ``_state[slot][name]`` (e.g. Adam's ``_state["m"]["params"]``):
    one dict per kind of buffer, keyed like ``params``; :meth:`_buf` creates zeros on first use.
    """

    name = "optimizer"
    default_lr = 0.01

    def __init__(self, lr: float | None = None) -> None:
        self.lr = lr
        self._state: dict[str, dict[str, np.ndarray]] | None = None  # slot -> name -> array

    def validate(self) -> None:
        """Raise ConfigError for settings outside their ranges."""
        check_real("lr", self._lr, low=0.0, low_open=True)

    @property
    def _lr(self) -> float:
        return self.default_lr if self.lr is None else self.lr

    @property
    def step_size(self) -> float:
        return float(self._lr)

    def reset(self) -> None:
        """Forget all state (moments, previous iterates); validates the settings."""
        self.validate()
        self._state = {}
        self.n_steps = 0

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place from ``grads`` (same keys and shapes)."""
        if self._state is None:
            self.reset()
        self.n_steps += 1
        self._step(params, grads)

    def _step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def end_epoch(self) -> None:
        """Hook called by the training loop after each epoch; no-op by default."""

    def _live_state(self) -> dict[str, dict[str, np.ndarray]]:
        """The per-slot state, which :meth:`step` creates (through :meth:`reset`) on first use."""
        if self._state is None:
            raise NotFittedError(
                f"{type(self).__name__} has no state yet; call step() or reset() first."
            )
        return self._state

    def _buf(self, slot: str, key: str, like: np.ndarray) -> np.ndarray:
        """The zero-initialised state array ``slot`` (e.g. ``"m"``) of parameter ``key``."""
        bufs = self._live_state().setdefault(slot, {})
        if key not in bufs:
            bufs[key] = np.zeros_like(like)
        return bufs[key]

    def get_config(self) -> dict[str, Any]:
        """JSON-serialisable settings accepted by :func:`make_optimizer`."""
        cfg = {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "n_steps"}
        return {"name": self.name, **cfg}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``v = momentum v + g``; ``p -= lr (g + momentum v)`` (Nesterov) or ``p -= lr v``.

    Parameters
    ----------
    lr : float, default 0.01
    momentum : float in [0, 1), default 0.0
    nesterov : bool, default False
        Look-ahead momentum (Sutskever et al., 2013); needs ``momentum > 0``.
    """

    name = "sgd"

    def __init__(
        self, lr: float | None = None, *, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(lr)
        self.momentum = momentum
        self.nesterov = nesterov

    def validate(self) -> None:
        super().validate()
        check_real("momentum", self.momentum, low=0.0, high=0.999999)
        if self.nesterov and self.momentum == 0:
            raise ConfigError("`nesterov=True` needs `momentum` > 0; got momentum=0.")

    def _step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        lr, mu = self._lr, self.momentum
        for k, p in params.items():
            g = grads[k]
            if mu == 0:
                p -= lr * g
                continue
            v = self._buf("velocity", k, p)
            v *= mu
            v += g  # v = mu v + g
            if self.nesterov:
                p -= lr * (g + mu * v)
            else:
                p -= lr * v


class RMSprop(Optimizer):
    """RMSprop: ``s = rho s + (1 - rho) g^2``; ``p -= lr g / (sqrt(s) + eps)``.

    Parameters
    ----------
    lr : float, default 0.001
    rho : float in (0, 1), default 0.9
    eps : float, default 1e-7
    """

    name = "rmsprop"
    default_lr = 0.001

    def __init__(self, lr: float | None = None, *, rho: float = 0.9, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.rho = rho
        self.eps = eps

    def validate(self) -> None:
        super().validate()
        check_real("rho", self.rho, low=0.0, high=0.999999, low_open=True)
        check_real("eps", self.eps, low=0.0, high=1.0, low_open=True)

    def _step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for k, p in params.items():
            g = grads[k]
            s = self._buf("square_avg", k, p)
            s *= self.rho
            s += (1.0 - self.rho) * (g * g)
            d = np.sqrt(s)
            d += self.eps
            np.divide(g, d, out=d)
            d *= self._lr
            p -= d


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with optional L2 or decoupled (AdamW) weight decay.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps)``.

    Parameters
    ----------
    lr : float, default 0.001
    beta1, beta2 : float in [0, 1), defaults 0.9 and 0.999
    eps : float, default 1e-8
    weight_decay : float >= 0, default 0.0
        Added to the gradient as ``weight_decay * p`` (Adam), or applied as
        ``p -= lr * weight_decay * p`` when ``decoupled`` (AdamW, Loshchilov & Hutter 2019).
    decoupled : bool, default False
    """

    name = "adam"
    default_lr = 0.001

    def __init__(
        self,
        lr: float | None = None,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled: bool = False,
    ) -> None:
        super().__init__(lr)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.decoupled = decoupled

    def validate(self) -> None:
        super().validate()
        check_real("beta1", self.beta1, low=0.0, high=0.999999)
        check_real("beta2", self.beta2, low=0.0, high=0.999999999)
        check_real("eps", self.eps, low=0.0, high=1.0, low_open=True)
        check_real("weight_decay", self.weight_decay, low=0.0)

    def _step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        b1, b2, lr, wd = self.beta1, self.beta2, self._lr, self.weight_decay
        t = self.n_steps
        c1 = 1.0 - b1**t
        c2 = 1.0 - b2**t
        step = lr * math.sqrt(c2) / c1  # bias corrections folded into the step
        eps = self.eps * math.sqrt(c2)
        for k, p in params.items():
            g = grads[k]
            if wd and not self.decoupled:
                g = g + wd * p  # L2: gradient of wd/2 |p|^2
            m = self._buf("m", k, p)
            v = self._buf("v", k, p)
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            d = np.sqrt(v)
            d += eps
            np.divide(m, d, out=d)
            d *= step
            if wd and self.decoupled:
                p -= (lr * wd) * p  # AdamW: shrink weights outside the adaptive step
            p -= d


class BarzilaiBorwein(Optimizer):
    """Gradient descent with Barzilai-Borwein step sizes, deterministic or stochastic.

    Parameters
    ----------
    lr : float, default 0.01
        Initial step size, used until the first BB step can be computed.
    variant : {"bb1", "bb2"}, default "bb1"
        ``bb1``: ``eta = s^T s / s^T y`` (long step); ``bb2``: ``eta = s^T y / y^T y``
        (short step), with ``s`` the change of the parameters and ``y`` of the gradients.
    mode : {"epoch", "step"}, default "epoch"
        ``"step"``: classic BB, a new step size after every step from consecutive iterates
        and gradients (for full-batch / deterministic gradients). ``"epoch"``: SGD-BB of
        Tan et al. (2016) for mini-batches: the step stays fixed during an epoch; at its end
        ``eta = |s|^2 / (m |s^T y|)`` (bb1) or ``|s^T y| / (m |y|^2)`` (bb2), with ``s`` the
        change of the parameters over the epoch, ``y`` the change of the epoch-averaged
        stochastic gradient and ``m`` the number of steps in the epoch.
    beta : float in (0, 1] or None, default None
        Epoch mode: the averaged gradient is the plain mean over the epoch (None) or the
        exponential average ``g_hat = beta g + (1 - beta) g_hat`` of the paper.
    smoothing : bool, default True
        Epoch mode: the paper's stabilisation ``eta_k = c_k / k`` with ``c_k`` the running
        geometric mean of ``j * eta_j`` (phi(k) = k); damps noisy steps, decays like 1/k.
    min_step, max_step : float, defaults 1e-6 and 1.0
        Safeguard bounds on the step size.
    curvature : {"abs", "previous"}, default "abs"
        What to do when ``s^T y <= 0`` (non-positive curvature, possible on non-convex
        losses): use ``|s^T y|`` (the paper's rule) or keep the previous step size.

    Notes
    -----
    Tan, Ma, Dai & Qian (2016), "Barzilai-Borwein Step Size for Stochastic Gradient
    Descent", NeurIPS, Algorithm 2 (SGD-BB) and its smoothing technique.
    """

    name = "bb"
    default_lr = 0.01

    def __init__(
        self,
        lr: float | None = None,
        *,
        variant: str = "bb1",
        mode: str = "epoch",
        beta: float | None = None,
        smoothing: bool = True,
        min_step: float = 1e-6,
        max_step: float = 1.0,
        curvature: str = "abs",
    ) -> None:
        super().__init__(lr)
        self.variant = variant
        self.mode = mode
        self.beta = beta
        self.smoothing = smoothing
        self.min_step = min_step
        self.max_step = max_step
        self.curvature = curvature

    def validate(self) -> None:
        super().validate()
        check_choice("variant", self.variant, ("bb1", "bb2"))
        check_choice("mode", self.mode, ("epoch", "step"))
        check_choice("curvature", self.curvature, ("abs", "previous"))
        if self.beta is not None:
            check_real("beta", self.beta, low=0.0, high=1.0, low_open=True)
        check_real("min_step", self.min_step, low=0.0, low_open=True)
        check_real("max_step", self.max_step, low=0.0, low_open=True)
        if self.min_step > self.max_step:
            raise ConfigError(
                f"`min_step` must not exceed `max_step`; got {self.min_step} > {self.max_step}."
            )

    def reset(self) -> None:
        super().reset()
        self._eta = float(self._lr)
        self._epoch = 0
        self._m = 0
        self._c = 1.0
        self._n_estimates = 0

    @property
    def step_size(self) -> float:
        return float(getattr(self, "_eta", self._lr))

    def _bb(self, ss: float, sy: float, yy: float, m: int) -> float | None:
        if not (math.isfinite(ss) and math.isfinite(sy) and math.isfinite(yy)):
            return None
        if sy <= 0.0:
            if self.curvature == "previous" or sy == 0.0:
                return None
            sy = -sy
        eta = ss / (m * sy) if self.variant == "bb1" else sy / (m * yy)
        return eta if math.isfinite(eta) else None

    def _step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        st = self._live_state()
        if self.mode == "step":
            if "x" in st:
                ss = sy = yy = 0.0
                for k, p in params.items():
                    s = (p - st["x"][k]).reshape(-1)
                    y = (grads[k] - st["g"][k]).reshape(-1)
                    ss += float(s @ s)
                    sy += float(s @ y)
                    yy += float(y @ y)
                eta = self._bb(ss, sy, yy, 1)
                if eta is not None:
                    self._eta = min(max(eta, self.min_step), self.max_step)
            st["x"] = {k: p.copy() for k, p in params.items()}
            st["g"] = {k: g.copy() for k, g in grads.items()}
        else:
            st["params"] = params  # live arrays: end_epoch reads the epoch's final iterate
            self._m += 1
            for k, g in grads.items():
                acc = self._buf("grad_avg", k, g)
                if self.beta is None:
                    acc += (g - acc) / self._m  # running mean of the epoch's gradients
                else:
                    acc *= 1.0 - self.beta
                    acc += self.beta * g  # g_hat = beta g + (1 - beta) g_hat
        eta = self._eta
        for k, p in params.items():
            p -= eta * grads[k]

    def end_epoch(self) -> None:
        """Epoch mode: compute the next epoch's step size (SGD-BB); else a no-op."""
        if self.mode != "epoch" or self._state is None or self._m == 0:
            return
        st = self._state
        self._epoch += 1
        x_now = {k: p.copy() for k, p in st["params"].items()}
        g_now = {k: a.copy() for k, a in st["grad_avg"].items()}
        if "x_prev" in st:
            ss = sy = yy = 0.0
            for k, x in x_now.items():
                s = (x - st["x_prev"][k]).reshape(-1)  # s = x_k - x_{k-1} (epoch ends)
                y = (g_now[k] - st["g_prev"][k]).reshape(-1)  # y = g_hat_k - g_hat_{k-1}
                ss += float(s @ s)
                sy += float(s @ y)
                yy += float(y @ y)
            eta = self._bb(ss, sy, yy, self._m)
            if eta is not None:
                if self.smoothing:
                    ke = self._epoch  # the paper's epoch index k (first estimate at k = 2)
                    self._n_estimates += 1
                    j = self._n_estimates
                    self._c = self._c ** ((j - 1) / j) * (eta * ke) ** (1.0 / j)
                    eta = self._c / ke  # eta_k = geometric mean of (k' eta_k') / phi(k)
                self._eta = min(max(eta, self.min_step), self.max_step)
        st["x_prev"], st["g_prev"] = x_now, g_now
        for acc in st["grad_avg"].values():
            acc.fill(0.0)
        self._m = 0


OPTIMIZERS: dict[str, tuple[type[Optimizer], dict[str, Any]]] = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "adamw": (Adam, {"weight_decay": 0.01, "decoupled": True}),
    "bb": (BarzilaiBorwein, {}),
    "bb1": (BarzilaiBorwein, {"variant": "bb1"}),
    "bb2": (BarzilaiBorwein, {"variant": "bb2"}),
}
"""Names accepted by :func:`make_optimizer`, with the settings each implies."""


def make_optimizer(name: Any, lr: float | None = None, **kwargs: Any) -> Optimizer:
    """Build and validate an optimizer from its name.

    Parameters
    ----------
    name : str or Optimizer
        One of ``"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "bb", "bb1",
        "bb2"``, or an instance (returned after validation; ``lr`` overrides its rate).
    lr : float, optional
        Learning rate / initial step size; each optimizer's default when None.
    **kwargs
        Further settings of the optimizer class (e.g. ``momentum=0.8``, ``mode="step"``).

    Returns
    -------
    Optimizer

    Raises
    ------
    ConfigError
        Unknown name, or a setting out of range.
    """
    if isinstance(name, Optimizer):
        opt = name
        if lr is not None:
            opt.lr = lr
        for k, v in kwargs.items():
            setattr(opt, k, v)
    elif isinstance(name, str):
        key = name.lower()
        if key not in OPTIMIZERS:
            raise ConfigError(f"`optimizer` must be one of {sorted(OPTIMIZERS)}; got {name!r}.")
        cls, preset = OPTIMIZERS[key]
        try:
            opt = cls(lr, **{**preset, **kwargs})
        except TypeError as exc:
            raise ConfigError(f"bad setting for optimizer {name!r}: {exc}.") from None
    elif isinstance(name, dict) and isinstance(name.get("name"), str):
        cfg = dict(name)
        return make_optimizer(cfg.pop("name"), cfg.pop("lr", lr), **cfg, **kwargs)
    else:
        raise InputTypeError(
            f"`optimizer` must be a name in {sorted(OPTIMIZERS)} or an Optimizer; got "
            f"{type(name).__name__} {name!r}."
        )
    opt.validate()
    return opt
