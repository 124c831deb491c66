"""Documents the bureau circulates: briefings (Word/PDF with charts)."""
