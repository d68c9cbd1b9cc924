"""Base classes the other modules derive from: one is a pydantic model, one is not."""
from pydantic import BaseModel


class Base(BaseModel):
    pass


class Plain:
    pass
