"""Output paths of the CLI: checked before any work, report folders replaced atomically.

``--out DIR`` (a report folder) and ``--plot FILE`` are checked when the arguments are
parsed, before data are loaded or a model is fitted: a missing parent folder, a file where a
folder is expected (or the reverse) or a folder that is not a tickcast report is a one-line
``tickcast: error: ...`` on stderr and exit status 2, the status of every usage error. The
parent folder is checked by the library's rule (:func:`tickcast._files.check_parent_folder`)
with ``create_missing=False``: unlike ``save_model`` or ``to_html``, which create missing
folders, the command line wants the parent to exist, so that a mistyped folder name is an
error rather than a new folder.

A report folder is written into a temporary sibling (``DIR.tmp-XXXXXXXX``) and renamed into
place: the old folder is renamed aside, the new one renamed in, the old one deleted. An
interrupt leaves either the old folder or the new one under ``DIR`` (or, between the two
renames, the old one intact under ``DIR.old-XXXXXXXX``), never a mix of their files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tickcast._files import check_parent_folder
from tickcast.errors import ConfigError

__all__ = [
    "OutputPathError",
    "atomic_folder",
    "check_output_dir",
    "check_output_file",
    "output_dir",
    "output_file",
]

#: Suffixes of the files a report folder holds; an existing folder with anything else in it
#: is not replaced (``--out ~`` must never delete a home folder).
REPORT_SUFFIXES = frozenset({".html", ".csv", ".md", ".png"})


class OutputPathError(ConfigError):
    """An output path cannot be written: missing parent, wrong kind of file, not a report."""


def _check_parent(path: Path, option: str, what: str) -> None:
    """The shared rule (:func:`tickcast._files.check_parent_folder`), the parent required."""
    check_parent_folder(
        path, label=f"`{option}`", what=what, create_missing=False, error=OutputPathError
    )


def check_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """Check that ``path`` can become a report folder; returns it as a Path.

    Parameters
    ----------
    path : str or PathLike
        The folder to write. Its parent must exist and be writable; the folder itself may
        be missing, empty, or a previous report (only files ending in .html, .csv, .md or
        .png, including report.html), which is then replaced as a whole.
    option : str, default "--out"
        Option name used in the message.

    Raises
    ------
    OutputPathError
        Missing or read-only parent, ``path`` is a file, or a folder that is not a report.
    """
    out = Path(path)
    if str(path) == "":
        raise OutputPathError(f"`{option}` must be a folder path; got ''.")
    _check_parent(out, option, "the report")
    if out.exists() and not out.is_dir():
        raise OutputPathError(
            f"`{option}` {str(path)!r} is a file, not a folder; choose a folder for the report "
            "or delete the file."
        )
    if out.is_dir():
        if Path.cwd().resolve().is_relative_to(out.resolve()):
            raise OutputPathError(
                f"`{option}` {str(path)!r} holds the current folder; choose a new folder for "
                "the report."
            )
        entries = list(out.iterdir())
        is_report = (out / "report.html").is_file() and all(
            e.is_file() and e.suffix in REPORT_SUFFIXES for e in entries
        )
        if entries and not is_report:
            raise OutputPathError(
                f"`{option}` {str(path)!r} is a folder with files that are not a tickcast "
                "report; it would be replaced. Choose a new or empty folder."
            )
    return out


def check_output_file(path: str | os.PathLike[str], *, option: str = "--plot") -> Path:
    """Check that a file can be written at ``path``; returns it as a Path.

    Parameters
    ----------
    path : str or PathLike
        The file to write. Its parent must exist and be writable; an existing file is
        overwritten, an existing folder is an error.
    option : str, default "--plot"
        Option name used in the message.

    Raises
    ------
    OutputPathError
        Missing or read-only parent, or ``path`` is a folder.
    """
    out = Path(path)
    if str(path) == "":
        raise OutputPathError(f"`{option}` must be a file path; got ''.")
    _check_parent(out, option, "the file")
    if out.is_dir():
        raise OutputPathError(
            f"`{option}` {str(path)!r} is a folder, not a file; give a file name such as "
            f"{str(out / 'plot.png')!r}."
        )
    return out


def _argparse_type(check: Callable[..., Path], option: str) -> Callable[[str], Path]:
    def convert(value: str) -> Path:
        try:
            return check(value, option=option)
        except OutputPathError as exc:
            # a usage error: one line and status 2 (argparse's own errors print the usage too)
            print(f"tickcast: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    convert.__name__ = check.__name__
    return convert


def output_dir(option: str = "--out") -> Callable[[str], Path]:
    """An argparse ``type=`` that runs :func:`check_output_dir` when the arguments are parsed."""
    return _argparse_type(check_output_dir, option)


def output_file(option: str = "--plot") -> Callable[[str], Path]:
    """An argparse ``type=`` that runs :func:`check_output_file` when the arguments are parsed."""
    return _argparse_type(check_output_file, option)


@contextmanager
def atomic_folder(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Write a folder under a temporary sibling name, then swap it in for ``target``.

    Yields the temporary folder (``TARGET.tmp-XXXXXXXX``, created with the user's umask).
    If the block raises, the temporary folder is deleted and ``target`` is untouched.
    Otherwise an existing ``target`` is renamed to ``TARGET.old-XXXXXXXX``, the new folder
    renamed to ``target``, and the old one deleted; if the second rename fails the old
    folder is renamed back.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _fresh_sibling(target, "tmp")
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not target.exists():
        os.rename(tmp, target)
        return
    old = target.with_name(f"{target.name}.old-{secrets.token_hex(4)}")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _fresh_sibling(target: Path, tag: str) -> Path:
    while True:
        candidate = target.with_name(f"{target.name}.{tag}-{secrets.token_hex(4)}")
        try:
            candidate.mkdir()  # unlike tempfile.mkdtemp (0700), follows the umask
        except FileExistsError:
            continue
        return candidate
