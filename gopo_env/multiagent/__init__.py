"""PettingZoo multi-agent environments, one thin versioned module per domain."""
