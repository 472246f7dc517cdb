# Real Pyro4 4.82 client for the TLS/HMAC interop tests. Prints one line:
# "OK <fortune>" or "ERR <exception class>: <message>". Configure SSL through
# the PYRO_SSL* environment variables. Run with /usr/bin/python3.
#   pytls.py URI [HMAC_KEY]
import sys
import Pyro4
uri = sys.argv[1]
try:
    with Pyro4.Proxy(uri) as p:
        if len(sys.argv) > 2:
            p._pyroHmacKey = sys.argv[2].encode()
        print("OK", p.get_fortune("TLS"))
except Exception as e:
    print("ERR %s.%s: %s" % (type(e).__module__, type(e).__name__, e))
