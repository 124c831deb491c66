"""KPIs, targets and growth, by district."""
