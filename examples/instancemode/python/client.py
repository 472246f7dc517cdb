"""Our Python Pyro4 client for the instancemode example: the calls Pyro4's
own instancemode example client makes.

usage: client.py [HOST:PORT]

With HOST:PORT (the daemon's location) it builds PYRO: URIs; without it,
it uses PYRONAME:instance.single and so on, through the name server found
as Pyro4 finds it (PYRO_NS_HOST, PYRO_NS_PORT or broadcast).
"""
import sys

import Pyro4


def calls(location, name, message):
    got = []
    uri = "PYRO:%s@%s" % (name, location) if location else "PYRONAME:" + name
    with Pyro4.Proxy(uri) as p:
        for _ in range(3):
            result = p.msg(message)
            print(result)
            got.append(result[0] if isinstance(result, (tuple, list)) else result)
    return got


def main():
    location = sys.argv[1] if len(sys.argv) > 1 else None
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
