# A faulty echo server for the end-to-end tests of `sock bench`: it echoes every
# chunk it reads with the chunk's first byte inverted, so every reply is corrupt.
# Prints `listening on 127.0.0.1:PORT` like `sock serve`; runs until SIGTERM.
import socket
import sys
import threading


def serve(conn):
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            try:
                conn.sendall(bytes([data[0] ^ 0xFF]) + data[1:])
            except OSError:
                return


listener = socket.create_server(('127.0.0.1', 0))
print('listening on 127.0.0.1:%d' % listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
