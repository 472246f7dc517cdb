"""Our Python Pyro4 client for the async example: the calls Pyro4's own
async example client makes, without prompting.

usage: client.py URI [DELAY_SECONDS]

DELAY_SECONDS is the server's divide delay (default 3); waits are sized
from it.
"""
import sys
import time

import Pyro4


def plus_one(value):
    print(">>> chained function called with value=%d" % value)
    return value + 1


def main():
    uri = sys.argv[1]
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    proxy = Pyro4.Proxy(uri)

    print("* normal call: (notice the delay)")
    print("result=", proxy.divide(100, 5))

    print("\n* async call:")
    proxy._pyroAsync()
    pending = proxy.divide(100, 5)
    print("result value available?", pending.ready)
    print("client can do other stuff here.")
    print("getting result value...(will block until available)")
    print("resultvalue=", pending.value)

    print("\n* async call, with normal call inbetween:")
    normal = Pyro4.Proxy(uri)
    pending = proxy.divide(100, 5)
    print("client does normal call: ", normal.multiply(5, 20))
    print("client does normal call: ", normal.multiply(5, 30))
    print("getting result value of async call...(will block until available)")
    print("resultvalue=", pending.value)

    print("\n* async call with exception:")
    pending = proxy.divide(100, 0)
    print("getting result value...")
    try:
        print("unexpected success:", pending.value)
        sys.exit(1)
    except ZeroDivisionError as x:
        print("got exception (expected): builtins.ZeroDivisionError", x)

    print("\n* async call with timeout:")
    pending = proxy.divide(100, 5)
    print("checking if ready within %.2fs..." % (delay * 2 / 3))
    print("status after waiting=", pending.wait(delay * 2 / 3))
    print("checking again if ready within %.2fs...(should be ok now)" % (delay * 5 / 3))
    print("status after waiting=", pending.wait(delay * 5 / 3))
    print("available=", pending.ready)
    print("resultvalue=", pending.value)

    print("\n* a few async calls at the same time:")
    start = time.time()
    results = [proxy.divide(100, b) for b in (7, 6, 5, 4, 3)]
    print("getting values...")
    for r in results:
        print("result=", r.value)
    print("five calls took %.1f times the delay" % ((time.time() - start) / delay))

    print("\n* async call with call chain:")
    pending = proxy.divide(100, 5)
    pending.then(plus_one).then(plus_one).then(plus_one)
    print("final value=", pending.value)

    print("\n* async call with call chain of normal remote calls:")
    pending = proxy.divide(100, 5)
    pending.then(normal.add, increase=1).then(normal.add, increase=2).then(normal.add, increase=3)
    print("final value=", pending.value)

    print("\n* batch async call:")
    batch = Pyro4.batch(proxy)
    batch.divide(100, 5)
    batch.divide(99, 9)
    batch.divide(555, 2)
    pending = batch(asynchronous=True)
    print("getting result values...(will block until available)")
    print("resultvalues=", list(pending.value))

    normal._pyroRelease()
    proxy._pyroRelease()
    print("\ndone.")


if __name__ == "__main__":
    main()
