"""Core library: reading, parsing, storing, indexing and searching plan documents."""
