"""Models."""


class User:
    def __init__(self, **fields):
        self.fields = fields
