"""The engine: one walk of the tree that dispatches nodes to rules, the context rules
read, the rule interface, violations, and the fix model."""
