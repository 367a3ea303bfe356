"""Interchange files: reading a lender's folder (CSV or Parquet) and writing the export."""
