"""Imports nothing from the project: the tier never reads another module for it."""
import json


def dump(settings):
    return json.dumps(settings.anything)
