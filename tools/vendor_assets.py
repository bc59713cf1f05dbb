"""Copy the map's browser assets from node_modules/ into tsunagu/webapp/static/vendor/.

Run by ``make install`` after ``npm ci`` (package.json pins leaflet 1.9.4 and
leaflet.markercluster 1.5.3, chart.js 4.6.2). The app serves these files itself — never from a CDN — and both
folders are git-ignored, so a fresh clone needs this step; the map pages say so when it was
skipped. Only the dist files the pages load are copied (plus Leaflet's marker images).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "tsunagu" / "webapp" / "static" / "vendor"
#: (package, files or folders under its dist/, target folder under static/vendor/)
COPIES = (
    ("leaflet", ("leaflet.js", "leaflet.css", "images"), "leaflet"),
    (
        "leaflet.markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
        "leaflet.markercluster",
    ),
    ("chart.js", ("chart.umd.min.js",), "chart.js"),  # dashboard and dataset-page charts
)
#: Packages whose browser files sit at the package root instead of dist/ (same shape).
#: swagger-ui-dist: the interactive API reference on /developers/reference.
ROOT_COPIES = (("swagger-ui-dist", ("swagger-ui-bundle.js", "swagger-ui.css"), "swagger-ui"),)
LICENCES = ("LICENSE", "LICENSE.md", "MIT-LICENCE.txt", "MIT-LICENSE.txt", "NOTICE")


def vendor(node_modules: Path = NODE_MODULES, target: Path = VENDOR) -> list[Path]:
    """Copy every listed file; fail naming the missing one (and `npm ci`) if a package is absent."""
    written: list[Path] = []
    entries = [(p, n, f, "dist") for p, n, f in COPIES]
    entries += [(p, n, f, "") for p, n, f in ROOT_COPIES]
    for package, names, folder, sub in entries:
        dist = node_modules / package / sub if sub else node_modules / package
        out = target / folder
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            source = dist / name
            if not source.exists():
                raise SystemExit(f"{source} is missing: run `npm ci` first (make install)")
            if source.is_dir():
                shutil.copytree(source, out / name, dirs_exist_ok=True)
            else:
                shutil.copy2(source, out / name)
            written.append(out / name)
        for licence in LICENCES:
            if (node_modules / package / licence).is_file():
                shutil.copy2(node_modules / package / licence, out / licence)
    return written


def main() -> int:
    for path in vendor():
        sys.stdout.write(f"vendored {path.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
