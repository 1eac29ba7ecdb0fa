#!/usr/bin/env python3
"""Follows one task's progress over vmsg's WebSocket or its Server-Sent Events and prints
each percentage, one a line.

Standard library alone (the test machine has no WebSocket or SSE package). `ws`: a minimal
RFC 6455 client: the handshake, unmasked server frames in, masked pongs and a close out.
`sse`: GET /api/sse/progress/{id}, whose body (`event: progress` / `data: {record}`, with
`: keep-alive` comments) ends when the server closes the connection.
Usage: follow_progress.py ws|sse HOST PORT TASK_ID. Exits 0 when the server ends the stream
right after a final record (percentage 100, or negative for a failure), 1 on an error
record, a stream that ends early, or any protocol or connection error.
"""
import base64
import json
import os
import socket
import struct
import sys

TIMEOUT_SECONDS = 240  # the whole distributed test's budget; the server pings meanwhile


def is_final(record):
    return record["percentage"] >= 100 or record["percentage"] < 0


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed mid-frame")
        data += chunk
    return data


def read_head(sock):
    """The response's status line and headers, read a byte at a time (the body follows)."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed before the response head ended")
        head += chunk
    return head.decode("latin-1")


def send_frame(sock, opcode, payload=b""):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(header + mask + masked)


def take(record_text, state):
    """Prints one progress record; False for an error record."""
    record = json.loads(record_text)
    if "percentage" not in record:
        print(f"error record: {record_text}", file=sys.stderr)
        return False
    print(record["percentage"], flush=True)
    state["final"] = is_final(record)
    return True


def follow_ws(sock, host, port, task_id):
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET /api/ws/progress/{task_id} HTTP/1.1\r\nHost: {host}:{port}\r\n"
         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    status_line = read_head(sock).split("\r\n", 1)[0]
    if " 101 " not in status_line + " ":
        print(f"handshake refused: {status_line}", file=sys.stderr)
        return 1
    state = {"final": False}
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
            if not take(payload.decode(), state):
                return 1
        elif opcode == 0x9:
            send_frame(sock, 0xA, payload)
        elif opcode == 0x8:
            send_frame(sock, 0x8, payload[:2])
            if not state["final"]:
                print("closed before a final record", file=sys.stderr)
                return 1
            return 0


def follow_sse(sock, host, port, task_id):
    sock.sendall((f"GET /api/sse/progress/{task_id} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  "Accept: text/event-stream\r\n\r\n").encode())
    head = read_head(sock)
    status_line = head.split("\r\n", 1)[0]
    if " 200 " not in status_line + " " or "text/event-stream" not in head.lower():
        print(f"not an event stream: {head!r}", file=sys.stderr)
        return 1
    state = {"final": False}
    pending = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        pending += chunk
        while b"\n\n" in pending:
            block, pending = pending.split(b"\n\n", 1)
            event, data = "message", []
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    continue  # a keep-alive comment
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
            if not data:
                continue
            if state["final"]:
                print(f"an event after the final record: {block!r}", file=sys.stderr)
                return 1
            if event != "progress":
                print(f"{event} event: {' '.join(data)}", file=sys.stderr)
                return 1
            if not take("\n".join(data), state):
                return 1
    if pending.strip() or not state["final"]:
        print(f"the stream ended before a final record (left: {pending!r})", file=sys.stderr)
        return 1
    return 0


def main():
    mode, host, port, task_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    follow = {"ws": follow_ws, "sse": follow_sse}[mode]
    with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS) as sock:
        return follow(sock, host, port, task_id)


if __name__ == "__main__":
    sys.exit(main())
