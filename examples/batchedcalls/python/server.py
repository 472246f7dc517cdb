"""Our Python Pyro4 server for the batchedcalls example: the same Thingy as
the Go server, so the Go client can be run against real Pyro4.

usage: server.py [--until-eof]

Prints "URI <id> <uri>", then READY. With --until-eof it stops when its
standard input closes (the tests use that).
"""
import argparse
import sys
import threading
import time

import Pyro4


@Pyro4.expose
class Thingy(object):
    def multiply(self, a, b):
        return a * b

    def add(self, a, b):
        return a + b

    def divide(self, a, b):
        return a // b

    def error(self):
        return 1 // 0

    def delay(self, seconds):
        time.sleep(seconds)
        return seconds

    def printmessage(self, message):
        print(message)
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(Thingy, "example.batched")
    print("URI example.batched", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
