"""Our Python Pyro4 client for the oneway example: the calls Pyro4's own
oneway example client makes.

usage: client.py [URI [TICK_SECONDS]]

URI defaults to PYRONAME:example.oneway (the name server is found as Pyro4
finds it: PYRO_NS_HOST, PYRO_NS_PORT or broadcast).
"""
import sys
import time

import Pyro4


def main():
    uri = sys.argv[1] if len(sys.argv) > 1 else "PYRONAME:example.oneway"
    tick = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    with Pyro4.Proxy(uri) as serv:
        print("starting server using a oneway call")
        start = time.time()
        serv.oneway_start(6)
        print("doing some more oneway calls inbetween")
        for _ in range(4):
            serv.nothing()
        print("those five calls took %.1f ticks; the work takes 6" % ((time.time() - start) / tick))
        time.sleep(2 * tick)
        print("\nNow contacting the server to see if it's done.")
        print("we are faster, so you should see a few attempts,")
        print("until the server is finished.")
        while True:
            print("server done?")
            if serv.ready():
                print("yes!")
                break
            print("no, trying again")
            time.sleep(tick)
        print("getting the result from the server:", serv.result())
        print("\nCalling oneway work method, server will continue working while we are done (check the server console output).")
        serv.oneway_work()


if __name__ == "__main__":
    main()
