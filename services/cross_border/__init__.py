"""Cross-border transfers (issue 14 part 7): quota arithmetic so far, see the module docstrings."""
