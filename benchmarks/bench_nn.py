"""One training epoch of RNN / LSTM / GRU: tickcast.nn (NumPy) against PyTorch on the CPU.

Workload (issue 4): 4,096 windows x 60 steps x 4 features, batch 64, one recurrent layer of
H units + a linear head, MSE, Adam, global-norm clipping at 5, float32, ONE thread each
(threadpoolctl for BLAS, ``torch.set_num_threads(1)``). Prints seconds per epoch (median of
``--repeats`` timed epochs after one warm-up), the ratio NumPy / torch, and the GFLOP/s the
NumPy code achieves against the measured single-thread SGEMM peak.

Run: ``python benchmarks/bench_nn.py`` (needs the ``[bench]`` extra: torch==2.13.0).
Options: ``--cells rnn,lstm,gru --hidden 16,64,256 --repeats 3 --no-torch``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from tickcast.nn import build_recurrent_network

N_WINDOWS, SEQ, N_FEATURES, BATCH = 4096, 60, 4, 64
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


def numpy_epoch_seconds(cell: str, H: int, X: np.ndarray, y: np.ndarray, repeats: int) -> float:
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
    return statistics.median(_timed(epoch) for _ in range(repeats))


def torch_epoch_seconds(cell: str, H: int, X: np.ndarray, y: np.ndarray, repeats: int) -> float:
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
    return statistics.median(_timed(epoch) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--hidden", default="16,64,256")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true")
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
        print(
            f"{'cell':5} {'H':>4} {'numpy s':>8} {'torch s':>8} {'np/torch':>8} "
            f"{'GFLOP/s':>8} {'% peak':>6}"
        )
        for cell in args.cells.split(","):
            for H in (int(h) for h in args.hidden.split(",")):
                t_np = numpy_epoch_seconds(cell, H, X, y, args.repeats)
                t_th = None if args.no_torch else torch_epoch_seconds(cell, H, Xc, y, args.repeats)
                gf = model_flops(cell, H) / t_np / 1e9
                ratio = "-" if t_th is None else f"{t_np / t_th:.2f}"
                th = "-" if t_th is None else f"{t_th:.3f}"
                print(
                    f"{cell:5} {H:4d} {t_np:8.3f} {th:>8} {ratio:>8} {gf:8.1f} "
                    f"{100 * gf / peak:5.0f}%",
                    flush=True,
                )


if __name__ == "__main__":
    main()
