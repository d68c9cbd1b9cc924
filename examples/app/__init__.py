"""Orders service, written with the mistakes flake8-async-review looks for."""
