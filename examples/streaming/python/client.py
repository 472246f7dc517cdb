"""Our Python Pyro4 client for the streaming example: the calls Pyro4's own
streaming example client makes, with the URI as an argument, plus the first
20 numbers of the endless fibonacci stream.

usage: client.py URI
"""
import itertools
import sys

import Pyro4


def main():
    with Pyro4.Proxy(sys.argv[1]) as p:
        print("\nnormal list:")
        print(p.list())
        print("\nvia iterator:")
        print(list(p.iterator()))
        print("\nvia generator:")
        print(list(p.generator()))
        print("\nslow generator:")
        for number in p.slow_generator():
            print(number)
        print("\nfirst 20 fibonacci numbers:")
        stream = p.fibonacci()
        print(list(itertools.islice(stream, 20)))
        stream.close()


if __name__ == "__main__":
    main()
