"""Twenty agencies' analysts check a 1,000,000-row extract at the same moment: a real ``accord serve`` with the
default quotas (two checks at once), twenty concurrent ``POST /api/v1/checks``; the server's peak RSS (its
``VmHWM``: uploads are streamed, checks run in its threads) and what each request got (200, or 503 busy with
Retry-After, then retried after the time it says).

    python benchmarks/portal_parallel.py [ROWS] [CLIENTS]        # default: 1000000 20
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write  # the benchmark's own generator, beside it
from portal_check import ROOT, _up


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    from accord.access import TokenStore
    from accord.process_group import process_group
    from accord.settings import data_dirs

    with tempfile.TemporaryDirectory(prefix="accord-portal-parallel-") as folder:
        work = Path(folder)
        token = TokenStore.of(data_dirs(work / "data").create()).create("rrn", "benchmark")
        url, env = "http://127.0.0.1:8766", {**os.environ, "ACCORD_DATA_DIR": str(work / "data"),
                                             "ACCORD_PROJECT_DIR": str(ROOT)}
        extract = write(work / f"personnes_{rows}.csv", rows)
        outcomes: list[dict[str, object]] = []
        with (work / "serve.log").open("wb") as log, process_group(
                [sys.executable, "-m", "accord.cli", "serve", "--port", "8766"], ROOT, env, log) as server:
            while not _up(url):
                time.sleep(0.2)
            idle_kb = _peak_kb(server.pid)

            def one(n: int) -> None:
                started, busy = time.perf_counter(), 0
                with httpx.Client(timeout=1800) as client:
                    while True:
                        with extract.open("rb") as handle:
                            answer = client.post(f"{url}/api/v1/checks", headers={"authorization": f"Bearer {token}"},
                                                 data={"contract": "person/v1"},
                                                 files={"file": (extract.name, handle, "text/csv")})
                        if answer.status_code != 503:
                            break
                        busy += 1
                        time.sleep(int(answer.headers["retry-after"]))
                outcomes.append({"client": n, "status": answer.status_code, "busy_answers": busy,
                                 "seconds": round(time.perf_counter() - started, 1)})

            threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            result = {"rows": rows, "file_bytes": extract.stat().st_size, "clients": clients,
                      "seconds": round(time.perf_counter() - started, 1), "server_idle_mb": idle_kb // 1024,
                      "server_peak_mb": _peak_kb(server.pid) // 1024,
                      "statuses": sorted({str(o["status"]) for o in outcomes}),
                      "busy_answers": sum(int(str(o["busy_answers"])) for o in outcomes)}
        print(json.dumps(result))
        (ROOT / "benchmarks" / "results" / "portal_parallel.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
