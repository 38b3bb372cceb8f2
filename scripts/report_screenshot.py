#!/usr/bin/env python
"""Regenerate docs/report.png: report.html of the bundled corpus in headless Chromium.

    python scripts/report_screenshot.py [--view '#overview'] [--out docs/report.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import newsdedup  # noqa: E402
from newsdedup.report.browser import Chromium  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--view", default="#overview", help="the page's view to show (#clusters, #doc/ID, ...)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=820)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = newsdedup.run(ROOT / "corpus", newsdedup.Config(workers=1))
        out = result.write(Path(tmp) / "out")
        with Chromium(width=args.width, height=args.height) as browser:
            browser.open((out / "report.html").as_uri() + args.view)
            browser.screenshot(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
