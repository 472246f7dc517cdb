package main

import "github.com/flintrpc/flint/secure"

// newResolver is set when name server support is built in.
var newResolver func() secure.Resolver

func resolver() secure.Resolver {
	if newResolver == nil {
		return nil
	}
	return newResolver()
}
