"""Runs a seed client over TLS, with the one line its reader would add after connect:

    s = ssl.create_default_context(cafile=CA).wrap_socket(s, server_hostname=sys.argv[1])

(after its `s.connect(...)` or `s.connect_ex(...)` line, at the same indentation).

Usage: tls_seed.py SCRIPT CAFILE ARGS... (the script's own arguments follow).
"""
import re
import sys

script, cafile = sys.argv[1], sys.argv[2]
with open(script) as file:
    source = file.read()
connect = re.search(r"^([ \t]*)(?:\w+\s*=\s*)?s\.connect(?:_ex)?\(.*$", source, re.MULTILINE)
assert connect, "the seed client connects differently"
wrap = "import ssl; s = ssl.create_default_context(cafile=%r).wrap_socket(s, server_hostname=sys.argv[1])" % cafile
source = source[: connect.end()] + "\n" + connect.group(1) + wrap + source[connect.end() :]
sys.argv = [script] + sys.argv[3:]
exec(compile(source, script, "exec"), {"__name__": "__main__"})
