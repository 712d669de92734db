"""Python's ssl module as the other end of a TLS test.

server CERT KEY [--tls12] [--drop]: listens on 127.0.0.1:0, prints the port, echoes
    one connection until the client's close_notify, answers with its own, exits.
    With --drop it echoes until the client's close_notify, then closes TCP without
    its own.
client PORT CAFILE MESSAGE: connects to 127.0.0.1:PORT checking the certificate
    against CAFILE and the name "localhost", sends MESSAGE, prints the echo and the
    version, ends with close_notify.
"""
import socket
import ssl
import sys


def serve(cert, key, tls12, drop):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_server(("127.0.0.1", 0)) as listener:
        print(listener.getsockname()[1], flush=True)
        connection, _ = listener.accept()
        with context.wrap_socket(connection, server_side=True) as tls:
            while True:
                data = tls.recv(65536)
                if not data:
                    break
                tls.sendall(data)
            if drop:
                # Everything the client sent has been read, its close_notify too, so the
                # close is a FIN the client sees after the echo, not a reset racing it.
                return
            tls.unwrap()


def connect(port, cafile, message):
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", int(port))) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(message.encode())
            received = b""
            while len(received) < len(message):
                data = tls.recv(65536)
                if not data:
                    break
                received += data
            print(received.decode(), tls.version(), flush=True)
            tls.unwrap()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(sys.argv[2], sys.argv[3], "--tls12" in sys.argv, "--drop" in sys.argv)
    else:
        connect(sys.argv[2], sys.argv[3], sys.argv[4])
