"""The policy language: parser -> AST (nodes) -> static checker -> compiler to Python code."""
