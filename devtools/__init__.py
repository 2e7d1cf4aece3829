"""Developer tools that sit above every package: they build the whole gateway (or start the
whole stack) to drive it from a terminal or a benchmark. Nothing in the product imports them."""
