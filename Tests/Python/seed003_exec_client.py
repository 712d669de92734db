# Seed 003's client for the remote command server (服务端(自定制报头) / 客户端(自定制报头)),
# ported to Python 3 with the fewest changes:
# - the address comes from argv (host port) instead of ('127.0.0.1', 8080);
# - commands come from stdin, one per line, instead of input('>>: '), and the end of
#   stdin ends the loop like 'quit';
# - the reply is decoded as UTF-8 instead of 'gbk' (Windows' default code page).
# Run: python3 seed003_exec_client.py HOST PORT < commands.txt
import socket,time,struct
import sys

s=socket.socket(socket.AF_INET,socket.SOCK_STREAM)
res=s.connect_ex((sys.argv[1],int(sys.argv[2])))

for line in sys.stdin:
    msg=line.strip()
    if len(msg) == 0:continue
    if msg == 'quit':break

    s.send(msg.encode('utf-8'))



    l=s.recv(4)
    x=struct.unpack('i',l)[0]
    print(type(x),x)
    # print(struct.unpack('I',l))
    r_s=0
    data=b''
    while r_s < x:
        r_d=s.recv(1024)
        data+=r_d
        r_s+=len(r_d)

    # print(data.decode('utf-8'))
    print(data.decode('utf-8')) #windows默认gbk编码
