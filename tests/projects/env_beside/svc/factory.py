def make_config():
    return {"env_prefix": "X_"}
