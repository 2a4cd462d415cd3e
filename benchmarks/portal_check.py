"""The portal's check over HTTP: a real ``accord serve`` (uvicorn) on a fresh data directory, a generated rrn
person extract of N rows (``generate.py``: Windows-1252, about 1 % bad rows) sent to ``POST /api/v1/checks`` as
a streamed upload, then the report page rendered.

    python benchmarks/portal_check.py [ROWS ...]        # default: 100000 1000000

Prints, per size, the file's bytes, the seconds to the API's JSON report (upload, read, map, validate, write
the report) and then to render the report page of that check (signed in).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write  # the benchmark's own generator, beside it

ROOT = Path(__file__).resolve().parents[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - localhost, built here
            return answer.status == 200
    except OSError:
        return False


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    from accord.access import TokenStore
    from accord.process_group import process_group
    from accord.settings import data_dirs

    with tempfile.TemporaryDirectory(prefix="accord-portal-bench-") as folder:
        work = Path(folder)
        token = TokenStore.of(data_dirs(work / "data").create()).create("rrn", "benchmark")
        url, env = "http://127.0.0.1:8765", {**os.environ, "ACCORD_DATA_DIR": str(work / "data"),
                                             "ACCORD_PROJECT_DIR": str(ROOT)}
        with (work / "serve.log").open("wb") as log, process_group(
                [sys.executable, "-m", "accord.cli", "serve", "--port", "8765"], ROOT, env, log):
            while not _up(url):
                time.sleep(0.2)
            results = []
            for rows in sizes:
                extract = write(work / f"personnes_{rows}.csv", rows)
                headers = {"authorization": f"Bearer {token}"}
                with httpx.Client(timeout=600) as client, extract.open("rb") as handle:
                    started = time.perf_counter()
                    answer = client.post(f"{url}/api/v1/checks", headers=headers, data={"contract": "person/v1"},
                                         files={"file": (extract.name, handle, "text/csv")})
                    api = time.perf_counter() - started
                    body = answer.json()
                    form = client.get(f"{url}/signin")
                    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
                    client.post(f"{url}/signin", data={"token": token, "csrf": csrf})
                    started = time.perf_counter()
                    page = client.get(f"{url}/checks/{body['id']}")
                    rendered = time.perf_counter() - started
                report = body["report"]
                results.append({"rows": rows, "bytes": extract.stat().st_size, "api_seconds": round(api, 2),
                                "page_seconds": round(rendered, 2), "page_bytes": len(page.content),
                                "status": body["status"], "rows_quarantined": report["rows_quarantined"],
                                "problems": report["errors_total"], "page_status": page.status_code})
                print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()
