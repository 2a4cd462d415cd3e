"""Storage: where accord's files live, and who may read them."""
