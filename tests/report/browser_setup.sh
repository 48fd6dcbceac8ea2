#!/usr/bin/env bash
# Installs what the browser tests of the HTML report need (tests/report/test_report_browser.py):
# Debian's chromium and chromedriver (apt) and Selenium (the `test` extra of pyproject.toml).
# Nothing downloads a browser of its own. Safe to run again: it does nothing when all is there.
#   bash tests/report/browser_setup.sh            (as root, or with sudo available)
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "browser_setup: need root to apt-get install ${need[*]}" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ -x "$(dirname "$0")/../../.venv/bin/python" ]; then PY="$(dirname "$0")/../../.venv/bin/python"; fi
"$PY" -c "import selenium" 2>/dev/null || "$PY" -m pip install -q "selenium>=4.20"
echo "browser_setup: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version | head -1)"
