package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPrintTablePairsRawRows: a row's ratio is to the raw figure of its
// own workload and placement measured before it, so alternating rounds of
// two peers each get their own raw figure.
func TestPrintTablePairsRawRows(t *testing.T) {
	rows := []benchRow{
		{Placement: "pinned", Workload: "sequential calls", Peer: "raw", Value: 1000},
		{Placement: "pinned", Workload: "bulk 10 MB", Peer: "raw", Value: 200},
		{Placement: "pinned", Workload: "sequential calls", Peer: "flint msgpack", Value: 700},
		{Placement: "pinned", Workload: "bulk 10 MB returned", Peer: "flint msgpack", Value: 150},
		{Placement: "pinned", Workload: "sequential calls, alternating", Peer: "raw", Value: 800},
		{Placement: "pinned", Workload: "sequential calls, alternating", Peer: "flint msgpack", Value: 600},
		{Placement: "pinned", Workload: "sequential calls, alternating", Peer: "raw", Value: 400},
		{Placement: "pinned", Workload: "sequential calls, alternating", Peer: "flint serpent", Value: 300},
		{Placement: "unpinned", Workload: "sequential calls", Peer: "flint msgpack", Value: 500},
	}
	var b bytes.Buffer
	printTable(&b, rows)
	lines := strings.Split(b.String(), "\n")
	ratio := func(i int) string { f := strings.Fields(lines[i+1]); return f[len(f)-1] }
	assert.Equal(t, "70%", ratio(2))
	assert.Equal(t, "75%", ratio(3), "returned bulk against the raw stream of its size")
	assert.Equal(t, "75%", ratio(5))
	assert.Equal(t, "75%", ratio(7), "its own raw rounds, not the other peer's")
	assert.Equal(t, "500", ratio(8), "no raw figure for the placement: the value ends the line")
}
