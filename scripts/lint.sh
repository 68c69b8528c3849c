#!/usr/bin/env bash
# Checks that the code keeps the project's habits (STYLE.md): clang-format
# (.clang-format) on every C/C++ file, and clang-tidy (.clang-tidy: naming and
# a few bug-prone patterns) on core/, tools/ and the SDK headers they include.
# Needs a configured build (its compile_commands.json): ./scripts/build.sh first.
# Exits non-zero on the first kind of problem it finds, naming the files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHIMP_BUILD_DIR:-$root/build}
cd "$root"
# Left as written: the contract header (its diffs are read as ABI changes,
# so whitespace stays put), its frozen 1.0 copy, and the scaffolding
# templates (placeholders, and the text `chimp create` writes is tested).
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' |
  grep -v -e '^tests/abi/v1_0/' -e '^plugin-api/include/chimp/plugin_abi.h$' -e '^scaffolding/')
echo "lint: clang-format on ${#files[@]} files"
clang-format --dry-run -Werror "${files[@]}"
mapfile -t sources < <(git ls-files 'core/*.cpp' 'tools/*.cpp')
echo "lint: clang-tidy on ${#sources[@]} files"
printf '%s\n' "${sources[@]}" | xargs -P "${CHIMP_JOBS:-2}" -n 4 clang-tidy -p "$build" --quiet
echo "lint: ok"
