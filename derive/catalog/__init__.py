"""The catalog: named identities stored as inputs (expression, variable, declarations), never
as answers. The API derives them; nothing here imports the engine.
"""
