#!/usr/bin/env python3
"""Independent check of Dockhand's labels.

For every data set in datasets.json, on 4x6 and 4x2 stock at 203 and 300 dpi:
`dockhand-cli label zpl --format json` gives the ZPL and what each barcode is meant to hold
(symbology identifier + element string with GS separators); render.js (zpl-renderer-js,
the zebrash renderer) turns the ZPL into a PNG; zxing-cpp decodes the PNG. The decoded
symbols (AIM identifier + raw bytes, GS included) must equal the intended ones, one for one.

Usage: check.py --cli PATH_TO_dockhand-cli [--out DIR]
"""
import argparse
import json
import os
import subprocess
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".pydeps"))

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402

SIZES = ["4x6", "4x2"]
DPIS = ["203", "300"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args()

    with open(os.path.join(HERE, "datasets.json")) as f:
        datasets = json.load(f)

    jobs = []
    for ds in datasets:
        for size in SIZES:
            for dpi in DPIS:
                name = f"{ds['name']}_{size}_{dpi}"
                cmd = [args.cli, "label", "zpl", "--kind", ds["kind"], "--json",
                       json.dumps(ds["data"]), "--dpi", dpi, "--size", size, "--format", "json"]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"FAIL {name}: dockhand-cli refused: {done.stderr.strip()}")
                    jobs.append({"name": name, "error": done.stderr.strip()})
                    continue
                label = json.loads(done.stdout)
                label["name"] = name
                jobs.append(label)

    renderable = [j for j in jobs if "zpl" in j]
    os.makedirs(args.out, exist_ok=True)
    jobs_file = os.path.join(args.out, "jobs.json")
    with open(jobs_file, "w") as f:
        json.dump(renderable, f)
    subprocess.run(["node", os.path.join(HERE, "render.js"), jobs_file, args.out],
                   check=True, cwd=HERE)

    passed = failed = 0
    for job in jobs:
        if "error" in job:
            failed += 1
            continue
        png = os.path.join(args.out, f"{job['name']}.png")
        with open(os.path.join(args.out, f"{job['name']}.zpl"), "w") as f:
            f.write(job["zpl"])
        decoded = Counter(
            (r.symbology_identifier, r.bytes.decode("latin-1"))
            for r in zxingcpp.read_barcodes(Image.open(png))
        )
        wanted = Counter((s["symbology"], s["data"]) for s in job["symbols"])
        if decoded == wanted:
            passed += 1
            print(f"ok   {job['name']}: {len(wanted)} symbol(s)")
        else:
            failed += 1
            print(f"FAIL {job['name']}")
            for sym, data in sorted((wanted - decoded).elements()):
                print(f"       missing  {sym} {data!r}")
            for sym, data in sorted((decoded - wanted).elements()):
                print(f"       unwanted {sym} {data!r}")
    print(f"label check: {passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
