"""Our Python Pyro4 server for the oneway example: the same Server object as
the Go server, so the Go client can be run against real Pyro4.

usage: server.py [--tick SECONDS] [--until-eof]

Prints "URI <id> <uri>", then READY. With --until-eof it stops when its
standard input closes (the tests use that).
"""
import argparse
import sys
import threading
import time

import Pyro4


@Pyro4.expose
class Server(object):
    tick = 1.0

    def __init__(self):
        self.busy = False

    @Pyro4.oneway
    def oneway_start(self, duration):
        print("start request received. Starting work...")
        self.busy = True
        for i in range(duration):
            time.sleep(self.tick)
            print(duration - i)
        print("work is done!")
        self.busy = False

    def ready(self):
        print("ready status requested (%r)" % (not self.busy))
        return not self.busy

    def result(self):
        return "The result :)"

    def nothing(self):
        print("nothing got called, doing nothing")

    @Pyro4.oneway
    def oneway_work(self):
        for i in range(10):
            print("work work..", i + 1)
            time.sleep(self.tick)
        print("work's done!")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tick", type=float, default=1.0)
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    Server.tick = opts.tick
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(Server(), "example.oneway")
    print("URI example.oneway", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
