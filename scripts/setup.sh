#!/usr/bin/env bash
# Installs every Debian package vmsg needs to build, test and run. Idempotent: when
# everything is present it only checks and returns in about a second. Run as root (or
# with sudo available). `make run` and `make test` call it first.
set -euo pipefail

# Build and test toolchain, and the libraries vmsg links against.
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev            # libFuzzer harnesses
  clang-format clang-tidy
  libboost1.81-dev                    # Beast/Asio 1.81 (header-only parts)
  nlohmann-json3-dev
  libsqlite3-dev                      # embedded task state
  libhiredis-dev redis-server         # distributed task state (and its tests)
  libpqxx-dev postgresql              # the catalogs in PostgreSQL (VMSG_METADATA_URL) and its tests
  python3-celery python3-redis        # Celery interoperability test (/usr/bin/python3)
  libgtest-dev libgmock-dev
  libssl-dev libcurl4-openssl-dev     # S3 object store: SigV4 (OpenSSL) over libcurl
  libpugixml-dev                      # S3's XML responses
  python3-boto3                       # botocore as an offline SigV4 oracle in tests
  python3-numpy                       # tests load the voice embeddings (.npy) with NumPy
  python3-prometheus-client           # the official parser checks /metrics' text format in tests
  libopencv-dev libdlib-dev libdlib-data  # image pipeline: decode, detection, segmentation
  libjpeg62-turbo-dev libpng-dev      # uploads decoded with a JPEG scan limit and quiet libpng
  open-jtalk open-jtalk-mecab-naist-jdic  # Japanese speech (the voice is in contrib, below)
  flite1-dev                          # English speech
  libicu-dev                          # NFKC and character properties for message text
  libavcodec-dev libavformat-dev libavutil-dev libswresample-dev  # audio decoding
  libebur128-dev                      # EBU R128 loudness of the music mix
  libfluidsynth-dev fluid-soundfont-gm  # the system music, rendered from our scores at first start
  libass-dev fonts-noto-cjk           # karaoke subtitles in the video (Noto Sans CJK JP)
  libswscale-dev                      # video frames to yuv420p (H.264 is libavcodec's libx264)
  chromium                            # browser tests of the web UI (driven by playwright-core)
  opencv-data                         # OpenCV's Haar cascades (profile faces)
  curl ca-certificates                # smoke tests of the running server
)
# Packages that live in Debian's contrib component.
CONTRIB_PACKAGES=(hts-voice-nitech-jp-atr503-m001)

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${PACKAGES[@]}" "${CONTRIB_PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
fi

# Adds a component (contrib, non-free) to the Debian sources already configured, reusing
# their URIs, only when a missing package needs it.
ensure_component() {
  local component=$1 sources=/etc/apt/sources.list.d/debian.sources
  if [ -f "$sources" ]; then
    if ! grep -Eq "^Components:.*\b${component}\b" "$sources"; then
      echo "setup: enabling Debian's ${component} component in ${sources}"
      $SUDO sed -i -E "/^Components:/ { /\b${component}\b/! s/$/ ${component}/ }" "$sources"
    fi
  elif [ -f /etc/apt/sources.list ]; then
    if ! grep -Eq "^deb .*\b${component}\b" /etc/apt/sources.list; then
      echo "setup: enabling Debian's ${component} component in /etc/apt/sources.list"
      $SUDO sed -i -E "/^deb / { /\b${component}\b/! s/$/ ${component}/ }" /etc/apt/sources.list
    fi
  fi
}

for p in "${CONTRIB_PACKAGES[@]}"; do
  if [[ " ${missing[*]} " == *" $p "* ]]; then
    ensure_component contrib
    break
  fi
done

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
