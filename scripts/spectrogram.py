#!/usr/bin/python3
"""Draws a narrow-band spectrogram of a mono 16-bit WAV as a PNG (docs/voice.md's pictures).

Usage: /usr/bin/python3 scripts/spectrogram.py IN.wav OUT.png [--max-hz 4000] [--db 70]

40 ms Hann windows every 6 ms, so a voice's harmonics show as separate lines (their spacing
is its pitch) and formants as the bands where they are strong; 0 Hz at the bottom, the
loudest bin white, `--db` below it black. A click would be a thin vertical line through
every frequency; buzz, harmonics running up to the top without the formants' shaping.
Needs Debian's python3-numpy (for /usr/bin/python3); the PNG is written with zlib.
"""
import argparse
import struct
import sys
import wave
import zlib

import numpy as np


def read_wav(path):
    with wave.open(path) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            sys.exit(f"{path}: need mono 16-bit PCM")
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return x / 32768.0, rate


def spectrogram(x, rate, max_hz, window_s=0.040, hop_s=0.006, fft=4096):
    n = int(window_s * rate)
    hop = int(hop_s * rate)
    win = np.hanning(n)
    frames = [x[i:i + n] * win for i in range(0, max(1, len(x) - n), hop)]
    power = np.abs(np.fft.rfft(np.array(frames), fft)) ** 2
    keep = int(max_hz / (rate / fft))
    return 10 * np.log10(power[:, :keep] + 1e-12)


def write_png(path, indices, palette):
    """An indexed-colour PNG: one byte per pixel into `palette` (rows of RGB)."""
    h, w = indices.shape
    raw = b"".join(b"\x00" + indices[y].tobytes() for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)))
        f.write(chunk(b"PLTE", palette.astype(np.uint8).tobytes()))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def heat(v):
    """0..1 to black - purple - orange - white."""
    stops = np.array([[0, 0, 0], [70, 20, 110], [220, 70, 40], [250, 200, 60], [255, 255, 255]])
    pos = v * (len(stops) - 1)
    i = np.clip(pos.astype(int), 0, len(stops) - 2)
    t = (pos - i)[..., None]
    return (stops[i] * (1 - t) + stops[i + 1] * t).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wav")
    ap.add_argument("png")
    ap.add_argument("--max-hz", type=float, default=4000)
    ap.add_argument("--db", type=float, default=70)
    ap.add_argument("--height", type=int, default=240)
    args = ap.parse_args()
    x, rate = read_wav(args.wav)
    s = spectrogram(x, rate, args.max_hz)
    s = np.clip((s - (s.max() - args.db)) / args.db, 0, 1)
    # Rows: frequency bins resampled to the height, top = max_hz; 32 levels of the heat
    # palette and one grey for the grid.
    rows = np.linspace(0, s.shape[1] - 1, args.height).astype(int)
    levels = 32
    image = np.round(s[:, rows].T[::-1] * (levels - 1)).astype(np.uint8)
    palette = np.vstack([heat(np.linspace(0, 1, levels)), [[120, 120, 120]]])
    # Dotted lines every kHz, so bands can be read off.
    for khz in range(1, int(args.max_hz // 1000) + 1):
        y = args.height - 1 - int(khz * 1000 / args.max_hz * (args.height - 1))
        image[y, ::4] = levels
    write_png(args.png, np.ascontiguousarray(image), palette)


if __name__ == "__main__":
    main()
