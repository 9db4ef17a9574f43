"""Benchmarks of autograd_lite against micrograd (and PyTorch scalars): see README.md."""
