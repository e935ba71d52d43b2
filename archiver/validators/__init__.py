"""Validators of archiver's outputs by the field's own schemas (one module per format)."""
