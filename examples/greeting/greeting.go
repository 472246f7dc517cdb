// Package greeting is the object of flint's greeting example, the Go
// counterpart of Pyro4's examples/greeting.
package greeting

import "fmt"

// Greeter is the exposure contract: exactly these methods are callable
// remotely (GetFortune is published as get_fortune).
type Greeter interface {
	GetFortune(name string) string
}

//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type GreetingMaker

// GreetingMaker makes fortunes.
type GreetingMaker struct{}

// GetFortune returns a fortune message for name.
func (GreetingMaker) GetFortune(name string) string {
	return fmt.Sprintf("Hello, %s. Here is your fortune message:\nTomorrow's lucky number is 12345678.", name)
}
