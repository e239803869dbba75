"""Benchmarks for outdial. `make bench` runs them all; figures go in the README."""
