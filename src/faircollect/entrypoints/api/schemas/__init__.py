"""Wire schemas (Pydantic): not domain objects, not tables."""
