#!/bin/bash
# install-test.sh MODE - ccgc as an embedder gets it (docs/embedding.md); the
# CTest cases labelled `install` (tests/CMakeLists.txt) run one mode each:
#   install       cmake --install the build tree into $WORK/prefix (the
#                 fixture of the next three)
#   find-package  the outside host (host.c) built with find_package(ccgc)
#                 against that prefix, shared and static, and run
#   pkg-config    the same host built with pkg-config's flags, shared and
#                 static, and run
#   symbols       nm -D on the installed libccgc.so: only names declared in
#                 the installed headers, every CCGC_API declaration among
#                 them, no internal name; no declaration without CCGC_API
#   subproject    a parent project with add_subdirectory(ccgc): it builds and
#                 runs the host, its ctest lists the host's tests and none of
#                 ccgc's, and it never looked for a tools/tests dependency
# Environment (set by CTest): CCGC_SOURCE_DIR, CCGC_BINARY_DIR, CCGC_WORK,
# CCGC_VERSION, CC, CCGC_SANITIZE_FLAGS (the sanitizer build's -fsanitize=...,
# which the host needs too, or empty).
set -euo pipefail
mode=$1
here=$(cd "$(dirname "$0")" && pwd)
prefix=$CCGC_WORK/prefix
work=$CCGC_WORK/$mode
jobs=2

fail() { echo "install-test $mode: $*" >&2; exit 1; }
# The sanitizer build's host is built with the same -fsanitize flags.
host_cmake_flags=(-DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=RelWithDebInfo
                  "-DCMAKE_C_FLAGS=${CCGC_SANITIZE_FLAGS:-}")

run_hosts() { # run each host executable given; each prints one line
  for exe in "$@"; do
    "$exe" || fail "$exe failed"
  done
}

# The executable names libccgc.so.MAJOR (shared) or no libccgc at all (static).
check_linkage() { # exe shared|static
  local needed
  needed=$(readelf -d "$1" | grep NEEDED | grep -c 'libccgc\.so' || true)
  case $2 in
    shared) [ "$needed" = 1 ] || fail "$1 does not load libccgc.so" ;;
    static) [ "$needed" = 0 ] || fail "$1 loads libccgc.so, expected the static library" ;;
  esac
}

case $mode in
install)
  # Only the prefix and its log: the subproject mode (no fixture, so CTest
  # may run it at the same time) builds in its own $CCGC_WORK/subproject.
  rm -rf "$prefix" "$CCGC_WORK/install.log"
  mkdir -p "$CCGC_WORK"
  cmake --install "$CCGC_BINARY_DIR" --prefix "$prefix" >"$CCGC_WORK/install.log"
  for file in include/ccgc/ccgc.h include/ccgc/v8ish.h include/ccgc/blinkish.h \
              include/ccgc/bridge.h include/ccgc/ccgc-version.h include/ccgc/ccgc-export.h \
              include/ccgc/ccgc-snapshot.h \
              bin/ccgc; do
    [ -e "$prefix/$file" ] || fail "$file not installed"
  done
  ls "$prefix"/lib*/libccgc.a "$prefix"/lib*/libccgc.so.* "$prefix"/lib*/pkgconfig/ccgc.pc \
     "$prefix"/lib*/cmake/ccgc/ccgcConfig.cmake "$prefix"/lib*/cmake/ccgc/ccgcConfigVersion.cmake \
     >/dev/null || fail "a library or package file is missing"
  version=$("$prefix/bin/ccgc" --version)
  [ "$version" = "ccgc $CCGC_VERSION" ] || fail "ccgc --version says '$version'"
  echo "installed into $prefix; $version"
  ;;
find-package)
  rm -rf "$work"
  cmake -S "$here" -B "$work" -DCMAKE_PREFIX_PATH="$prefix" \
        -DHOST_CCGC_VERSION="$CCGC_VERSION" "${host_cmake_flags[@]}" >"$work.log" ||
    { cat "$work.log"; fail "configure failed"; }
  cmake --build "$work" -j "$jobs" >>"$work.log" || { cat "$work.log"; fail "build failed"; }
  check_linkage "$work/host" shared
  check_linkage "$work/host_static" static
  run_hosts "$work/host" "$work/host_static"
  ;;
pkg-config)
  rm -rf "$work"
  mkdir -p "$work"
  export PKG_CONFIG_PATH=$(echo "$prefix"/lib*/pkgconfig)
  [ "$(pkg-config --modversion ccgc)" = "$CCGC_VERSION" ] || fail "pkg-config --modversion"
  libdir=$(pkg-config --variable=libdir ccgc)
  # shellcheck disable=SC2046,SC2086 # pkg-config's flags are words
  "$CC" ${CCGC_SANITIZE_FLAGS:-} -o "$work/host" "$here/host.c" \
        $(pkg-config --cflags --libs ccgc) -Wl,-rpath,"$libdir" || fail "shared build failed"
  # The static library by name (-l:libccgc.a), with what it needs
  # (Libs.private, Requires.private: GLib).
  # shellcheck disable=SC2046,SC2086
  "$CC" ${CCGC_SANITIZE_FLAGS:-} -o "$work/host_static" "$here/host.c" \
        $(pkg-config --cflags ccgc) \
        $(pkg-config --static --libs ccgc | sed 's/-lccgc\b/-l:libccgc.a/') ||
    fail "static build failed"
  check_linkage "$work/host" shared
  check_linkage "$work/host_static" static
  run_hosts "$work/host" "$work/host_static"
  ;;
symbols)
  rm -rf "$work"
  mkdir -p "$work"
  library=$(echo "$prefix"/lib*/libccgc.so)
  nm -D --defined-only "$library" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$work/exported"
  # Every function declared CCGC_API in the installed headers: the line after
  # CCGC_API names it before its first parenthesis.
  cat "$prefix"/include/ccgc/*.h |
    awk 'api { match($0, /[A-Za-z_][A-Za-z0-9_]*\(/); print substr($0, RSTART, RLENGTH - 1); api = 0 }
         /^CCGC_API$/ { api = 1 }' | sort -u >"$work/declared"
  # A function declared in an installed header without CCGC_API would be
  # hidden: a host calling it would fail to link against libccgc.so. Every
  # declaration starts at column 0 with its return type.
  cat "$prefix"/include/ccgc/*.h |
    awk '/^(const |unsigned |struct )?[A-Za-z_][A-Za-z0-9_]*[ *]+[A-Za-z_][A-Za-z0-9_]*\(/ &&
         !/^(typedef|static|return) / && prev != "CCGC_API" { print }
         { prev = $0 }' >"$work/unmarked"
  [ -s "$work/unmarked" ] &&
    fail "declared without CCGC_API, so hidden: $(cat "$work/unmarked")"
  [ -s "$work/exported" ] || fail "nm -D lists nothing in $library"
  if grep -E '^(ccgc_(marker|worklist|page|pages|heap_base|barrier|write_barrier|handle_table|verifier|registry|events|ephemeron|object_locks|pointer_set|remembered|gate|concurrent|pointer_map|slot_set|traversal|bulk)_|v8ish_(space|sweep|page|nursery|scavenge)|blinkish_(page|space|sweep|header))' \
       "$work/exported" >"$work/internal"; then
    fail "internal names exported: $(tr '\n' ' ' <"$work/internal")"
  fi
  comm -23 "$work/exported" "$work/declared" >"$work/undeclared"
  [ -s "$work/undeclared" ] &&
    fail "exported, but declared in no installed header: $(tr '\n' ' ' <"$work/undeclared")"
  comm -13 "$work/exported" "$work/declared" >"$work/missing"
  [ -s "$work/missing" ] &&
    fail "declared CCGC_API, but not exported: $(tr '\n' ' ' <"$work/missing")"
  echo "libccgc.so exports $(wc -l <"$work/exported") names, each declared CCGC_API in include/ccgc/"
  ;;
subproject)
  rm -rf "$work"
  mkdir -p "$CCGC_WORK"
  # The quickest build (this checks how ccgc builds into a parent, which the
  # library's speed and sanitizers have no part in): no build type, so no
  # optimization, and no -fsanitize, in the sanitizer build too.
  cmake -S "$here" -B "$work" -DHOST_CCGC_SOURCE="$CCGC_SOURCE_DIR" \
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE= >"$work.log" ||
    { cat "$work.log"; fail "configure failed"; }
  # Only GLib is looked for: none of the tools' or tests' dependencies.
  if grep -E '^__pkg_config_checked_(CHECK|CGRAPH|GVC|GUMBO|BDWGC|JSONGLIB)' \
       "$work/CMakeCache.txt"; then
    fail "the subproject looked for a dependency of ccgc's tests or tools"
  fi
  cmake --build "$work" -j "$jobs" >>"$work.log" || { cat "$work.log"; fail "build failed"; }
  [ ! -e "$work/ccgc/tools" ] || fail "the subproject built ccgc's tools"
  tests=$(ctest --test-dir "$work" -N | sed -n 's/^ *Test *#[0-9]*: //p' | sort | tr '\n' ' ')
  [ "$tests" = "host host_static " ] || fail "the parent's ctest lists: $tests"
  check_linkage "$work/host" shared
  check_linkage "$work/host_static" static
  run_hosts "$work/host" "$work/host_static"
  ;;
*)
  fail "unknown mode"
  ;;
esac
