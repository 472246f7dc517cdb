"""Our Python Pyro4 client for the instancemode example: the calls Pyro4's
own instancemode example client makes, with the daemon's location
(HOST:PORT) as an argument instead of a name server lookup.

usage: client.py HOST:PORT
"""
import sys

import Pyro4


def calls(location, name, message):
    got = []
    with Pyro4.Proxy("PYRO:%s@%s" % (name, location)) as p:
        for _ in range(3):
            result = p.msg(message)
            print(result)
            got.append(result[0] if isinstance(result, (tuple, list)) else result)
    return got


def main():
    location = sys.argv[1]
    print("Showing the different instancing modes.")
    print("The number printed, is the id of the instance that handled the call.")

    print("\n-----PERCALL (different number every time) -----")
    print("instances:", len(set(calls(location, "instance.percall", "hello"))))

    print("\n-----SESSION (same numbers within session) -----")
    first = calls(location, "instance.session", "hello1")
    print("instances:", len(set(first)))
    print(" ..new proxy..")
    second = calls(location, "instance.session", "hello2")
    print("instances:", len(set(second)))
    print("instances over both sessions:", len(set(first + second)))

    print("\n-----SINGLE (same number always) -----")
    first = calls(location, "instance.single", "hello1")
    second = calls(location, "instance.single", "hello2")
    print("instances over both proxies:", len(set(first + second)))


if __name__ == "__main__":
    main()
