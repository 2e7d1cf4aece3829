#!/usr/bin/env bash
# Print the path of a working Python interpreter of the given version (e.g. 3.10).
# Looks at PATH first, then pyenv's versions, then /usr/bin. Exits 1 if none runs.
set -euo pipefail
version="$1"
candidates=("python${version}")
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root)"
  for dir in "$root"/versions/"${version}".*/bin; do candidates+=("$dir/python${version}"); done
fi
candidates+=("/root/.pyenv/versions/${version}"*/bin/python"${version}" "/usr/bin/python${version}" "/usr/local/bin/python${version}")
for candidate in "${candidates[@]}"; do
  if path="$(command -v "$candidate" 2>/dev/null)" && "$path" -c "import sys; assert sys.version.startswith('${version}')" >/dev/null 2>&1; then
    # resolve pyenv shims to the real interpreter
    "$path" -c "import sys; print(sys.executable)"
    exit 0
  fi
done
echo "Python ${version} not found. Install it (e.g. 'pyenv install ${version}') and retry." >&2
exit 1
