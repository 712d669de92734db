# Seed 003's UDP client (already Python 3), with the server's host and port from
# argv and the loop ended at the end of stdin (input() raises EOFError there).
# Nothing else is changed.
import socket
import sys
ip_port=(sys.argv[1],int(sys.argv[2]))
BUFSIZE=1024
udp_server_client=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)

while True:
    try:
        msg=input('>>: ').strip()
    except EOFError:
        break
    if not msg:continue

    udp_server_client.sendto(msg.encode('utf-8'),ip_port)

    back_msg,addr=udp_server_client.recvfrom(BUFSIZE)
    print(back_msg.decode('utf-8'),addr)
