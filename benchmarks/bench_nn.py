"""One training epoch of RNN / LSTM / GRU: tickcast.nn (NumPy) against PyTorch on the CPU.

Workload (issue 4): 4,096 windows x 60 steps x 4 features, batch 64, one recurrent layer of
H units + a linear head, MSE, Adam, global-norm clipping at 5, float32, ONE thread each
(threadpoolctl for BLAS, ``torch.set_num_threads(1)``). After one warm-up epoch each, NumPy and
torch epochs alternate (``--repeats`` pairs), so a shared machine's load drifts hit both alike.
Prints seconds per epoch (medians), the ratio NumPy / torch of the medians, the range of the
per-pair ratios, the GFLOP/s the NumPy code achieves against the single-thread SGEMM peak,
and the ratio of the median CPU seconds of this process (``time.process_time``: without the
time spent waiting while other processes hold the cores; both sides run in this one thread).
``peak/torch`` is the bound no implementation of these multiply-adds can pass on this machine:
the epoch's model FLOPs (:func:`model_flops`, the same for both libraries: exact BPTT has no
fewer) at the single-thread SGEMM peak, with every other call free, divided by torch's
epoch. On the AVX-512 EPYC of 2026-12-04 it was 0.66, 0.58 and 0.73 in three runs at LSTM
hidden 64 (issue 13 asks 0.6): torch's fused LSTM ran at 58-73 % of that peak, our NumPy
epoch at 52-62 % (1.12-1.18x torch; on the AVX2-only EPYC of the day before, 0.80x).

Run: ``python benchmarks/bench_nn.py`` (needs the ``[bench]`` extra: torch==2.13.0).
Options: ``--cells rnn,lstm,gru --hidden 16,64,256 --repeats 5 --no-torch``.
``--breakdown`` adds, for each LSTM size, the microseconds per time step by call category
(forward GEMM, the forward transcendentals: ``exp`` over the gate block and ``tanh`` over the
cell, backward GEMMs, the other elementwise NumPy calls and Python around them, the rest of
the batch), from instrumented epochs: where the time goes, and how far the GEMMs alone, and
the GEMMs plus the transcendentals with every other call free, would be from torch. Above 64
units the weight gradient is one GEMM after the step loop, counted in "backward other".

NumPy's float32 ``tanh`` is SIMD-vectorised only on AVX-512 builds, ``exp`` on AVX2 too:
on this AVX2-only AMD EPYC (2026-12-03) ``tanh`` took 2.8-3.7 ns per element and ``exp``
1.8. With the gates by one ``tanh`` the GEMMs + ``tanh`` alone came to 0.60x torch at
hidden 64, the floor under issue 13's 0.6x target; the gates now go through ``exp`` (as the
GRU's sigmoids already did), 9-13 % off a NumPy epoch at 16-64 units measured side by side.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np
from threadpoolctl import threadpool_limits

from tickcast.nn import build_recurrent_network

N_WINDOWS, SEQ, N_FEATURES, BATCH = 4096, 60, 4, 64
BACKWARD_GEMMS = ("backward GEMM dh = U dZ", "backward GEMM dZ [x;1;h]^T")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def model_flops(cell: str, H: int) -> float:
    """Multiply-adds x 2 of one epoch: forward GEMM, weight-gradient GEMM, recurrent dh."""
    G, F = GATES[cell], N_FEATURES
    per_row = 2 * G * H * (F + 1 + H) * 2 + 2 * G * H * H  # fwd + dW, plus dh_{t-1}
    return float(per_row) * N_WINDOWS * SEQ


def gemm_peak() -> float:
    """Single-thread SGEMM GFLOP/s on 1024 x 1024 x 1024 (best of 5)."""
    rng = np.random.default_rng(0)
    a = rng.random((1024, 1024), dtype=np.float32)
    b = rng.random((1024, 1024), dtype=np.float32)
    out = np.empty_like(a)
    np.dot(a, b, out=out)
    best = min(_timed(lambda: np.dot(a, b, out=out)) for _ in range(5))
    return 2 * 1024**3 / best / 1e9


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def numpy_epoch(cell: str, H: int, X: np.ndarray, y: np.ndarray):
    """A closure running one NumPy training epoch (after a warm-up epoch)."""
    net = build_recurrent_network(
        cell=cell,
        n_features=N_FEATURES,
        hidden=H,
        optimizer="adam",
        lr=1e-3,
        clip_norm=5.0,
        dtype="float32",
        seed=0,
    )

    def epoch():
        net.fit(X, y, epochs=1, batch_size=BATCH, validation_fraction=0.0, patience=None)

    epoch()  # warm-up: allocates the reusable buffers
    return epoch


def torch_epoch(cell: str, H: int, X: np.ndarray, y: np.ndarray):
    """A closure running one torch training epoch (after a warm-up epoch)."""
    import torch

    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    rnn = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        N_FEATURES, H, batch_first=True
    )
    head = torch.nn.Linear(H, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(N_WINDOWS, generator=gen)
        for s in range(0, N_WINDOWS, BATCH):
            idx = perm[s : s + BATCH]
            opt.zero_grad()
            out, _ = rnn(Xt[idx])
            loss = torch.mean((head(out[:, -1]) - yt[idx]) ** 2)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()

    epoch()
    return epoch


def lstm_breakdown(H: int, X: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, float]:
    """Microseconds per time step of NumPy LSTM epochs by call category (medians).

    ``np.dot`` and the layer's ``forward``/``backward`` are wrapped with timers: the GEMMs
    are the time inside ``np.dot`` (forward: ``[W; b; U]^T [x; 1; h]``; backward:
    ``dh = U dZ`` and the weight-gradient term ``dZ [x; 1; h]^T``); "other" is the rest of
    the layer's pass (elementwise calls, Python, the wrappers' own overhead); "rest" is the
    batch outside the LSTM (dense head, loss, clipping, Adam, batching).
    """
    from tickcast.nn import LSTM

    net = build_recurrent_network(
        cell="lstm",
        n_features=N_FEATURES,
        hidden=H,
        optimizer="adam",
        lr=1e-3,
        clip_norm=5.0,
        dtype="float32",
        seed=0,
    )
    layer = net.layers[0]
    assert isinstance(layer, LSTM)
    acc: dict[str, float] = defaultdict(float)
    phase = [""]  # "forward" / "backward" inside the layer's passes, "" elsewhere
    real_dot, real_fwd, real_bwd = np.dot, layer.forward, layer.backward
    real_exp, real_tanh = np.exp, np.tanh
    clock = time.perf_counter

    def dot(a, b, out=None):
        t0 = clock()
        r = real_dot(a, b, out=out)
        dt = clock() - t0
        if not phase[0]:
            pass  # outside the LSTM (gradient norm)
        elif phase[0] == "forward":
            acc["forward GEMM"] += dt
        elif r.shape[0] == H:
            acc[BACKWARD_GEMMS[0]] += dt
        else:
            acc[BACKWARD_GEMMS[1]] += dt
        return r

    def transcendental(real):
        def timed(a, out=None):
            t0 = clock()
            r = real(a, out=out)
            if phase[0] == "forward":
                acc["forward exp, tanh"] += clock() - t0
            return r

        return timed

    def forward(X, *, training=False):
        phase[0] = "forward"
        t0 = clock()
        r = real_fwd(X, training=training)
        acc["forward total"] += clock() - t0
        phase[0] = ""
        return r

    def backward(dY, *, need_input_grad=True):
        phase[0] = "backward"
        t0 = clock()
        r = real_bwd(dY, need_input_grad=need_input_grad)
        acc["backward total"] += clock() - t0
        phase[0] = ""
        return r

    layer.forward, layer.backward = forward, backward  # type: ignore[method-assign]
    steps = N_WINDOWS * SEQ / BATCH
    rows: list[dict[str, float]] = []
    np.dot, np.exp, np.tanh = dot, transcendental(real_exp), transcendental(real_tanh)
    try:
        for _ in range(repeats + 1):  # the first is a warm-up
            acc.clear()
            t0 = clock()
            net.fit(X, y, epochs=1, batch_size=BATCH, validation_fraction=0.0, patience=None)
            acc["epoch"] = clock() - t0
            rows.append({k: v / steps * 1e6 for k, v in acc.items()})
    finally:
        np.dot, np.exp, np.tanh = real_dot, real_exp, real_tanh
        del layer.forward, layer.backward
    med = {k: statistics.median(r[k] for r in rows[1:]) for k in rows[1]}
    # above 64 units the weight gradient is one GEMM after the loop: inside "backward other"
    fg, dh, dw = (med.get(k, 0.0) for k in ("forward GEMM", *BACKWARD_GEMMS))
    tr = med["forward exp, tanh"]
    out = {
        "forward GEMM": fg,
        "forward exp (gates), tanh (cell)": tr,
        "forward other": med["forward total"] - fg - tr,
        BACKWARD_GEMMS[0]: dh,
        BACKWARD_GEMMS[1]: dw,
        "backward other": med["backward total"] - dh - dw,
        "rest of the batch": med["epoch"] - med["forward total"] - med["backward total"],
        "all": med["epoch"],
    }
    return out


def paired_seconds(fns, repeats: int) -> tuple[list[list[float]], list[list[float]]]:
    """Time the closures in turn, ``repeats`` rounds: wall and CPU seconds per closure.

    CPU seconds (``time.process_time``, this process) leave out the time the process waits
    while other processes hold the 2 cores; both sides run in this one thread.
    """
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            c0 = time.process_time()
            wall[k].append(_timed(fn))
            cpu[k].append(time.process_time() - c0)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--hidden", default="16,64,256")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--breakdown", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    series = rng.normal(size=(N_WINDOWS + SEQ, N_FEATURES)).astype(np.float32)
    X = np.lib.stride_tricks.sliding_window_view(series, SEQ, axis=0)[:N_WINDOWS]
    X = X.transpose(0, 2, 1)  # (n, SEQ, F), a read-only strided view, as make_windows gives
    y = rng.normal(size=(N_WINDOWS, 1)).astype(np.float32)
    Xc = np.ascontiguousarray(X)
    with threadpool_limits(1):
        peak = gemm_peak()
        if not args.no_torch:
            import torch

            torch.set_num_threads(1)
            print(f"torch {torch.__version__}, numpy {np.__version__}, 1 thread each")
        print(f"single-thread SGEMM peak: {peak:.1f} GFLOP/s")
        print(f"medians of {args.repeats} alternating NumPy / torch epochs")
        print(
            f"{'cell':5} {'H':>4} {'numpy s':>8} {'torch s':>8} {'np/torch':>8} "
            f"{'pair range':>11} {'GFLOP/s':>8} {'% peak':>6} {'CPU np/torch':>12} "
            f"{'peak/torch':>10}"
        )
        for cell in args.cells.split(","):
            for H in (int(h) for h in args.hidden.split(",")):
                fns = [numpy_epoch(cell, H, X, y)]
                if not args.no_torch:
                    fns.append(torch_epoch(cell, H, Xc, y))
                times, cpu = paired_seconds(fns, args.repeats)
                t_np = statistics.median(times[0])
                gf = model_flops(cell, H) / t_np / 1e9
                th = ratio = spread = cpu_ratio = at_peak = "-"
                if not args.no_torch:
                    t_th = statistics.median(times[1])
                    pairs = [a / b for a, b in zip(times[0], times[1], strict=True)]
                    th, ratio = f"{t_th:.3f}", f"{t_np / t_th:.2f}"
                    spread = f"{min(pairs):.2f}-{max(pairs):.2f}"
                    cpu_ratio = f"{statistics.median(cpu[0]) / statistics.median(cpu[1]):.2f}"
                    at_peak = f"{model_flops(cell, H) / (peak * 1e9) / t_th:.2f}"
                print(
                    f"{cell:5} {H:4d} {t_np:8.3f} {th:>8} {ratio:>8} {spread:>11} {gf:8.1f} "
                    f"{100 * gf / peak:5.0f}% {cpu_ratio:>12} {at_peak:>10}",
                    flush=True,
                )
                if args.breakdown and cell == "lstm":
                    parts = lstm_breakdown(H, X, y, args.repeats)
                    steps = N_WINDOWS * SEQ / BATCH
                    gemm = sum(v for k, v in parts.items() if "GEMM" in k)
                    print(f"  per time step, us (instrumented epochs, medians of {args.repeats}):")
                    for k, v in parts.items():
                        print(f"    {k:34s} {v:7.1f}")
                    line = f"    GEMMs alone: {gemm * steps / 1e6:.3f} s/epoch"
                    floor = (gemm + parts["forward exp (gates), tanh (cell)"]) * steps / 1e6
                    line2 = f"    GEMMs + exp, tanh (every other call free): {floor:.3f} s/epoch"
                    if not args.no_torch:
                        line += f" = {gemm * steps / 1e6 / t_th:.2f} x torch"
                        line2 += f" = {floor / t_th:.2f} x torch"
                    print(line + "\n" + line2, flush=True)


if __name__ == "__main__":
    main()
