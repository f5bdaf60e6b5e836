//go:build race

package main

// raceSlowdown is how much slower the checked program runs under the race
// detector: the few assertions on how soon it exits allow for it (the
// release build's figures are measured by `go run ./bench`).
const raceSlowdown = 10
