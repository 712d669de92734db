# Seed 004's UDP client (already Python 3), with the server's host and port from
# argv and the loop ended at the end of stdin (input() raises EOFError there).
# Nothing else is changed: like the original it also sends empty messages.
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

while True:
    try:
        send_data = input('>>>').strip()
    except EOFError:
        break
    s.sendto(send_data.encode('utf-8'), (sys.argv[1], int(sys.argv[2])))
    recv_data, addr = s.recvfrom(1024)
    print(recv_data.decode('utf-8'))

s.close()
