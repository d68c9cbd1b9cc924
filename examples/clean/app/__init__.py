"""Orders service, the same features as examples/app written correctly."""
