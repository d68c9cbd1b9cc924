"""Facts about source code, computed lazily from the tree and never by importing it:
scopes and qualified names, receiver types, the catalogue of blocking APIs, the
project tier (other modules of the project, read as text), settings classes and
declared dependencies."""
