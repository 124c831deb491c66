"""Documents the bureau circulates: notices, spreadsheet exports, briefings (Word/PDF with
charts), and the fonts and Excel helpers they share."""
