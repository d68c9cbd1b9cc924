"""A project name that happens to be spelt like a pydantic type."""
EmailStr = str
