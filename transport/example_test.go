package transport_test

import (
	"fmt"

	"github.com/flintrpc/flint/transport"
)

func ExampleParseLocation() {
	for _, loc := range []string{"localhost:9090", "[::1]:9090", "./u:/run/flint.sock", "[::1]:9090junk"} {
		e, err := transport.ParseLocation(loc)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(e.Network, e.Address, e.Location())
	}
	// Output:
	// tcp localhost:9090 localhost:9090
	// tcp [::1]:9090 [::1]:9090
	// unix /run/flint.sock ./u:/run/flint.sock
	// error: transport: bad location: "[::1]:9090junk": bad port
}
