"""Agents for gopo-bench: the agent protocol and the GOPO method (Expert Agent + CS Agent)."""
