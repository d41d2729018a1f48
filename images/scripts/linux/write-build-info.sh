#!/usr/bin/env bash
# Stamps the image with a small build-info file. /var/tmp survives reboots and generalization,
# and writing there changes nothing else on the machine.
set -euo pipefail

dir=/var/tmp/azure-image-build
mkdir -p "$dir"
{
  echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel=$(uname -r)"
  if [ -r /etc/os-release ]; then
    grep -E '^(ID|VERSION_ID)=' /etc/os-release
  fi
} >"$dir/build-info.txt"
echo "wrote $dir/build-info.txt:"
cat "$dir/build-info.txt"
