# Seed 004's TCP client (already Python 3), with the server's host and port from
# argv and the loop ended at the end of stdin (input() raises EOFError there).
# Nothing else is changed.
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((sys.argv[1], int(sys.argv[2])))

while True:
    try:
        send_data = input('>>>').strip()
    except EOFError:
        break

    if len(send_data) == 0:
        continue

    s.send(send_data.encode('utf-8'))
    recv_data = s.recv(1024)
    print(recv_data.decode('utf-8'))

s.close()
