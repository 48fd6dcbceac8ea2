#!/usr/bin/env bash
# Installs the JavaScript clients the node tests drive (tests/node_clients/): ethers v6 and viem,
# pinned, into .jsclients/ at the repository root (git-ignored; the shared node_modules is left
# alone). Idempotent: quick when they are already there.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PREFIX="$ROOT/.jsclients"
ETHERS=6.17.0
VIEM=2.58.8
have() { node -e "process.exit(require('$PREFIX/node_modules/$1/package.json').version === '$2' ? 0 : 1)" 2>/dev/null; }
if have ethers "$ETHERS" && have viem "$VIEM"; then
  exit 0
fi
command -v npm >/dev/null || { echo "the node client tests need npm (Node.js 20+)"; exit 2; }
npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$PREFIX" "ethers@$ETHERS" "viem@$VIEM"
