#!/bin/sh
# CTest's disclosure_c2pa_reader: writes a signed sample MP4 with disclosure_sample and reads
# it back with the independent reader in this folder, installing it first (npm ci, from
# package-lock.json) when it is absent. Exit 77 (skipped) only when npm cannot install it.
set -eu
sample="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install_reader.sh" || exit 77
rm -rf "$out"
mp4="$("$sample" "$out")"
node "$here/read_manifest.mjs" "$mp4"
