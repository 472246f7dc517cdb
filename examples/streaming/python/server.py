"""Our Python Pyro4 server for the streaming example: the same Streamer as
the Go server, so the Go client can be run against real Pyro4.

usage: server.py [--slow SECONDS] [--until-eof]

Prints "URI <id> <uri>", then READY. With --until-eof it stops when its
standard input closes (the tests use that).
"""
import argparse
import sys
import threading
import time

import Pyro4


@Pyro4.expose
class Streamer(object):
    slow = 0.5

    def list(self):
        return [1, 2, 3, 4, 5, 6, 7, 8, 9]

    def iterator(self):
        return iter([1, 2, 3, 4, 5, 6, 7, 8, 9])

    def generator(self):
        for i in range(1, 10):
            yield i

    def slow_generator(self):
        for i in range(1, 10):
            time.sleep(self.slow)
            yield i

    def fibonacci(self):
        a, b = 0, 1
        n = 0
        try:
            while True:
                n += 1
                yield a
                a, b = b, a + b
        finally:
            print("fibonacci stream closed by the client after %d numbers" % n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slow", type=float, default=0.5)
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    Streamer.slow = opts.slow
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(Streamer, "example.streamer")
    print("URI example.streamer", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
