#!/usr/bin/env bash
# Installs the Debian 12 packages ccgc needs, only those missing
# (docs/dependencies.md says why each is there). Runs apt-get update only when
# something must be installed. Called by `make demo` and `make test`.
set -euo pipefail

packages=(
  cmake make gcc clang pkg-config # the build (clang: ThreadSanitizer runs)
  libglib2.0-dev                   # GLib
  check                            # unit tests
  libgraphviz-dev graphviz         # libcgraph/libgvc for the picture, `dot` for tests
  libxml2-dev                      # the HTML parser of the host model
  libgc-dev                        # Boehm GC, for side-by-side benchmarks
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: not root; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
