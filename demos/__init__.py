"""Runnable demos (jupytext "percent" scripts): `autograd-lite demo NAME`."""
