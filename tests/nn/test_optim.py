"""Optimizers: convergence on quadratics, Barzilai-Borwein vs fixed steps, clipping, settings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn import (
    OPTIMIZERS,
    SGD,
    BarzilaiBorwein,
    clip_grad_norm,
    global_norm,
    make_optimizer,
)


def _quadratic(d=20, kappa=100.0, seed=0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = q @ np.diag(np.geomspace(1.0, kappa, d)) @ q.T
    b = rng.normal(size=d)
    return A, b, np.linalg.solve(A, b)


def _steps_to_converge(opt, A, b, tol=1e-6, max_steps=20_000):
    x = {"x": np.zeros(len(b))}
    g0 = np.linalg.norm(A @ x["x"] - b)
    for k in range(1, max_steps + 1):
        g = A @ x["x"] - b
        opt.step(x, {"x": g})
        if np.linalg.norm(A @ x["x"] - b) <= tol * g0:
            return k
    return max_steps


def test_bb_converges_in_far_fewer_steps_than_fixed_step_sgd():
    A, b, _ = _quadratic()
    L = 100.0
    sgd_steps = _steps_to_converge(make_optimizer("sgd", lr=1.0 / L), A, b)
    bb_steps = {
        v: _steps_to_converge(make_optimizer(v, lr=1.0 / L, mode="step", max_step=10.0), A, b)
        for v in ("bb1", "bb2")
    }
    assert sgd_steps > 1000  # about kappa * log(1e6) for step 1 / L
    for steps in bb_steps.values():
        assert sgd_steps / steps >= 5, (sgd_steps, bb_steps)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_minimises_a_quadratic(name):
    A, b, x_star = _quadratic(d=5, kappa=10.0, seed=1)
    lr = {
        "sgd": 0.05,
        "momentum": 0.02,
        "nesterov": 0.02,
        "rmsprop": 0.01,
        "adam": 0.05,
        "adamw": 0.05,
    }.get(name, 0.05)
    kwargs = {"mode": "step", "max_step": 10.0} if name.startswith("bb") else {}
    if name == "adamw":
        kwargs = {"weight_decay": 0.0}  # decay would move the minimiser
    opt = make_optimizer(name, lr=lr, **kwargs)
    x = {"x": np.zeros(5)}
    f0 = np.linalg.norm(x_star)
    for _ in range(600):
        opt.step(x, {"x": A @ x["x"] - b})
    assert np.linalg.norm(x["x"] - x_star) < 1e-2 * f0


def test_adamw_decays_weights_without_gradient():
    opt = make_optimizer("adamw", lr=0.1, weight_decay=0.5)
    p = {"w": np.ones(3)}
    for _ in range(10):
        opt.step(p, {"w": np.zeros(3)})
    np.testing.assert_allclose(p["w"], 0.95**10)


def test_sgd_bb_epoch_step_follows_tan_et_al_formula():
    """Two epochs of m = 2 steps; the third epoch uses |s|^2 / (m |s^T y|)."""
    opt = BarzilaiBorwein(lr=0.1, smoothing=False, max_step=100.0)
    x = {"x": np.array([1.0, 2.0])}
    grads = [np.array([1.0, 0.0]), np.array([0.0, 2.0]), np.array([2.0, 1.0]), np.array([1.0, 3.0])]
    ends, means = [], []
    for epoch in range(2):
        gs = grads[2 * epoch : 2 * epoch + 2]
        for g in gs:
            opt.step(x, {"x": g})
        ends.append(x["x"].copy())
        means.append(np.mean(gs, axis=0))
        if epoch == 0:
            opt.end_epoch()
            assert opt.step_size == 0.1  # one epoch end: no difference to take yet
    opt.end_epoch()
    s, y = ends[1] - ends[0], means[1] - means[0]
    assert s @ y < 0  # negative curvature along s: the paper takes |s^T y|
    assert opt.step_size == pytest.approx(s @ s / (2 * abs(s @ y)))
    bb2 = BarzilaiBorwein(lr=0.1, variant="bb2", smoothing=False, max_step=100.0)
    x = {"x": np.array([1.0, 2.0])}
    for g in grads:
        bb2.step(x, {"x": g})
        if bb2.n_steps % 2 == 0:
            bb2.end_epoch()
    assert bb2.step_size == pytest.approx(abs(s @ y) / (2 * y @ y))


def test_sgd_bb_is_robust_to_the_initial_step():
    """Mini-batch least squares: SGD-BB ends near the same step size from eta0 1e-4 or 0.1."""
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(512, 5))
    w_true = rng.normal(size=5)
    t = Z @ w_true + 0.1 * rng.normal(size=512)
    finals, errors = [], []
    for eta0 in (1e-4, 0.1):
        opt = BarzilaiBorwein(lr=eta0)
        w = {"w": np.zeros(5)}
        for _ in range(30):
            for idx in np.split(rng.permutation(512), 16):
                g = Z[idx].T @ (Z[idx] @ w["w"] - t[idx]) * (2 / len(idx))
                opt.step(w, {"w": g})
            opt.end_epoch()
        finals.append(opt.step_size)
        errors.append(np.linalg.norm(w["w"] - w_true))
    assert max(errors) < 0.05
    assert max(finals) / min(finals) < 3


def test_bb_safeguards():
    opt = BarzilaiBorwein(lr=0.5, mode="step", min_step=0.01, max_step=0.2)
    x = {"x": np.array([1.0])}
    opt.step(x, {"x": np.array([1.0])})  # x -> 0.5
    opt.step(x, {"x": np.array([2.0])})  # s = -0.5, y = 1: negative curvature -> |s y|
    assert opt.step_size == pytest.approx(0.2)  # BB1 = 0.25 / 0.5 = 0.5, capped at max_step
    keep = BarzilaiBorwein(lr=0.05, mode="step", curvature="previous")
    x = {"x": np.array([1.0])}
    keep.step(x, {"x": np.array([1.0])})
    keep.step(x, {"x": np.array([2.0])})
    assert keep.step_size == pytest.approx(0.05)


def test_clip_grad_norm():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    assert global_norm(grads) == pytest.approx(5.0)
    assert clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    assert global_norm(grads) == pytest.approx(1.0)
    np.testing.assert_allclose(grads["a"], [0.6])
    assert clip_grad_norm(grads, 10.0) == pytest.approx(1.0)
    nan = {"a": np.array([np.nan])}
    assert math.isnan(clip_grad_norm(nan, 1.0))


def test_names_and_instances():
    assert make_optimizer("nesterov").nesterov is True
    assert make_optimizer("momentum").momentum == 0.9
    assert make_optimizer("adamw").decoupled is True
    assert make_optimizer("bb2").variant == "bb2"
    opt = SGD(lr=0.3)
    assert make_optimizer(opt, lr=0.2) is opt and opt.step_size == 0.2
    cfg = make_optimizer("adam", lr=0.01).get_config()
    assert make_optimizer(cfg).get_config() == cfg


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "match"),
    [
        ("lbfgs", {}, ConfigError, "sgd"),
        ("sgd", {"lr": 0.0}, ConfigError, "lr"),
        ("sgd", {"lr": -1.0}, ConfigError, "lr"),
        ("adam", {"lr": float("nan")}, ConfigError, "lr"),
        ("sgd", {"lr": "0.1"}, ConfigError, "lr"),
        ("momentum", {"momentum": 1.5}, ConfigError, "momentum"),
        ("sgd", {"nesterov": True}, ConfigError, "nesterov"),
        ("adam", {"beta1": 1.0}, ConfigError, "beta1"),
        ("adamw", {"weight_decay": -0.1}, ConfigError, "weight_decay"),
        ("rmsprop", {"rho": 0.0}, ConfigError, "rho"),
        ("bb", {"variant": "bb3"}, ConfigError, "variant"),
        ("bb", {"mode": "batch"}, ConfigError, "mode"),
        ("bb", {"curvature": "ignore"}, ConfigError, "curvature"),
        ("bb", {"beta": 1.5}, ConfigError, "beta"),
        ("bb", {"min_step": 1.0, "max_step": 0.1}, ConfigError, "min_step"),
        ("sgd", {"betas": 0.9}, ConfigError, "betas"),
        (42, {}, InputTypeError, "optimizer"),
    ],
)
def test_invalid(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_optimizer(name, **kwargs)
