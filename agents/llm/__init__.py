"""LLM path: backends, the tiny model, the LLM CS Agent, the monolithic LLM baseline, the LLM customer."""
