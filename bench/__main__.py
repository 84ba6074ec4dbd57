"""``python -m bench``: run every benchmark, write bench/results.json, print a table."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from bench import (
    bench_credential_endpoint,
    bench_mint,
    bench_peers,
    bench_qr,
    bench_reissue,
    bench_statuslist,
    bench_verify,
)

BENCHMARKS = {
    "verify": bench_verify.run,
    "peers": bench_peers.run,
    "mint": bench_mint.run,
    "qr": bench_qr.run,
    "status_list": bench_statuslist.run,
    "reissue": bench_reissue.run,
    "credential_endpoint": bench_credential_endpoint.run,
}


def main() -> int:
    results = {"python": platform.python_version(), "machine": platform.machine(), "results": {}}
    for name, run in BENCHMARKS.items():
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results["results"][name] = run()
    Path(__file__).with_name("results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'figure':<72} {'ours/s':>10} {'base/s':>10} {'ratio':>7} {'target':>8}")
    for outcome in results["results"].values():
        print(
            f"{outcome['figure'][:72]:<72} {outcome['ours']['median_per_s']:>10} "
            f"{outcome['baseline']['median_per_s']:>10} {outcome['ratio']:>7} {outcome['target']:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
