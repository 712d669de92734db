# Seed 003's QQ chat client (already Python 3), with the server's host and port
# from argv in place of ('127.0.0.1',8081) and the loops ended at the end of stdin
# (input() raises EOFError there). Nothing else is changed.
import socket
import sys
BUFSIZE=1024
udp_client_socket=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)

ip_port=(sys.argv[1],int(sys.argv[2]))
qq_name_dic={
    'c1':ip_port,
    'c2':ip_port,
    'c3':ip_port,
    'c4':ip_port,
}


try:
    while True:
        qq_name=input('请选择聊天对象: ').strip()
        while True:
            msg=input('请输入消息,回车发送: ').strip()
            if msg == 'quit':break
            if not msg or not qq_name or qq_name not in qq_name_dic:continue
            udp_client_socket.sendto(msg.encode('utf-8'),qq_name_dic[qq_name])

            back_msg,addr=udp_client_socket.recvfrom(BUFSIZE)
            print('来自[%s:%s]的一条消息:33[1;44m%s33[0m' %(addr[0],addr[1],back_msg.decode('utf-8')))
except EOFError:
    pass

udp_client_socket.close()
