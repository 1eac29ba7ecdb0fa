#!/usr/bin/env python3
"""Follows one task's progress over vmsg's WebSocket and prints each percentage, one a line.

A minimal RFC 6455 client on the standard library alone (the test machine has no WebSocket
package): the handshake, unmasked server frames in, masked pongs and a close out. Usage:
ws_progress.py HOST PORT TASK_ID. Exits 0 when the server closes after a final record, 1 on
any protocol or connection error.
"""
import base64
import json
import os
import socket
import struct
import sys

TIMEOUT_SECONDS = 240  # the whole distributed test's budget; the server pings meanwhile


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed mid-frame")
        data += chunk
    return data


def send_frame(sock, opcode, payload=b""):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(header + mask + masked)


def main():
    host, port, task_id = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.create_connection((host, port), timeout=TIMEOUT_SECONDS)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET /api/ws/progress/{task_id} HTTP/1.1\r\nHost: {host}:{port}\r\n"
         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    status_line = head.split(b"\r\n", 1)[0].decode()
    if " 101 " not in status_line + " ":
        print(f"handshake refused: {status_line}", file=sys.stderr)
        return 1
    while True:
        b0, b1 = read_exact(sock, 2)
        opcode = b0 & 0x0F
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack(">H", read_exact(sock, 2))[0]
        elif length == 127:
            length = struct.unpack(">Q", read_exact(sock, 8))[0]
        payload = read_exact(sock, length)
        if opcode == 0x1:
            record = json.loads(payload)
            if "percentage" not in record:
                print(f"error record: {payload.decode()}", file=sys.stderr)
                return 1
            print(record["percentage"], flush=True)
        elif opcode == 0x9:
            send_frame(sock, 0xA, payload)
        elif opcode == 0x8:
            send_frame(sock, 0x8, payload[:2])
            return 0


if __name__ == "__main__":
    sys.exit(main())
