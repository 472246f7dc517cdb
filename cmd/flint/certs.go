package main

import "github.com/flintrpc/flint/certs/certscli"

func init() {
	register("certs", "create and inspect mTLS certificates (init, issue, inspect)", certscli.Main)
}
