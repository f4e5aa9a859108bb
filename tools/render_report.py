"""Render a tickcast HTML report to one full-page PNG with headless Chromium.

For a person to look at the report as a browser shows it (not part of the test suite)::

    python tools/render_report.py demo-report/report.html            # -> demo-report/report.png
    python tools/render_report.py report.html --out page.png --width 1200

Needs Chromium (Debian: ``apt-get install -y chromium``). The page is loaded twice: once
with ``--dump-dom`` to measure its height, once to take a screenshot of that height.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Chromium refuses taller screenshots on many GPUs/drivers; longer pages are cut there.
MAX_HEIGHT = 16000

_MEASURE = (
    "<script>window.addEventListener('load',()=>{document.body.setAttribute("
    "'data-height',String(document.documentElement.scrollHeight));});</script>"
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("render_report: Chromium not found; install it with `apt-get install -y chromium`.")


def _run(args: list[str]) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run(
        [_chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        sys.exit(f"render_report: chromium failed ({done.returncode}): {done.stderr[-500:]}")
    return done.stdout


def render(report: Path, out: Path, *, width: int = 1100) -> int:
    """Screenshot ``report`` at ``width`` CSS pixels and its full height; returns the height."""
    page = report.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(page.replace("</body>", _MEASURE + "</body>", 1), encoding="utf-8")
        dom = _run([f"--window-size={width},800", "--dump-dom", probe.as_uri()])
    match = re.search(r'data-height="(\d+)"', dom)
    height = min(int(match.group(1)) + 20 if match else 6000, MAX_HEIGHT)
    _run(
        [
            f"--window-size={width},{height}",
            "--force-device-scale-factor=1",
            f"--screenshot={out.resolve()}",
            report.resolve().as_uri(),
        ]
    )
    return height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="the report.html to render")
    parser.add_argument("--out", type=Path, help="PNG to write (default: next to the report)")
    parser.add_argument("--width", type=int, default=1100, help="window width in px (1100)")
    args = parser.parse_args()
    if not args.report.is_file():
        sys.exit(f"render_report: {args.report} is not a file.")
    out = args.out or args.report.with_suffix(".png")
    height = render(args.report, out, width=args.width)
    print(f"{out} ({args.width} x {height} px)")


if __name__ == "__main__":
    main()
