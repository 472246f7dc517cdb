"""Our Python Pyro4 client for the autoproxy example: the calls Pyro4's own
autoproxy example client makes, with the URI as an argument.

usage: client.py URI
"""
import sys

import Pyro4


def main():
    with Pyro4.Proxy(sys.argv[1]) as factory:
        print("Creating things.")
        things = [factory.createSomething(i) for i in (1, 2, 3)]
        for i, thing in enumerate(things, 1):
            print("thing%d is %s" % (i, "a proxy" if isinstance(thing, Pyro4.Proxy) else "a copy!"))
        print("Speaking stuff.")
        things[0].speak("I am the first")
        things[1].speak("I am second")
        things[2].speak("I am last then...")
        for thing in things:
            thing._pyroRelease()


if __name__ == "__main__":
    main()
