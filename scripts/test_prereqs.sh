#!/usr/bin/env bash
# The outside programs the test suite starts, installed from Debian's packages when missing (`make test-deps`,
# which `make test` runs first): Chromium for the browser tests (driven by Playwright's Python API; Playwright's
# own browser download is unreachable here) and the PostgreSQL server (initdb, pg_ctl) for the deployment tests.
# Where nothing can be installed (not root, no password-less sudo, no apt-get) it stops before the suite starts,
# naming the command to run. The S3-compatible server is moto, a Python package of requirements.lock.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
postgres_bin() {
  command -v initdb >/dev/null && command -v pg_ctl >/dev/null && return 0
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}
postgres_bin || missing+=(postgresql)
# initdb refuses to run as root: the tests run it as the `postgres` account the package creates
if [ "$(id -u)" = 0 ] && ! getent passwd postgres >/dev/null; then
  [[ " ${missing[*]} " == *" postgresql "* ]] || missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=(none)
fi
if [ "${as_root[*]-}" = none ] || ! command -v apt-get >/dev/null; then
  echo "make test: the test suite needs ${missing[*]} (Debian packages), which are not installed and cannot be" >&2
  echo "installed from here (root or password-less sudo and apt-get are needed). Run, then make test again:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "make test: installing Debian's ${missing[*]} for the browser and PostgreSQL tests (first time only)"
export DEBIAN_FRONTEND=noninteractive
install() { "${as_root[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
install 2>/dev/null || { "${as_root[@]}" apt-get update -q >/dev/null && install; }
[ -x /usr/bin/chromium ] || { echo "make test: /usr/bin/chromium is still missing after the install" >&2; exit 1; }
postgres_bin || { echo "make test: initdb/pg_ctl are still missing after the install" >&2; exit 1; }
echo "make test: installed ${missing[*]}"
