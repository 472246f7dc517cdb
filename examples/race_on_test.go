//go:build race

package examples_test

// raceEnabled says the tests run with -race; the programs are built the
// same way, so they reuse the test's compiled packages.
const raceEnabled = true
