"""Our Python Pyro4 client for the callback example: what Pyro4's own
client.py and client2.py do (a daemon of our own for the callbacks, workers
that report back, callbacks that fail), with the two URIs as arguments and
an end once everything has called back.

usage: client.py [URI URI2]

The URIs default to PYRONAME:example.callback and PYRONAME:example.callback2
(the name server is found as Pyro4 finds it: PYRO_NS_HOST, PYRO_NS_PORT or
broadcast).
"""
import logging
import random
import sys

import Pyro4

NUM_WORKERS = 5

# The select-based server wakes up every POLLTIMEOUT to check requestLoop's
# loop condition.
Pyro4.config.SERVERTYPE = "multiplex"
Pyro4.config.POLLTIMEOUT = 0.1


class CallbackHandler(object):
    workdone = 0

    @Pyro4.expose
    def done(self, number):
        print("callback: worker %d reports work is done!" % number)
        CallbackHandler.workdone += 1


class CrashingHandler(object):
    calls = 0

    def crash(self):
        CrashingHandler.calls += 1
        return 1 // 0

    @Pyro4.expose
    def call1(self):
        print("\n\ncallback 1 received from server!")
        print("going to crash - you won't see the exception here, only on the server")
        return self.crash()

    @Pyro4.expose
    @Pyro4.callback
    def call2(self):
        print("\n\ncallback 2 received from server!")
        print("going to crash - but you will see the exception here too")
        return self.crash()


def main():
    logging.basicConfig(stream=sys.stdout, format="[%(name)s,%(levelname)s] %(message)s")
    logging.getLogger("Pyro4").setLevel(logging.WARNING)
    uri, uri2 = "PYRONAME:example.callback", "PYRONAME:example.callback2"
    if len(sys.argv) > 2:
        uri, uri2 = sys.argv[1], sys.argv[2]
    with Pyro4.Daemon(host="127.0.0.1") as daemon:
        callback = CallbackHandler()
        daemon.register(callback)
        print("creating a bunch of workers")
        with Pyro4.Proxy(uri) as server:
            for _ in range(NUM_WORKERS):
                worker = server.addworker(callback)  # our callback handler goes as a proxy
                worker.work(random.randint(1, 5))
                worker._pyroRelease()
        print("waiting for all work complete...")
        daemon.requestLoop(loopCondition=lambda: CallbackHandler.workdone < NUM_WORKERS)
        print("done!")

        print("\nasking callback2 to call us back twice")
        crashing = CrashingHandler()
        daemon.register(crashing)
        with Pyro4.Proxy(uri2) as server:
            server.doCallback(crashing)  # oneway
        print("waiting for callbacks to arrive...")
        daemon.requestLoop(loopCondition=lambda: CrashingHandler.calls < 2)
        print("both callbacks arrived")


if __name__ == "__main__":
    main()
