"""The rule language: declarations compiled to Ibis expressions, with explanations."""
