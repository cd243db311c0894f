"""JSON Schemas shipped with secgate."""
