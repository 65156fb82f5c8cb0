"""The benchmark suite (`python -m lib bench`): every cost measured against its limit."""
