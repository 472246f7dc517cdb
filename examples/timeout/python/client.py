"""Our Python Pyro4 client for the timeout example: the timeouts Pyro4's own
timeout example client tries, with every delay scaled by UNIT seconds. It
stops after the connect timeout (the original then waits forever on
purpose).

usage: client.py [URI FROZEN_URI [UNIT_SECONDS]]

The URIs default to PYRONAME:example.timeout and
PYRONAME:example.timeout.frozendaemon (the name server is found as Pyro4
finds it: PYRO_NS_HOST, PYRO_NS_PORT or broadcast).
"""
import sys
import time

import Pyro4
import Pyro4.errors


def timed_delay(proxy, units, unit):
    start = time.time()
    try:
        return proxy.delay(units * unit), (time.time() - start) / unit
    except Pyro4.errors.TimeoutError:
        print("TimeoutError! As expected! (after %.1f units)" % ((time.time() - start) / unit))
        return None, None


def main():
    uri, frozen_uri = "PYRONAME:example.timeout", "PYRONAME:example.timeout.frozendaemon"
    if len(sys.argv) > 2:
        uri, frozen_uri = sys.argv[1], sys.argv[2]
    unit = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0

    Pyro4.config.COMMTIMEOUT = 0
    obj = Pyro4.Proxy(uri)
    obj._pyroBind()
    print("No timeout is configured. Calling delay with 2 units.")
    result, took = timed_delay(obj, 2, unit)
    print("%s (after %.1f units)" % (result, took))

    obj._pyroTimeout = unit
    print("Timeout set to 1 unit for this proxy. Calling delay with 2 units.")
    result, _ = timed_delay(obj, 2, unit)
    assert result is None, "should have timed out"

    Pyro4.config.COMMTIMEOUT = unit
    obj = Pyro4.Proxy(uri)
    print("COMMTIMEOUT is set globally. Calling delay with 2 units.")
    result, _ = timed_delay(obj, 2, unit)
    assert result is None, "should have timed out"

    obj._pyroTimeout = None
    print("No timeout is configured. Calling delay with 3 units.")
    result, took = timed_delay(obj, 3, unit)
    print("%s (after %.1f units)" % (result, took))

    print("Trying to connect to the frozen daemon.")
    frozen = Pyro4.Proxy(frozen_uri)
    frozen._pyroTimeout = unit
    print("Timeout set to 1 unit. Trying to connect.")
    result, _ = timed_delay(frozen, 5, unit)
    assert result is None, "should have timed out"


if __name__ == "__main__":
    main()
