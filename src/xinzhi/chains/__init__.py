"""Industry-chain and innovation-chain maps and the "325" chokepoint method."""
