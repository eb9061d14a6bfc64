#!/usr/bin/env bash
# Builds the official protobuf conformance runner (Debian bookworm's protobuf
# 3.21.12 source, `conformance/`) with g++ against the system's libprotobuf-dev,
# and copies the protos it tests next to it. Nothing outside the cache
# directory is touched: the source comes through a private apt configuration
# (its own source list, lists and cache), never the machine's.
#
#   test/conformance/setup-runner.sh            → prints the cache directory
#
# Cache: ${WIREGRPC_CONFORMANCE_CACHE:-$HOME/.cache/wiregrpc-conformance}/v3.21.12/
#   conformance_test_runner, protos/{conformance/conformance.proto, google/protobuf/test_messages_proto{2,3}.proto}
# Needs: apt-get, dpkg-source (dpkg-dev), g++, protoc and libprotobuf-dev 3.21.
set -euo pipefail
CACHE="${WIREGRPC_CONFORMANCE_CACHE:-$HOME/.cache/wiregrpc-conformance}"
OUT="$CACHE/v3.21.12"
if [[ -x "$OUT/conformance_test_runner" && -f "$OUT/protos/google/protobuf/test_messages_proto2.proto" ]]; then
  echo "$OUT"
  exit 0
fi
for tool in apt-get g++ protoc tar; do
  command -v "$tool" >/dev/null || { echo "setup-runner: $tool is missing (apt-get install libprotobuf-dev protobuf-compiler g++ dpkg-dev)" >&2; exit 2; }
done
[[ "$(protoc --version)" == "libprotoc 3.21."* ]] || { echo "setup-runner: protoc 3.21 expected, found $(protoc --version)" >&2; exit 2; }

APT="$CACHE/apt"
mkdir -p "$APT/sources" "$APT/lists/partial" "$APT/cache/archives/partial" "$CACHE/src"
cat >"$APT/sources/debian-src.sources" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
O=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APT/sources" -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache")
cd "$CACHE/src"
if ! ls protobuf_3.21.12.orig.tar.gz >/dev/null 2>&1; then
  apt-get "${O[@]}" -qq update >&2
  apt-get "${O[@]}" -qq source --download-only protobuf=3.21.12-3+deb12u1 >&2 || apt-get "${O[@]}" -qq source --download-only protobuf >&2
fi
[[ -d protobuf-3.21.12 ]] || tar xzf protobuf_3.21.12.orig.tar.gz
SRC="$CACHE/src/protobuf-3.21.12"

BUILD="$CACHE/build-3.21.12"
rm -rf "$BUILD"
mkdir -p "$BUILD/gen"
cd "$SRC"
protoc -I conformance -I conformance/third_party -I src --cpp_out="$BUILD/gen" conformance/conformance.proto \
  src/google/protobuf/test_messages_proto3.proto src/google/protobuf/test_messages_proto2.proto
g++ -std=c++17 -O1 -w -I "$BUILD/gen" -I conformance -I conformance/third_party -I src -o "$BUILD/conformance_test_runner" \
  conformance/conformance_test.cc conformance/conformance_test_main.cc conformance/conformance_test_runner.cc \
  conformance/binary_json_conformance_suite.cc conformance/text_format_conformance_suite.cc \
  conformance/third_party/jsoncpp/jsoncpp.cpp \
  "$BUILD/gen/conformance.pb.cc" "$BUILD/gen/google/protobuf/test_messages_proto3.pb.cc" \
  "$BUILD/gen/google/protobuf/test_messages_proto2.pb.cc" -lprotobuf -lpthread >&2

mkdir -p "$OUT/protos/conformance" "$OUT/protos/google/protobuf"
cp conformance/conformance.proto "$OUT/protos/conformance/"
cp src/google/protobuf/test_messages_proto3.proto src/google/protobuf/test_messages_proto2.proto "$OUT/protos/google/protobuf/"
mv "$BUILD/conformance_test_runner" "$OUT/"
rm -rf "$BUILD"
echo "$OUT"
