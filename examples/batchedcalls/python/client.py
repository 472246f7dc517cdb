"""Our Python Pyro4 client for the batchedcalls example: the calls Pyro4's
own batchedcalls example client makes, without prompting.

usage: client.py URI [LOOPS] [DELAY_SECONDS]
"""
import sys
import time

import Pyro4
from Pyro4.util import getPyroTraceback


def main():
    uri = sys.argv[1]
    loops = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    want = loops * (7 * 6 + 10 + 20)
    p = Pyro4.Proxy(uri)

    print("Normal remote calls...")
    begin = time.time()
    total = 0
    p.printmessage("beginning normal calls")
    for _ in range(loops):
        total += p.multiply(7, 6)
        total += p.add(10, 20)
    p.printmessage("end of normal calls")
    assert total == want, total
    normal = time.time() - begin
    print("that took %.2f seconds (%.0f calls/sec)" % (normal, loops * 2.0 / normal))

    print("\nBatched remote calls...")
    begin = time.time()
    batch = Pyro4.batch(p)
    batch.printmessage("beginning batch #1")
    for _ in range(loops):
        batch.multiply(7, 6)
        batch.add(10, 20)
    batch.printmessage("end of batch #1")
    print("processing the results...")
    total = sum(batch())
    assert total == want, total
    batched = time.time() - begin
    print("total time taken %.2f seconds (%.0f calls/sec)" % (batched, loops * 2.0 / batched))
    print("batched calls were %.1f times faster than normal remote calls" % (normal / batched))

    print("\nOneway batched remote calls...")
    begin = time.time()
    batch = Pyro4.batch(p)
    batch.printmessage("beginning batch #2")
    for _ in range(loops):
        batch.multiply(7, 6)
        batch.add(10, 20)
    batch.delay(delay)
    batch.printmessage("end of batch #2")
    print("executing batch, there will be no result values. Check server to see printed messages...")
    assert batch(oneway=True) is None
    oneway = time.time() - begin
    print("total time taken %.2f seconds (%.0f calls/sec)" % (oneway, loops * 2.0 / oneway))
    print("oneway batched calls were %.1f times faster than normal remote calls" % (normal / oneway))

    print("\nBatched remote calls, asynchronous...")
    batch = Pyro4.batch(p)
    batch.printmessage("beginning batch #3")
    batch.multiply(7, 6)
    batch.add(10, 20)
    batch.delay(delay)
    batch.printmessage("end of batch #3")
    print("executing the batch... (should return immediately because async)")
    pending = batch(asynchronous=True)
    print("processing the results...(should wait until async results become available)")
    print("results=", list(pending.value))

    print("\nBatch with an error. Dividing a number by decreasing divisors...")
    batch = Pyro4.batch(p)
    for d in range(3, -3, -1):
        batch.divide(100, d)
    print("getting results...")
    divisor = 3
    try:
        for result in batch():
            print("100//%d = %d" % (divisor, result))
            divisor -= 1
    except ZeroDivisionError:
        print("A divide by zero error occurred during the batch! (expected)")
        print("".join(getPyroTraceback()))
    else:
        sys.exit("the batch with a division by zero did not fail")
    p._pyroRelease()


if __name__ == "__main__":
    main()
