#!/usr/bin/env python3
"""Renders SVG charts with headless Chromium and checks the PNGs (see scripts/check-charts)."""
import os
import re
import subprocess
import sys

from PIL import Image


def size_of(svg_path):
    with open(svg_path, encoding="utf-8") as f:
        head = f.read(400)
    w = re.search(r'width="([\d.]+)"', head)
    h = re.search(r'height="([\d.]+)"', head)
    if not w or not h:
        raise SystemExit(f"{svg_path}: no width/height on the <svg> element")
    return int(float(w.group(1)) + 0.999), int(float(h.group(1)) + 0.999)


def render(svg_path, png_path):
    w, h = size_of(svg_path)
    subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=1", f"--window-size={w},{h}", f"--screenshot={png_path}",
                    "file://" + os.path.abspath(svg_path)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return w, h


def check(png_path, name):
    img = Image.open(png_path).convert("RGB")
    w, h = img.size
    px = img.load()

    def ink(x, y):
        r, g, b = px[x, y]
        return r < 235 or g < 235 or b < 235

    inked = sum(1 for x in range(0, w, 2) for y in range(0, h, 2) if ink(x, y))
    problems = []
    if inked < 200:
        problems.append(f"almost nothing drawn ({inked} sampled dark pixels)")
    edges = {"top": [(x, 0) for x in range(w)], "bottom": [(x, h - 1) for x in range(w)],
             "left": [(0, y) for y in range(h)], "right": [(w - 1, y) for y in range(h)]}
    for edge, points in edges.items():
        touching = sum(1 for p in points if ink(*p))
        if touching:
            problems.append(f"{touching} drawn pixels on the {edge} edge: something is cut off")
    return problems


def main():
    out, folders = sys.argv[1], sys.argv[2:]
    svgs = []
    for folder in folders:
        for root, _, files in os.walk(folder):
            svgs += [os.path.join(root, f) for f in sorted(files) if f.endswith(".svg")]
    if not svgs:
        raise SystemExit(f"no SVG files under {' '.join(folders)}")
    failed = 0
    for svg in svgs:
        png = os.path.join(out, svg.replace("/", "_").lstrip("_.") + ".png")
        render(svg, png)
        problems = check(png, svg)
        if problems:
            failed += 1
            print(f"FAIL {svg}: " + "; ".join(problems))
        else:
            print(f"ok   {svg}")
    print(f"[check-charts] {len(svgs) - failed} of {len(svgs)} charts render cleanly; PNGs in {out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
