"""Execute the comparison notebooks: ``python tools/run_notebooks.py notebooks/``.

Every ``*.ipynb`` of the folder runs in file-name order in a fresh ``python3`` kernel whose
working directory is the folder and whose environment holds

* ``TICKCAST_NOTEBOOK_MODE`` = ``full`` or ``quick`` (the notebooks' parameter cells read it:
  ``quick`` means tiny networks and few origins, for the test suite);
* ``MPLBACKEND=Agg`` (the notebooks switch to ``%matplotlib inline`` themselves).

In ``full`` mode the executed notebooks, with their outputs, are written back in place
(atomically); ``quick`` mode never saves. The first failing cell stops the run with exit
status 1 and a message naming the notebook and the cell.

Options::

    python tools/run_notebooks.py [FOLDER_OR_NOTEBOOK ...] [--mode full|quick] [--no-save]
                                  [--timeout SECONDS]

The mode defaults to ``$TICKCAST_NOTEBOOK_MODE``, else ``full``. This module imports nothing
heavy at import time; nbformat and nbclient are imported when a notebook runs.

A notebook saved in full mode records in its metadata (``tickcast.source_fingerprint``) a
fingerprint of the package source it ran against: :func:`source_fingerprint`, the code of
``src/tickcast`` with docstrings, comments and layout left out, plus its data files. So
``python tools/run_notebooks.py --check`` can say which notebooks ran against code that has
changed since, i.e. whose committed numbers and conclusions may no longer be what the code
gives (exit status 1 if any; nothing is executed).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["NotebookError", "NotebookRun", "execute_notebook", "find_notebooks", "main"]

MODES = ("full", "quick")
ENV_MODE = "TICKCAST_NOTEBOOK_MODE"
#: Seconds one cell may run before the run fails.
DEFAULT_TIMEOUT = 1800
#: The package whose source the notebooks' outputs depend on.
SOURCE_DIR = Path(__file__).resolve().parents[1] / "src" / "tickcast"
METADATA_KEY = "tickcast"

#: Code run in the kernel before the notebook (tests): sockets may reach loopback only.
OFFLINE_GUARD = """\
import ipaddress as _ip, socket as _socket

def _tickcast_local(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    host = host.strip("[]").split("%")[0]
    if host in {"localhost", "", _socket.gethostname()}:
        return True
    try:
        return _ip.ip_address(host).is_loopback
    except ValueError:
        return False

_tickcast_connect = _socket.socket.connect
_tickcast_getaddrinfo = _socket.getaddrinfo

def _guarded_connect(self, address):
    if self.family in (_socket.AF_INET, _socket.AF_INET6) and isinstance(address, tuple):
        if not _tickcast_local(address[0]):
            raise ConnectionRefusedError(f"notebooks must not use the network: {address!r}")
    return _tickcast_connect(self, address)

def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _tickcast_local(host):
        raise _socket.gaierror(_socket.EAI_NONAME, f"notebooks must not resolve {host!r}")
    return _tickcast_getaddrinfo(host, *args, **kwargs)

_socket.socket.connect = _guarded_connect
_socket.getaddrinfo = _guarded_getaddrinfo
"""


def _code_only(text: str) -> str:
    """A Python module's syntax tree without docstrings (comments and layout are not in it)."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def source_fingerprint(root: str | os.PathLike | None = None) -> str:
    """SHA-256 (hex) of the package under ``root``: every ``.py`` file's code without
    docstrings, comments or formatting, and every other file's bytes, with their relative
    paths (``__pycache__`` and compiled files skipped). A change to what the code does, or
    to a bundled data file, changes it; a reworded docstring or a reformat does not.
    ``root`` defaults to :data:`SOURCE_DIR`. (The syntax tree is Python's own: compare
    fingerprints made by the same Python version. Installed libraries are not in it.)"""
    root = Path(SOURCE_DIR if root is None else root)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.suffix == ".py":
            digest.update(_code_only(path.read_text(encoding="utf-8")).encode())
        else:
            digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def recorded_fingerprint(path: str | os.PathLike) -> str | None:
    """The source fingerprint a saved notebook ran against, or None if it records none."""
    import json

    with open(path, encoding="utf-8") as fh:
        meta = json.load(fh).get("metadata", {}).get(METADATA_KEY, {})
    value = meta.get("source_fingerprint") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def check_fresh(paths: Sequence[Path]) -> dict[Path, str]:
    """``"fresh"``, ``"stale"`` (ran against other code) or ``"unrecorded"`` per notebook."""
    current = source_fingerprint()
    status = {}
    for p in paths:
        recorded = recorded_fingerprint(p)
        status[p] = (
            "unrecorded" if recorded is None else ("fresh" if recorded == current else "stale")
        )
    return status


class NotebookError(RuntimeError):
    """A notebook cell failed (or timed out); the message names the notebook and the cell."""


@dataclass(frozen=True)
class NotebookRun:
    """Outcome of one executed notebook."""

    path: Path
    mode: str
    seconds: float
    saved: bool


def find_notebooks(targets: Sequence[str | os.PathLike]) -> list[Path]:
    """The notebooks named by ``targets`` (files or folders), folders expanded in name order."""
    found: list[Path] = []
    for target in targets:
        p = Path(target)
        if p.is_dir():
            found.extend(
                sorted(q for q in p.glob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
            )
        elif p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        else:
            raise FileNotFoundError(f"no notebook or folder of notebooks at {str(p)!r}")
    return found


def _kernel_env(mode: str) -> dict[str, str]:
    env = dict(os.environ)
    env[ENV_MODE] = mode
    env["MPLBACKEND"] = "Agg"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silence debugpy's frozen-module note
    return env


def _failing_cell(nb: Any, offset: int) -> str:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
            return f"cell {i - offset} ({first[:70]!r})"
    return "an unknown cell (timeout or kernel death)"


def _atomic_write(nb: Any, path: Path) -> None:
    import nbformat

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".ipynb.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)  # mkstemp creates 0600; keep the notebook's permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def execute_notebook(
    path: str | os.PathLike,
    *,
    mode: str = "full",
    save: bool | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    offline_guard: bool = False,
    kernel_name: str = "python3",
) -> NotebookRun:
    """Execute one notebook in a fresh kernel (cwd = its folder).

    Parameters
    ----------
    path : path
        The ``.ipynb`` file.
    mode : {"full", "quick"}
        Value of ``TICKCAST_NOTEBOOK_MODE`` in the kernel.
    save : bool, optional
        Write the executed notebook back in place (atomically); default True in full mode.
    timeout : int
        Seconds per cell.
    offline_guard : bool, default False
        Run :data:`OFFLINE_GUARD` first (a hidden cell, removed again): non-loopback
        connections and name lookups raise in the kernel.

    Raises
    ------
    NotebookError
        A cell raised or timed out; the message names the notebook and the cell (0-based
        index among all cells) and ends with the error.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
    path = Path(path)
    save = (mode == "full") if save is None else save
    nb = nbformat.read(path, as_version=4)
    offset = 0
    if offline_guard:
        guard = nbformat.v4.new_code_cell(OFFLINE_GUARD)
        nb.cells.insert(0, guard)
        offset = 1
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no "TCP without encryption" notes
    )
    fingerprint = source_fingerprint() if save and Path(SOURCE_DIR).is_dir() else None
    started = time.perf_counter()
    try:
        client.execute(env=_kernel_env(mode))
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        where = _failing_cell(nb, offset)
        raise NotebookError(f"{path.name}: {where} failed in {mode} mode:\n{exc}") from exc
    seconds = time.perf_counter() - started
    if offline_guard:
        del nb.cells[0]
    if save:
        if fingerprint is not None and fingerprint != source_fingerprint():
            raise NotebookError(
                f"{path.name}: the package source changed while the notebook ran; its outputs "
                "were not saved. Run it again."
            )
        if fingerprint is not None:
            nb.metadata[METADATA_KEY] = {"source_fingerprint": fingerprint, "mode": mode}
        _atomic_write(nb, path)
    return NotebookRun(path, mode, seconds, save)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/run_notebooks.py",
        description="Execute the tickcast notebooks (and save their outputs in full mode).",
    )
    parser.add_argument("targets", nargs="*", default=["notebooks"], help="folders or .ipynb")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default=os.environ.get(ENV_MODE) or "full",
        help=f"settings the notebooks use (default ${ENV_MODE}, else full)",
    )
    parser.add_argument("--no-save", action="store_true", help="do not write outputs back")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per cell")
    parser.add_argument(
        "--check",
        action="store_true",
        help="run nothing; list the notebooks saved against other package code (exit 1 if any)",
    )
    args = parser.parse_args(argv)
    if args.mode not in MODES:
        parser.error(f"mode must be one of {MODES}; got {args.mode!r}")
    try:
        paths = find_notebooks(args.targets)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not paths:
        print(f"error: no notebooks in {args.targets}", file=sys.stderr)
        return 2
    if args.check:
        status = check_fresh(paths)
        for p, state in status.items():
            print(f"{state:10s} {p}")
        stale = [p for p, state in status.items() if state != "fresh"]
        if stale:
            print(
                f"{len(stale)} of {len(paths)} notebook(s) did not run against the current "
                "package code: re-run them (make notebooks) and re-read their conclusions."
            )
        return 1 if stale else 0
    save = args.mode == "full" and not args.no_save
    total = time.perf_counter()
    for p in paths:
        print(f"running {p} ({args.mode} mode) ...", flush=True)
        try:
            run = execute_notebook(p, mode=args.mode, save=save, timeout=args.timeout)
        except NotebookError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        print(f"  done in {run.seconds:.1f} s{' (saved)' if run.saved else ''}", flush=True)
    print(f"{len(paths)} notebook(s) in {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
