"""This module does not parse: whoever imports from it learns nothing, and nothing fails."""
def oops(:
    pass
