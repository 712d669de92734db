# Seed 003's TCP client (already Python 3), with the server's host and port from
# argv and the loop ended at the end of stdin (input() raises EOFError there).
# Nothing else is changed.
import socket
import sys
ip_port=(sys.argv[1],int(sys.argv[2]))
BUFSIZE=1024
s=socket.socket(socket.AF_INET,socket.SOCK_STREAM)

s.connect_ex(ip_port)           #拨电话

while True:                             #新增通信循环,客户端可以不断发收消息
    try:
        msg=input('>>: ').strip()
    except EOFError:
        break
    if len(msg) == 0:continue
    s.send(msg.encode('utf-8'))         #发消息,说话(只能发送字节类型)

    feedback=s.recv(BUFSIZE)                           #收消息,听话
    print(feedback.decode('utf-8'))

s.close()                                       #挂电话
