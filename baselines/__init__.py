"""Reference agents to compare GOPO against, one readable file each (docs/baselines.md)."""
