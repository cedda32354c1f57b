"""Reference agents to compare GOPO against, one readable file each (SPEC §6)."""
