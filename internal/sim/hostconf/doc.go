// Package hostconf owns the facts shared by the simulation's two sides: the
// launcher in package sim, which builds a simulated Alation host, and the
// simulated alation command in package alationcmd, which runs on it. It
// holds the per-host configuration file written at setup, the layout an
// Alation version implies, and the fixed paths inside a simulated host.
package hostconf
