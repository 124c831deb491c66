"""Future industries (未来产业): taxonomies as dated data, classification with evidence,
confirmations, track figures, clusters and pilot zones. See docs/tracks.md."""
