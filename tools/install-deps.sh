#!/usr/bin/env bash
# Installs what ccgc needs, only what is missing (docs/dependencies.md says
# why each is there): the Debian 12 packages, then memlab from the npm
# registry for the heap snapshot test (tests/tools/memlab-check.js). Runs
# apt-get update only when something must be installed; when everything is
# there it only checks, and returns at once. Called by `make demo` and
# `make test`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(
  cmake make gcc clang pkg-config # the build (clang: ThreadSanitizer runs)
  libglib2.0-dev                   # GLib
  check                            # unit tests
  libgraphviz-dev graphviz         # libcgraph/libgvc for the picture, `dot` for tests
  libgumbo-dev                     # the HTML5 parser of the host model
  bash-doc                         # a real, large page for the tests (bashref.html)
  libgc-dev                        # Boehm GC, for side-by-side benchmarks
  libjson-glib-dev                 # a JSON parser for the tests that read our JSON
  libcairo2-dev                    # cairo, which draws the benchmarks' plots
)

# --fuzz (make fuzz): also libFuzzer's runtime for clang 14, which clang
# only recommends (docs/fuzzing.md), and not memlab, which only a test
# needs. `make test` needs no clang runtime: it replays the fuzz corpus with
# gcc.
fuzz=0
for argument in "$@"; do
  case "$argument" in
    --fuzz) packages+=(libclang-rt-14-dev); fuzz=1 ;;
    *) echo "install-deps: unknown argument '$argument' (--fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$package")
  fi
done
# node and npm for memlab: by command, not by package, so that a node
# installed otherwise (with its own npm) is used as it is.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
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
fi

# memlab's heap analysis, a third-party reader of our .heapsnapshot files,
# into a project-local folder that `make clean` keeps (build-node/, ignored
# by git). Pinned; without the browser that @memlab/api's puppeteer would
# download, and without install scripts. About 90 MB, once.
[ "$fuzz" -eq 0 ] || exit 0
memlab_version=2.0.5
node_dir="${CCGC_NODE_DIR:-$root/build-node}"
installed_version() {
  local file="$node_dir/node_modules/$1/package.json"
  [ -f "$file" ] && sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$file" | head -n 1 || true
}
if [ "$(installed_version @memlab/api)" != "$memlab_version" ] ||
   [ "$(installed_version @memlab/heap-analysis)" != "$memlab_version" ] ||
   [ -z "$(installed_version @memlab/core)" ]; then
  echo "install-deps: installing memlab $memlab_version into $node_dir (npm)"
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] ||
    echo '{"name": "ccgc-test-tools", "private": true}' >"$node_dir/package.json"
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$node_dir" --ignore-scripts \
    --save-exact --no-audit --no-fund --loglevel=error \
    "@memlab/heap-analysis@$memlab_version" "@memlab/api@$memlab_version"
  echo "install-deps: memlab installed"
fi
