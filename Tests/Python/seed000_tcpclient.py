#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Seed 000's tcpclient.py ported to Python 3: the host and port come from argv,
# bytes instead of str, print() as a function. Nothing else is changed.
import socket
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# 建立连接:
s.connect((sys.argv[1], int(sys.argv[2])))
# 接收欢迎消息:
print(s.recv(1024).decode())
for data in [b'mindthink', b'code change the world', b'hello world']:
    # 发送数据:
    s.send(data)
    print(s.recv(1024).decode())
s.send(b'exit')
s.close()
