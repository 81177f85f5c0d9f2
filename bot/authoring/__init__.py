"""The designer's files: rasa's NLU data and domain, checked and edited in place.

They are read with line numbers (for `validate`) and written back with their
comments and layout kept (ruamel.yaml's round trip).
"""
