"""Two lists and matchmaking (双百链接): results ↔ demands ↔ experts, pairing, challenges."""
