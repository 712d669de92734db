# Seed 001's client (already Python 3), with the server's host and port from argv.
# Nothing else is changed: input() reads the messages from stdin.
import socket
import sys
# 服务器地址(主机,端口)
address = (sys.argv[1], int(sys.argv[2]))
# 初始化socket
s = socket.socket()
# 连接服务器
print('【开始连接服务器 %s:%s】' % address)
s.connect(address)
while True:
    print('Server: %s' % s.recv(1024).decode('utf-8'))
    msg = input('Client: ')
    if not msg or msg == 'exit':
        break
    s.send(msg.encode('utf-8'))
# 断开连接
s.close()
print('【断开连接】')
