#!/usr/bin/env bash
# The Debian packages, as an operator and a plugin author meet them (issue 14.6):
#   cpack builds chimp_<v>_<arch>.deb and chimp-dev_<v>_all.deb from the build
#   tree; their control data names the right dependencies;
#   both are extracted into a clean directory (dpkg-deb -x), where
#   - the installed chimp runs (--version);
#   - man -l renders the installed chimp(1) without warnings, and it names
#     every command and every option --help lists (asked of the installed
#     chimp, command by command), every exit code and every CHIMP_*
#     variable the sources read;
#   - bash sources the installed completion: complete -p chimp, and
#     `chimp mig<TAB>`, `chimp status --format <TAB>`, `chimp graph --format
#     <TAB>` and `chimp plugins v<TAB>` complete as they should;
#   - the -dev package builds a plugin: the installed chimp create scaffolds
#     a project from the installed templates, cmake configures it against the
#     extracted CMake package (find_package(chimp)) and builds it, and its
#     ctest (the installed chimp plugins verify) passes.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR   (ctest passes both)
set -euo pipefail
src=${1:?source dir}
build=${2:?build dir}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chimp-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "cpack"
(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/out/chimp_*.deb)
dev=$(ls "$tmp"/out/chimp-dev_*.deb)
echo "$deb"; echo "$dev"

step "control data"
depends=$(dpkg-deb -f "$deb" Depends)
echo "chimp Depends: $depends"
# From dpkg-shlibdeps: the C library, the C++ runtime and Connector/C at least.
for lib in libc6 libstdc++6 libmariadb3; do
  [[ $depends == *"$lib"* ]] || fail "chimp does not depend on $lib: $depends"
done
[ "$(dpkg-deb -f "$deb" Package)" = chimp ] || fail "package name"
dev_depends=$(dpkg-deb -f "$dev" Depends)
echo "chimp-dev Depends: $dev_depends"
version=$(dpkg-deb -f "$deb" Version)
[[ $dev_depends == *"chimp (= $version)"* ]] || fail "chimp-dev does not depend on chimp (= $version)"
[[ $dev_depends == *cmake* ]] || fail "chimp-dev does not depend on cmake"
[ "$(dpkg-deb -f "$dev" Architecture)" = all ] || fail "chimp-dev is not Architecture: all"

step "contents"
dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/deb.files"
dpkg-deb -c "$dev" | awk '{print $6}' >"$tmp/dev.files"
for f in ./usr/bin/chimp ./usr/share/man/man1/chimp.1.gz ./usr/share/bash-completion/completions/chimp \
  ./usr/share/doc/chimp/copyright; do
  grep -qxF "$f" "$tmp/deb.files" || fail "chimp lacks $f"
done
for f in ./usr/include/chimp/plugin_abi.h ./usr/include/chimp/sdk/plugin.hpp ./usr/lib/cmake/chimp/chimpConfig.cmake \
  ./usr/lib/cmake/chimp/chimp_plugin.cmake ./usr/share/chimp/scaffolding/plugin/CMakeLists.txt \
  ./usr/share/doc/chimp-dev/copyright; do
  grep -qxF "$f" "$tmp/dev.files" || fail "chimp-dev lacks $f"
done
# No file in both (dpkg would refuse to install the second).
if comm -12 <(grep -v '/$' "$tmp/deb.files" | sort) <(grep -v '/$' "$tmp/dev.files" | sort) | grep -q .; then
  fail "files in both packages"
fi

step "extract into $tmp/root"
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -x "$dev" "$root"
chimp="$root/usr/bin/chimp"
"$chimp" --version | tee "$tmp/version"
grep -qxF "$version" "$tmp/version" || fail "chimp --version is not the package version $version"

step "man -l"
page="$root/usr/share/man/man1/chimp.1.gz"
MANWIDTH=200 MAN_KEEP_FORMATTING= man --warnings -l --no-hyphenation --no-justification "$page" \
  2>"$tmp/man.err" | col -b >"$tmp/man.txt"
[ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; fail "man reports warnings"; }
grep -q '^NAME' "$tmp/man.txt" || fail "the page has no NAME section"
for section in SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES; do
  grep -q "^$section" "$tmp/man.txt" || fail "the page has no $section section"
done
# The commands and options the installed chimp's --help lists, command by
# command (nested commands too).
commands_of() {  # the "Subcommands:" block of a --help text
  awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}'
}
options_of() {  # every -x / --long name in a --help text
  grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ ,]//' | sort -u
}
checked=0
check_help() {  # $1: the command path ("" for chimp itself)
  local help
  # shellcheck disable=SC2086
  help=$("$chimp" $1 --help)
  for name in $(options_of <<<"$help"); do
    grep -qF -- "$name" "$tmp/man.txt" || fail "chimp $1 --help lists $name, the man page does not"
    checked=$((checked + 1))
  done
  for sub in $(commands_of <<<"$help"); do
    grep -qE "^   chimp $1${1:+ }$sub( |$)" "$tmp/man.txt" || fail "the man page has no section 'chimp $1${1:+ }$sub'"
    checked=$((checked + 1))
    check_help "$1${1:+ }$sub"
  done
}
check_help ""
echo "checked $checked commands and options against the page"
[ "$checked" -gt 100 ] || fail "only $checked commands and options found in --help"
for code in $(seq 0 13); do
  grep -qE "^       $code( |$)" "$tmp/man.txt" || fail "EXIT STATUS lacks $code"
done
# Every CHIMP_* variable the sources read (test-only hooks aside).
vars=$(grep -rhoE '(getenv|EnvironmentValue|EnvSetting)\("CHIMP_[A-Z_]+"' "$src/core/src" "$src/tools" |
  grep -oE 'CHIMP_[A-Z_]+' | sort -u | grep -v '^CHIMP_TEST_')
[ "$(wc -w <<<"$vars")" -gt 25 ] || fail "found only these variables in the sources: $vars"
for var in $vars; do
  grep -qE "^       $var( |$)" "$tmp/man.txt" || fail "ENVIRONMENT lacks $var"
done
grep -qE "^       NO_COLOR( |$)" "$tmp/man.txt" || fail "ENVIRONMENT lacks NO_COLOR"

step "bash completion"
completion="$root/usr/share/bash-completion/completions/chimp"
complete_words() {  # the completions of the words "$@" (the last one is being typed)
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _chimp chimp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$@"
}
bash --norc --noprofile -c 'source "$1" && complete -p chimp' _ "$completion" | tee "$tmp/complete"
grep -q -- "-F _chimp chimp" "$tmp/complete" || fail "complete -p chimp"
[ "$(complete_words chimp mig)" = migrate ] || fail "chimp mig<TAB>: $(complete_words chimp mig)"
[ "$(complete_words chimp status --format '' | tr '\n' ' ')" = "text json " ] ||
  fail "chimp status --format <TAB>: $(complete_words chimp status --format '')"
[ "$(complete_words chimp graph --format '' | tr '\n' ' ')" = "dot mermaid json svg png " ] ||
  fail "chimp graph --format <TAB>: $(complete_words chimp graph --format '')"
[ "$(complete_words chimp --plugins /tmp plugins v)" = verify ] || fail "chimp --plugins DIR plugins v<TAB>"
[ "$(complete_words chimp migrate --lo | tr '\n' ' ')" = "--lock-timeout --lock-wait-timeout --lock " ] ||
  fail "chimp migrate --lo<TAB>: $(complete_words chimp migrate --lo | tr '\n' ' ')"

step "the -dev package builds a plugin"
export CHIMP_DESCRIPTOR_CACHE=off
proj="$tmp/greeter"
"$chimp" create greeter --to 1.0.0 --dir "$proj" >"$tmp/create.log" || { cat "$tmp/create.log"; fail "chimp create"; }
grep -qF "$root/usr" "$tmp/create.log" || fail "chimp create does not point at the installed prefix"
cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_FIND_USE_CMAKE_SYSTEM_PATH=OFF -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Werror" >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log"; fail "configure against the package"; }
grep -qF "$root/usr/lib/cmake/chimp" "$proj/build/CMakeCache.txt" || fail "find_package(chimp) did not use the package"
cmake --build "$proj/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
test -f "$proj/build/greeter.so" || fail "no greeter.so"
ctest --test-dir "$proj/build" --output-on-failure >"$tmp/ctest.log" 2>&1 || { cat "$tmp/ctest.log"; fail "ctest"; }
grep -qF "$chimp" "$proj/build/CTestTestfile.cmake" || fail "the project's test does not run the packaged chimp"
step "ok"
