"""Runs a seed client over TLS, with the one line its reader would add after connect:

    s = ssl.create_default_context(cafile=CA).wrap_socket(s, server_hostname=sys.argv[1])

Usage: tls_seed.py SCRIPT CAFILE ARGS... (the script's own arguments follow).
"""
import sys

script, cafile = sys.argv[1], sys.argv[2]
with open(script) as file:
    source = file.read()
connect = "s.connect((sys.argv[1], int(sys.argv[2])))"
assert connect in source, "the seed client connects differently"
wrap = "import ssl; s = ssl.create_default_context(cafile=%r).wrap_socket(s, server_hostname=sys.argv[1])" % cafile
source = source.replace(connect, connect + "\n" + wrap)
sys.argv = [script] + sys.argv[3:]
exec(compile(source, script, "exec"), {"__name__": "__main__"})
