#!/usr/bin/env bash
# Puts the real photos the composition tests and `make gallery` use into one folder (default
# build/test-photos), all from Debian's packages:
#   - dlib's example photos (libdlib-dev, installed by setup.sh): group snapshots, a
#     half-length pair, a tight head-and-shoulders portrait;
#   - messi5.jpg, a full-length action photo, from opencv-doc's examples;
#   - astronaut.png, a formal half-length portrait, from python3-skimage's data.
# The last two packages are large (opencv-doc) or conflict with the Boost vmsg builds with
# (python3-skimage), so they are not installed: `apt-get download` fetches each .deb once and
# the one file is taken out of it. Idempotent: a folder that holds every photo is left alone.
#
#   scripts/test-photos.sh [DIR]
set -euo pipefail

dir=${1:-build/test-photos}
dlib_faces=/usr/share/doc/libdlib19.1/examples/faces
dlib_photos=(2007_007763.jpg 2008_001009.jpg 2008_001322.jpg 2008_002079.jpg 2008_002470.jpg
             2008_002506.jpg 2008_004176.jpg 2008_007676.jpg 2009_004587.jpg
             Tom_Cruise_avp_2014_4.jpg)
# package  path inside it  name here
extracted=(
  "opencv-doc ./usr/share/doc/opencv-doc/examples/data/messi5.jpg messi5.jpg"
  "python3-skimage ./usr/lib/python3/dist-packages/skimage/data/astronaut.png astronaut.png"
)

mkdir -p "$dir"
for photo in "${dlib_photos[@]}"; do
  if [ ! -f "$dir/$photo" ]; then
    if [ ! -f "$dlib_faces/$photo" ]; then
      echo "test-photos: $dlib_faces/$photo is missing (run scripts/setup.sh)" >&2
      exit 1
    fi
    cp "$dlib_faces/$photo" "$dir/$photo"
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt-get download drops privileges to _apt, which must write here
for entry in "${extracted[@]}"; do
  read -r package path name <<<"$entry"
  [ -f "$dir/$name" ] && continue
  echo "test-photos: taking $name out of Debian's $package"
  if ! (cd "$work" && apt-get download -qq "$package" >/dev/null); then
    # The package lists may be missing on a fresh machine.
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    (cd "$work" && apt-get download -qq "$package" >/dev/null)
  fi
  deb=$(ls "$work"/"${package}"_*.deb | head -n 1)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "$path"
  mv "$work/$path" "$dir/$name"
  rm -f "$deb"
done
echo "test-photos: $(ls "$dir" | wc -l) photos in $dir"
