#!/usr/bin/env bash
# Prints what the image is made of, so the build log records it.
set -euo pipefail

echo "kernel: $(uname -srm)"
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  echo "os: ${PRETTY_NAME:-unknown}"
fi
echo "bash: ${BASH_VERSION}"
for tool in python3 waagent; do
  if command -v "$tool" >/dev/null 2>&1; then
    echo "$tool: $("$tool" --version 2>&1 | head -n 1)"
  else
    echo "$tool: not installed"
  fi
done
